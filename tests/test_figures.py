"""The shared figures that compare: confusion matrices on one colour scale, and the signal
through depth on an axis that serves the lines that keep their signal."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from readable import assert_readable
from scratchdl.tools.classifiers import plot_confusion_matrices
from scratchdl.tools.signals import VANISHED, layer_activations, plot_std_by_depth, std_axis_range


def confusion(mistake_at_4_9, background, seed):
    counts = np.random.default_rng(seed).poisson(background, (10, 10))
    np.fill_diagonal(counts, 950)
    counts[4, 9] = mistake_at_4_9
    return counts


# --- confusion matrices -------------------------------------------------------------------------

FEW, MANY = confusion(9, 1.0, 0), confusion(118, 6.0, 1)  # 9 mistakes must not look like 118


def panels_and_colorbars(fig):
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    return [ax for ax in fig.axes if ax not in bars], bars


def mistake_image(ax):
    return next(image for image in ax.images if image.get_cmap().name == "Reds")


def test_confusion_panels_share_one_colour_scale_up_to_the_largest_mistake_count():
    fig = plot_confusion_matrices({"few": FEW, "many": MANY})
    panels, _ = panels_and_colorbars(fig)
    top = max(int(m[~np.eye(10, dtype=bool)].max()) for m in (FEW, MANY))
    assert top == 118
    for ax in panels:
        norm = mistake_image(ax).norm
        assert (norm.vmin, norm.vmax) == (0, top)
    few, many = (mistake_image(ax) for ax in panels)
    # The same count has the same colour in both panels; 9 mistakes are far lighter than 118.
    assert np.allclose(few.to_rgba(np.array([[9.0]])), many.to_rgba(np.array([[9.0]])))
    light, dark = few.to_rgba(np.array([[9.0]]))[0, 0, :3], many.to_rgba(np.array([[118.0]]))[0, 0, :3]
    assert light.sum() > 2.4 and dark.sum() < 1.2
    plt.close(fig)


def test_confusion_figure_has_one_colour_bar_that_says_what_it_counts():
    fig = plot_confusion_matrices({"few": FEW, "many": MANY, "again": FEW})
    panels, bars = panels_and_colorbars(fig)
    assert len(panels) == 3 and len(bars) == 1
    label = bars[0].get_ylabel()
    assert "mistakes" in label and "diagonal" in label and "one scale" in label
    assert bars[0].get_ylim() == (0, 118)
    assert_readable(fig)


def test_confusion_diagonal_stays_grey_and_bold_and_every_count_is_written_in_its_cell():
    fig = plot_confusion_matrices({"few": FEW, "many": MANY})
    panels, _ = panels_and_colorbars(fig)
    for ax, counts in zip(panels, (FEW, MANY)):
        shown = np.array([int(t.get_text()) for t in ax.texts]).reshape(10, 10)
        assert np.array_equal(shown, counts)
        bold = np.array([t.get_fontweight() == "bold" for t in ax.texts]).reshape(10, 10)
        assert np.array_equal(bold, np.eye(10, dtype=bool))
        reds = np.ma.getdata(mistake_image(ax).get_array())
        assert np.isnan(np.diag(reds)).all() and not np.isnan(reds[~np.eye(10, dtype=bool)]).any()
        grey = next(image for image in ax.images if image.get_cmap().name == "Greys")
        assert np.array_equal(~np.isnan(np.ma.getdata(grey.get_array())), np.eye(10, dtype=bool))
        # White text only on the darkest cells (above 60% of the shared scale), never on the diagonal.
        white = np.array([t.get_color() == "white" for t in ax.texts]).reshape(10, 10)
        assert np.array_equal(white, (counts > 0.6 * 118) & ~np.eye(10, dtype=bool))
    plt.close(fig)


def test_confusion_matrices_without_mistakes_still_draw():
    fig = plot_confusion_matrices({"perfect": np.eye(3, dtype=int) * 5})
    panels, bars = panels_and_colorbars(fig)
    assert panels[0].get_title() == "perfect: 0 mistakes in 15" and len(bars) == 1
    assert_readable(fig)


# --- the signal through depth (chapter 2's last figure) ----------------------------------------

CHAPTER_2 = ["small_normal", "xavier_normal", "he_normal"]


def stds(init, activation="tanh", depth=20):
    return np.array([float(a.std()) for a in layer_activations(init, activation, depth, np.random.default_rng(0))])


def test_std_by_depth_axis_serves_the_lines_that_keep_their_signal():
    fig = plot_std_by_depth("tanh", CHAPTER_2, depth=20)
    ax = fig.axes[0]
    bottom, top = ax.get_ylim()
    kept = np.concatenate([stds("xavier_normal"), stds("he_normal")])
    assert kept.min() / 100 < bottom < kept.min() and kept.max() < top <= 2.0
    assert np.log10(kept.max() / kept.min()) / np.log10(top / bottom) > 0.25, "the kept lines fill the axis"
    small = stds("small_normal")
    assert small.min() < 1e-15 and bottom > 1e-3, "small_normal's fall is not what the axis is spent on"
    plt.close(fig)


def test_std_by_depth_says_where_small_normal_leaves_the_plot_and_how_far_it_falls():
    fig = plot_std_by_depth("tanh", CHAPTER_2, depth=20)
    ax = fig.axes[0]
    bottom = ax.get_ylim()[0]
    small = stds("small_normal")
    leaves_after = int(np.flatnonzero(small >= bottom)[-1]) + 1
    notes = [t.get_text() for t in ax.texts]
    assert len(notes) == 1 and notes[0].startswith("small_normal: ×")
    assert f"below the axis after layer {leaves_after}" in notes[0]
    assert f"(std {small[-1]:.1g} at layer 20)" in notes[0]
    factor = (small[-1] / small[0]) ** (1 / 19)
    assert f"×{factor:.2g} per layer" in notes[0]
    plt.close(fig)


def test_std_by_depth_legend_names_only_drawn_lines():
    fig = plot_std_by_depth("tanh", ["zeros", *CHAPTER_2, "xavier_uniform"], depth=6)
    ax = fig.axes[0]
    drawn = [line.get_label() for line in ax.get_lines()]
    assert drawn == [*CHAPTER_2, "xavier_uniform"], "zeros has nothing to draw on a log scale"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == drawn
    assert any(t.get_text().startswith("not drawn: zeros") for t in ax.texts)
    styles = {line.get_label(): (line.get_linestyle(), line.get_linewidth()) for line in ax.get_lines()}
    assert styles["xavier_uniform"] != styles["xavier_normal"], "the two Xavier lines coincide: both must show"
    assert_readable(fig)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_std_axis_range_keeps_every_line_that_does_not_vanish(activation):
    curves = [stds(init, activation) for init in ["zeros", "small_normal", "xavier_normal", "he_normal"]]
    bottom, top = std_axis_range(curves)
    for curve in curves:
        if curve.any() and curve.min() >= VANISHED:
            assert bottom <= curve.min() / 10 ** 0.99 and curve.max() < top
