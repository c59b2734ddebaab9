"""Chapter 2's demos: the claims the notebook makes about them, and plots a reader can read."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from chapter_files import chapter_module  # noqa: E402
from readable import assert_readable  # noqa: E402
from scratchdl import activations  # noqa: E402

demos = chapter_module(__file__, "demos")

FIGURES = {
    "activation gallery": demos.plot_activation_gallery,
    "gradient norms": lambda: demos.plot_gradient_norms([("tanh", "xavier_normal")], depth=5),
    "softmax temperatures": lambda: demos.plot_softmax_temperatures([1.0, 0.0, -1.0]),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plots_have_titles_and_labelled_axes(name):
    assert_readable(FIGURES[name]())


def test_gradients_vanish_through_sigmoid_layers_but_not_tanh_with_xavier_or_relu_with_he():
    def decay(activation, init):
        norms = demos.gradient_norms_by_layer(activation, init, 20, np.random.default_rng(0))
        return norms[0] / norms[-1]  # first layer vs last layer

    assert decay("sigmoid", "xavier_normal") < 1e-6
    assert decay("tanh", "small_normal") < 1e-10
    assert 0.1 < decay("tanh", "xavier_normal") < 10
    assert 0.1 < decay("relu", "he_normal") < 10


def test_the_gradient_through_20_sigmoid_layers_shrinks_by_more_than_4_to_the_20():
    sizes, arriving = demos.gradient_norms_by_layer("sigmoid", "xavier_normal", 20, np.random.default_rng(0),
                                                    with_arriving=True)
    assert arriving / sizes[0] > 4.0**20, "the prose: the sigmoid network loses even more than 4**20"
    sizes, arriving = demos.gradient_norms_by_layer("tanh", "xavier_normal", 20, np.random.default_rng(0),
                                                    with_arriving=True)
    assert 1 < arriving / sizes[0] < 10, "the prose: tanh with Xavier stays within an order of magnitude"
    sizes, arriving = demos.gradient_norms_by_layer("relu", "he_normal", 20, np.random.default_rng(0),
                                                    with_arriving=True)
    assert 0.1 < arriving / sizes[0] < 10
    assert np.array_equal(sizes, demos.gradient_norms_by_layer("relu", "he_normal", 20, np.random.default_rng(0)))


def test_the_gallery_shades_below_a_threshold_well_under_leaky_relus_slope():
    import inspect

    alpha = inspect.signature(activations.leaky_relu).parameters["alpha"].default
    assert demos.FLAT < alpha / 2, "shading at leaky ReLU's own slope would blur the two"
    assert demos.flat_intervals("leaky_relu") == []
    assert demos.flat_intervals("relu") == [(-8.0, 0.0)], "relu'(0) = 0: flat up to and including 0"
    (left, right) = demos.flat_intervals("sigmoid")
    # sigma'(z) = 1e-3 at |z| = 6.9 (sigma' ~ exp(-|z|) out there)
    assert left == (-8.0, pytest.approx(-6.91, abs=0.01)) and right == (pytest.approx(6.91, abs=0.01), 8.0)
    (left, right) = demos.flat_intervals("tanh")
    assert right[0] == pytest.approx(np.arccosh(np.sqrt(1 / demos.FLAT)), abs=0.01)  # 1 - tanh**2 = 1 / cosh**2
    fig = demos.plot_activation_gallery()
    shaded = [ax for ax in fig.axes if ax.collections and any(len(c.get_paths()) for c in ax.collections)]
    assert {ax.get_title() for ax in fig.axes} - {ax.get_title() for ax in shaded} == {"leaky_relu(z)", "leaky_relu'(z)"}
    (legend,) = fig.legends
    assert "0.001" in legend.get_texts()[0].get_text()


def test_the_softmax_jacobian_is_diag_p_minus_p_p_transpose():
    rng = np.random.default_rng(1)
    z = rng.normal(size=5)
    p = activations.softmax(z)
    J = np.diag(p) - np.outer(p, p)
    h = 1e-6
    numeric = np.stack([(activations.softmax(z + h * e) - activations.softmax(z - h * e)) / (2 * h)
                        for e in np.eye(5)], axis=1)
    assert np.abs(J - numeric).max() < 1e-9
    assert np.allclose(J, J.T) and np.allclose(J.sum(axis=1), 0)
    g = rng.normal(size=5)
    assert np.allclose(J.T @ g, p * (g - p @ g))
    c = 3  # cross-entropy -log p_c: the gradient collapses to p - one_hot(c)
    assert np.allclose(J.T @ (-np.eye(5)[c] / p[c]), p - np.eye(5)[c])


def test_an_unknown_activation_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; expected one of sigmoid, tanh"):
        activations.get_activation("swish")
