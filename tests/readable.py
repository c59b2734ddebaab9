"""What every figure of the course must have: titles on its panels and labels on its axes."""

import matplotlib.pyplot as plt


def assert_readable(fig):
    """Every visible panel has a title; the x and y axes are labelled (shared axes once).

    Colour bars are not panels: their scale is named by a title or a label of their own.
    """
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert panels
    for ax in panels:
        assert ax.get_title(), "a panel without a title"
    bottom_row = [ax for ax in panels if ax.get_subplotspec().is_last_row()]
    assert all(ax.get_xlabel() for ax in bottom_row), "an x axis without a label"
    first_column = [ax for ax in panels if ax.get_subplotspec().is_first_col()]
    assert all(ax.get_ylabel() for ax in first_column), "a y axis without a label"
    plt.close(fig)
