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


def test_an_unknown_activation_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'swish'; expected one of sigmoid, tanh"):
        activations.get_activation("swish")
