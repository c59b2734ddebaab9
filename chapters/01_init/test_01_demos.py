"""Chapter 1's demos: the claims the notebook makes about them, and plots a reader can read."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from chapter_files import chapter_module  # noqa: E402
from readable import assert_readable  # noqa: E402
from scratchdl import activations  # noqa: E402
from scratchdl.initializers import INITIALIZERS, initialize, small_normal, xavier_normal, xavier_uniform, zeros  # noqa: E402
from scratchdl.tools.signals import layer_activations, plot_std_by_depth  # noqa: E402

SCHEMES = ["zeros", "small_normal", "xavier_normal", "xavier_uniform", "he_normal"]

demos = chapter_module(__file__, "demos")

FIGURES = {
    "weight distributions": lambda: demos.plot_weight_distributions(
        {"a": xavier_normal(50, 50, np.random.default_rng(0)), "b": xavier_uniform(50, 50, np.random.default_rng(0))}, "t"
    ),
    "layer histograms": lambda: demos.plot_layer_histograms(
        layer_activations("he_normal", "relu", 6, np.random.default_rng(0), width=32), "t"
    ),
    "layer histograms, more layers than panels": lambda: demos.plot_layer_histograms(
        layer_activations("xavier_normal", "tanh", 13, np.random.default_rng(0), width=32), "t"
    ),
    "signal by depth": lambda: demos.plot_signal_by_depth(["tanh", "relu"], SCHEMES, depth=8, width=64),
    "std by depth": lambda: plot_std_by_depth("tanh", list(INITIALIZERS), 6),
    "std by depth with a learner's function": lambda: plot_std_by_depth(activations.tanh, ["xavier_normal"], 4),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plots_have_titles_and_labelled_axes(name):
    assert_readable(FIGURES[name]())


def constant(fan_in, fan_out):
    return np.full((fan_in, fan_out), 0.5)


def test_symmetry_equal_weights_stay_equal_and_random_ones_learn_more():
    zero = demos.symmetry_experiment(zeros, np.random.default_rng(0))
    assert zero["identical_after"] and zero["loss_after"] == zero["loss_before"], "zeros: nothing moves"
    same = demos.symmetry_experiment(constant, np.random.default_rng(0))
    assert same["identical_before"] and same["identical_after"]
    assert np.allclose(same["hidden_before"], same["hidden_before"][:, :1])
    rng = np.random.default_rng(0)
    rand = demos.symmetry_experiment(lambda i, o: small_normal(i, o, rng, std=0.5), np.random.default_rng(0))
    assert not rand["identical_after"]
    assert rand["loss_after"] < 0.5 * same["loss_after"], "random weights should reach a much lower loss"


def test_small_normal_shrinks_the_signal_as_the_variance_formula_predicts():
    # Var(z) = fan_in * std**2 * E[x**2], and a linear layer's output has mean 0:
    # the std is multiplied by sqrt(256) * 0.01 = 0.16 per layer.
    outputs = layer_activations("small_normal", "linear", 8, np.random.default_rng(0))
    for layer, a in enumerate(outputs, start=1):
        assert a.std() == pytest.approx(0.16**layer, rel=0.05)


@pytest.mark.parametrize(
    "init, activation, per_layer",
    [
        ("xavier_normal", "linear", 1.0),
        ("he_normal", "linear", np.sqrt(2.0)),  # doubles the variance: explodes
        ("he_normal", "relu", None),  # steady (checked below)
    ],
)
def test_signal_growth_per_layer_matches_the_derivation(init, activation, per_layer):
    outputs = layer_activations(init, activation, 12, np.random.default_rng(1))
    stds = np.array([a.std() for a in outputs])
    if per_layer is None:
        assert 0.5 < stds[-1] / stds[0] < 2.0
    else:
        assert stds[-1] / stds[1] == pytest.approx(per_layer**10, rel=0.25)


def test_relu_with_xavier_halves_the_second_moment_each_layer():
    outputs = layer_activations("xavier_normal", "relu", 12, np.random.default_rng(2))
    second_moment = np.array([np.mean(a**2) for a in outputs])
    per_layer = (second_moment[-1] / second_moment[0]) ** (1 / 11)  # geometric mean of the ratios
    assert per_layer == pytest.approx(0.5, rel=0.05)


def test_init_explorer_redraws_for_new_settings():
    explorer = demos.init_explorer(width=64)
    init, activation, depth = explorer.children[:3]
    assert len(explorer.result) == depth.value
    depth.value = 4
    assert len(explorer.result) == 4
    init.value = "zeros"
    assert explorer.result == [0.0] * 4
    init.value, activation.value = "he_normal", "linear"
    assert explorer.result[-1] > 2 * explorer.result[0], "he_normal + linear explodes"
    plt.close("all")


def test_initialize_rejects_bad_input_with_what_was_expected():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'; expected one of zeros, small_normal"):
        initialize("glorot", 3, 4, rng)
    with pytest.raises(ValueError, match=r"fan_in must be a positive integer; got 0"):
        initialize("he_normal", 0, 4, rng)
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator .* got int"):
        initialize("he_normal", 3, 4, 42)


def test_the_symmetry_printout_has_a_row_per_example(capsys):
    demos.print_symmetry("zeros", demos.symmetry_experiment(zeros, np.random.default_rng(0)))
    assert "a row per example, a column per unit" in capsys.readouterr().out


def test_signal_plot_draws_every_nonzero_line_in_the_legend_and_keeps_the_axis_for_them():
    fig = demos.plot_signal_by_depth(["tanh", "relu"], SCHEMES, depth=20)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["tanh units", "relu units"]
    drawn = [line.get_label() for line in panels[0].get_lines()]
    assert drawn == SCHEMES[1:], "zeros cannot be drawn on a log scale, so it is not drawn"
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == drawn, "a legend entry for each drawn line, no other"
    for ax in panels:
        assert "not drawn: zeros" in " ".join(t.get_text() for t in ax.texts)
        low, high = ax.get_ylim()
        assert low >= 1e-5 and high <= 10, "the y range goes to the lines that matter, not small_normal's 1e-16"
        lines = {line.get_label(): line for line in ax.get_lines()}
        xn, xu = lines["xavier_normal"], lines["xavier_uniform"]
        # the two Xavier lines coincide: the one on top is dashed and thinner, so both show
        assert xu.get_linestyle() == "--" and xn.get_linestyle() == "-"
        assert xn.get_linewidth() > xu.get_linewidth()
        assert xn.get_color() != xu.get_color()
        # the lines that stay on the panel do; small_normal's leaves it, with a note
        for name in ("xavier_normal", "xavier_uniform", "he_normal"):
            assert np.nanmin(lines[name].get_ydata()) > low
        assert np.nanmin(lines["small_normal"].get_ydata()) < low
        assert any(t.get_text().startswith("small_normal:") for t in ax.texts)
    plt.close(fig)


def test_factors_per_layer_match_the_derivation():
    factor = lambda init, activation: demos.factor_per_layer(demos.std_by_depth(init, activation, 20))  # noqa: E731
    assert factor("small_normal", "tanh") == pytest.approx(0.16, rel=0.02)
    assert factor("small_normal", "relu") == pytest.approx(0.16 * np.sqrt(0.5), rel=0.03)
    assert factor("xavier_normal", "relu") ** 2 == pytest.approx(0.5, rel=0.05)
    assert factor("xavier_uniform", "relu") ** 2 == pytest.approx(0.5, rel=0.05)
    assert factor("he_normal", "relu") ** 2 == pytest.approx(1.0, rel=0.05)
    assert 0.85 < factor("xavier_normal", "tanh") < 1
    assert demos.factor_per_layer(demos.std_by_depth("zeros", "tanh", 5)) == 0.0


def test_layer_histograms_show_every_layer_and_start_at_0_for_relu():
    outputs = layer_activations("xavier_normal", "relu", 10, np.random.default_rng(0))
    fig = demos.plot_layer_histograms(outputs, "t")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title().splitlines()[0] for ax in panels] == [f"layer {i}" for i in range(1, 11)]
    assert all(ax.get_xlim()[0] >= -0.2 * ax.get_xlim()[1] for ax in panels), "ReLU outputs are never negative"
    assert all("exactly 0" in ax.get_title() for ax in panels)
    assert len({ax.get_xlim() for ax in panels}) == 1, "one x range for every panel"
    plt.close(fig)


def test_layer_histograms_say_which_layers_they_show_when_they_cannot_show_all():
    outputs = layer_activations("xavier_normal", "tanh", 30, np.random.default_rng(0), width=32)
    fig = demos.plot_layer_histograms(outputs, "t")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    shown = [ax.get_title().splitlines()[0].removeprefix("layer ") for ax in panels]
    assert len(shown) == 10 and shown[0] == "1" and shown[-1] == "30"
    assert f"(layers {', '.join(shown)} of 30)" in fig._suptitle.get_text()
    low, high = panels[0].get_xlim()
    assert low == pytest.approx(-high), "tanh outputs have both signs: a symmetric range"
    plt.close(fig)
