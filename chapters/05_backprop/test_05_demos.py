"""Chapter 5's demos and the claims the notebook makes about backpropagation and gradient checks.

The expected numbers come from plain numpy written out here (the tiny network by hand, a
central difference of our own), never from the code under test.
"""

import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from chapter_files import chapter_module  # noqa: E402
from scratchdl.gradcheck import gradient_check, gradient_check_layer, relative_error  # noqa: E402
from scratchdl.layers import Activation, Dense  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

# The tiny network of the graph, written out by hand (the weights the notebook's prose works with).
W1 = np.array([[0.5, -0.3, 0.8], [-0.4, 0.6, 0.2]])
b1 = np.array([0.1, -0.2, 0.0])
W2 = np.array([[0.3, -0.5], [0.9, -0.4], [-0.6, 0.7]])
b2 = np.array([0.2, -0.1])


def loss_of_z2(z2, label):
    return float(np.log(np.sum(np.exp(z2))) - z2.ravel()[label])


def loss_of_h(h, label):
    return loss_of_z2(h @ W2 + b2, label)


def loss_of_z1(z1, label):
    return loss_of_h(np.maximum(z1, 0), label)


def central_difference(f, a, eps=1e-6):
    """Our own numerical gradient of f at the array a (a is not changed)."""
    grad = np.zeros(a.shape)
    for i in np.ndindex(a.shape):
        plus, minus = a.copy(), a.copy()
        plus[i] += eps
        minus[i] -= eps
        grad[i] = (f(plus) - f(minus)) / (2 * eps)
    return grad


def numeric_truth(x, label):
    """Every gradient on the graph, by central differences of the loss written out by hand."""
    z1 = x @ W1 + b1
    h = np.maximum(z1, 0)
    z2 = h @ W2 + b2
    return {
        "x": central_difference(lambda v: loss_of_z1(v @ W1 + b1, label), x),
        "W1": central_difference(lambda v: loss_of_z1(x @ v + b1, label), W1),
        "b1": central_difference(lambda v: loss_of_z1(x @ W1 + v, label), b1),
        "z1": central_difference(lambda v: loss_of_z1(v, label), z1),
        "h": central_difference(lambda v: loss_of_h(v, label), h),
        "W2": central_difference(lambda v: loss_of_z2(h @ v + b2, label), W2),
        "b2": central_difference(lambda v: loss_of_z2(h @ W2 + v, label), b2),
        "z2": central_difference(lambda v: loss_of_z2(v, label), z2),
        "L": 1.0,
    }


def traced(x=(1.0, 2.0), label=0):
    network, x, y = demos.tiny_example(x, label)
    values = demos.forward_values(network, x, y)
    return network, values, demos.backward_gradients(network)


def drawn_numbers(fig):
    """{gid: the numbers in that label}, e.g. {"value z1": array([-0.2, 0.7, 1.2]), ...}."""
    numbers = {}
    for text in fig.axes[0].texts:
        gid = text.get_gid()
        if gid and not gid.startswith("node"):
            after_equals = text.get_text().split("=", 1)[1]  # the name before it may hold digits (W_1)
            numbers[gid] = np.array([float(s) for s in re.findall(r"-?\d+(?:\.\d+)?", after_equals)])
    return numbers


def assert_diagram_readable(fig):
    """A title; every label inside the figure; no two labels overlapping; no label on a box
    except the box's own name, which fits inside it."""
    ax = fig.axes[0]
    assert ax.get_title()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text()]  # the arrows are annotations without text
    labels = [(t.get_gid(), t.get_window_extent(renderer)) for t in texts]
    assert all(gid for gid, _ in labels), "every text has a gid naming it"
    boxes = [patch.get_window_extent(renderer) for patch in ax.patches]
    for gid, extent in labels:
        assert fig.bbox.x0 <= extent.x0 and extent.x1 <= fig.bbox.x1, f"{gid} is cut off"
        assert fig.bbox.y0 <= extent.y0 and extent.y1 <= fig.bbox.y1, f"{gid} is cut off"
        if gid.startswith("node"):
            assert any(b.x0 < extent.x0 and extent.x1 < b.x1 and b.y0 < extent.y0 and extent.y1 < b.y1
                       for b in boxes), f"{gid} does not fit in its box"
        else:
            assert not any(extent.overlaps(b) for b in boxes), f"{gid} runs into a box"
    for (gid_a, a), (gid_b, b) in itertools.combinations(labels, 2):
        assert not a.overlaps(b), f"{gid_a} and {gid_b} overlap"
    plt.close(fig)


# --- the computational graph ----------------------------------------------------------------------


def test_the_forward_pass_gives_the_numbers_worked_out_in_the_prose():
    _, values, _ = traced()
    assert np.allclose(values["z1"], [[-0.2, 0.7, 1.2]]), "1 * 0.5 + 2 * (-0.4) + 0.1 = -0.2, ..."
    assert np.allclose(values["h"], [[0.0, 0.7, 1.2]]), "the first hidden unit is off"
    assert np.allclose(values["z2"], [[0.11, 0.46]]), "the network prefers class 1"
    assert values["L"] == pytest.approx(np.log(1 + np.exp(0.46 - 0.11)))
    assert round(values["L"], 2) == 0.88
    assert W1.size + W2.size == 12 and b1.size + b2.size == 5, "twelve weights and five biases"


def test_the_graph_draws_the_layers_values_and_gradients_which_match_numerical_ones():
    network, values, grads = traced()
    # The parameter gradients drawn are the ones the layers stored in their own grads.
    assert np.array_equal(grads["W1"], network.layers[0].grads["W"])
    assert np.array_equal(grads["b2"], network.layers[2].grads["b"])
    truth = numeric_truth(values["x"], 0)
    drawn = drawn_numbers(demos.plot_two_layer_graph(values, grads))
    for _, _, name in demos.GRAPH_EDGES:
        assert np.allclose(drawn[f"value {name}"], np.ravel(values[name]), atol=0.005 + 1e-9), name
        if name == "y":
            assert "grad y" not in drawn, "a label gets no gradient"
            continue
        assert np.allclose(drawn[f"grad {name}"], np.ravel(grads[name]), atol=0.005 + 1e-9), name
        assert np.allclose(drawn[f"grad {name}"], np.ravel(truth[name]), atol=0.005 + 1e-6), name
        assert np.allclose(grads[name], truth[name], atol=1e-8), name
    plt.close("all")


def test_the_traces_run_the_layers_forward_in_order_and_backward_in_reverse():
    network, x, y = demos.tiny_example()
    calls, outputs = [], {}
    for i, layer in enumerate(network.layers):
        for method in ("forward", "backward"):
            def spy(a, original=getattr(layer, method), i=i, method=method):
                calls.append((method, i))
                outputs[(method, i)] = original(a)
                return outputs[(method, i)]
            setattr(layer, method, spy)  # an instance attribute: layer(x) finds it first
    values = demos.forward_values(network, x, y)
    grads = demos.backward_gradients(network)
    assert calls == [("forward", 0), ("forward", 1), ("forward", 2), ("backward", 2), ("backward", 1), ("backward", 0)]
    assert values["z1"] is outputs[("forward", 0)] and values["z2"] is outputs[("forward", 2)]
    assert grads["h"] is outputs[("backward", 2)] and grads["x"] is outputs[("backward", 0)]


def test_what_the_notebook_reads_off_the_red_numbers():
    _, values, grads = traced()
    p = np.exp(values["z2"][0]) / np.exp(values["z2"][0]).sum()
    assert grads["L"] == 1.0
    assert grads["z2"].sum() == pytest.approx(0.0, abs=1e-15), "the entries add up to 0"
    assert 1 - abs(grads["z2"][0, 0]) == pytest.approx(p[0]), "the probability of class 0"
    assert np.array_equal(grads["b2"], grads["z2"][0]), "a batch of one: db2 = dL/dz2"
    assert np.all(grads["W2"][0] == 0) and np.all(grads["W2"][1:] != 0), "the silent unit's row"
    assert grads["z1"][0, 0] == 0 and np.all(grads["W1"][:, 0] == 0) and grads["b1"][0] == 0
    assert np.all(grads["W1"][:, 1:] != 0) and np.all(grads["b1"][1:] != 0)
    assert grads["b2"][0] < 0 < grads["b2"][1], "a step against it raises class 0's logit"
    assert "-0.00" not in demos.format_array(grads["z1"]), "a zero gradient is shown as 0.00"


def test_the_numerical_gradients_agree_with_backprop():
    network, values, grads = traced()
    numeric = demos.numerical_gradients_of_tiny(network, values["x"], values["y"])
    assert set(numeric) == {"W1", "b1", "W2", "b2", "x"}
    for name, estimate in numeric.items():
        assert np.allclose(estimate, numeric_truth(values["x"], 0)[name], atol=1e-8)
        assert relative_error(grads[name], estimate) < 1e-9, name
    assert np.array_equal(values["x"], [[1.0, 2.0]]), "x is left as it was"


def test_the_explorer_redraws_and_shows_dead_units_and_sign_flips():
    explorer = demos.graph_explorer()
    x1, x2, label = explorer.children[:3]
    start = explorer.result
    assert np.allclose(start["W1"], traced()[2]["W1"])
    x1.value, x2.value = -2.0, -1.0  # every ReLU unit off
    dead = explorer.result
    assert all(np.all(dead[name] == 0) for name in ("W1", "b1", "W2", "z1", "x"))
    assert np.all(dead["b2"] != 0), "only b2 can learn from this example"
    x1.value, x2.value = 1.0, 2.0
    label.value = 1
    flipped = explorer.result
    for name in ("x", "W1", "b1", "z1", "h", "W2", "b2", "z2"):
        assert np.array_equal(np.sign(flipped[name]), -np.sign(start[name])), name
    plt.close("all")


# --- central and forward differences -------------------------------------------------------------

HS = np.logspace(-12, -1, 45)  # the notebook's step sizes


@pytest.fixture(scope="module")
def errors():
    return demos.difference_errors(np.sin, np.cos, 1.0, HS)


def test_difference_errors_are_the_distances_from_cos_1(errors):
    forward = abs((np.sin(1.1) - np.sin(1.0)) / 0.1 - np.cos(1.0))
    central = abs((np.sin(1.1) - np.sin(0.9)) / 0.2 - np.cos(1.0))
    assert errors["forward"][-1] == pytest.approx(forward, rel=1e-9)
    assert errors["central"][-1] == pytest.approx(central, rel=1e-6)


def test_forward_errors_shrink_like_h_and_central_ones_like_h_squared(errors):
    assert demos.slope_on_log_axes(HS, errors["forward"], 1e-4, 1e-1) == pytest.approx(1.0, abs=0.02)
    assert demos.slope_on_log_axes(HS, errors["central"], 1e-4, 1e-1) == pytest.approx(2.0, abs=0.02)
    large = HS >= 1e-4
    assert np.all(errors["central"][large] < errors["forward"][large] / 10), "far more accurate there"
    # ... and on Taylor's predictions, h |sin''(1)| / 2 and h^2 |sin'''(1)| / 6
    assert np.allclose(errors["forward"][large], HS[large] * np.sin(1.0) / 2, rtol=0.06)
    assert np.allclose(errors["central"][large], HS[large] ** 2 * np.cos(1.0) / 6, rtol=0.01)


def test_rounding_takes_over_for_small_h_and_the_best_steps_are_where_the_prose_says(errors):
    rounding = np.finfo(np.float64).eps * np.sin(1.0) / HS
    small = HS <= 1e-9
    for method in ("forward", "central"):
        assert np.all(errors[method][small] < rounding[small]), "below the dotted line"
        assert np.max(errors[method][small] / rounding[small]) > 0.1, "... and the line is the right size"
        assert errors[method][0] > 1e3 * errors[method].min(), "both grow again as h shrinks"
    best_forward, best_central = HS[np.argmin(errors["forward"])], HS[np.argmin(errors["central"])]
    assert 1e-9 <= best_forward <= 1e-7, "near sqrt(eps) = 1.5e-8"
    assert 1e-6 <= best_central <= 1e-5, "near eps^(1/3) = 6e-6"
    assert errors["central"].min() < errors["forward"].min() / 1000
    at_default = np.argmin(np.abs(HS - 1e-6))
    assert errors["central"][at_default] / np.cos(1.0) < 1e-10, "accurate to about 10 digits"


# --- gradient checks --------------------------------------------------------------------------------


def test_the_relative_error_is_at_most_1_and_about_0_71_for_unrelated_gradients():
    """The notebook's claims: 0 when equal, never above 1 (the triangle inequality), exactly 1
    only for opposite directions or a zero vector, about sqrt(2)/2 for unrelated equal-length ones."""
    rng = np.random.default_rng(0)
    g = rng.normal(size=10_000)
    unrelated = rng.normal(size=10_000)
    unrelated *= np.linalg.norm(g) / np.linalg.norm(unrelated)
    assert relative_error(g, g) == 0
    assert relative_error(g, -3 * g) == pytest.approx(1) and relative_error(g, 0 * g) == 1
    assert relative_error(g, unrelated) == pytest.approx(np.sqrt(2) / 2, abs=0.01)
    errors = [relative_error(rng.normal(size=5), rng.normal(size=5) * rng.uniform(0, 10)) for _ in range(2000)]
    assert max(errors) <= 1, "never above 1"
    assert relative_error(g, -g + 1e-3 * unrelated) < 1, "1 only for exactly opposite directions"


def test_every_layer_and_loss_passes_below_1e_7():
    report = demos.check_every_layer_and_loss(np.random.default_rng(0))
    expected = {"Dense(4 → 3) input", "Dense(4 → 3) W", "Dense(4 → 3) b"}
    expected |= {f"Activation({name!r}) input" for name in ("sigmoid", "tanh", "relu", "leaky_relu", "linear")}
    expected |= {f"{loss}() input" for loss in ("MeanSquaredError", "BinaryCrossEntropy", "SoftmaxCrossEntropy",
                                                    "SigmoidCrossEntropy")}
    assert set(report.errors) == expected
    assert report.passed and report.worst() < 1e-7, report


def notebook_network():
    """Section 9's network and batch, as the notebook builds them."""
    rng = np.random.default_rng(1)
    model = Network.from_architecture([
        {"input_dim": 3, "output_dim": 5, "activation": "tanh"},
        {"input_dim": 5, "output_dim": 4, "activation": "relu"},
        {"input_dim": 4, "output_dim": 3, "activation": "softmax"},
    ], rng)
    return model, rng.normal(size=(8, 3)), rng.integers(0, 3, size=8)


def test_the_whole_network_passes_per_parameter():
    model, X, y = notebook_network()
    report = gradient_check(model, X, y)
    assert list(report.errors) == ["layer 0 W", "layer 0 b", "layer 2 W", "layer 2 b", "layer 4 W", "layer 4 b"]
    assert report.passed and report.worst() < 1e-7, report


def network_with(wrong_layer_class, rng):
    return Network([Dense(3, 4, rng), Activation("tanh"), wrong_layer_class(4, 4, rng), Activation("tanh"),
                    Dense(4, 3, rng)])


@pytest.mark.parametrize("n", [3, 8])
def test_an_averaged_bias_gradient_is_caught_with_error_n_minus_1_over_n_plus_1(n):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(n, 3)), rng.integers(0, 3, size=n)
    report = gradient_check(network_with(demos.MeanBiasDense, rng), X, y)
    assert not report.passed
    assert report.errors["layer 2 b"] == pytest.approx((n - 1) / (n + 1), rel=1e-6)
    assert all(error < 1e-7 for name, error in report.errors.items() if name != "layer 2 b")
    assert "✗ too large" in repr(report).splitlines()[4]


def test_an_untransposed_dx_shows_up_in_the_layer_below():
    _, X, y = notebook_network()
    report = gradient_check(network_with(demos.UntransposedDense, np.random.default_rng(2)), X, y)
    assert report.errors["layer 0 W"] > 0.1 and report.errors["layer 0 b"] > 0.1
    assert all(report.errors[name] < 1e-7 for name in ("layer 2 W", "layer 2 b", "layer 4 W", "layer 4 b"))
    rng = np.random.default_rng(3)
    alone = gradient_check_layer(demos.UntransposedDense(4, 4, rng), rng.normal(size=(5, 4)), rng)
    assert alone.errors["Dense(4 → 4) input"] > 0.1
    assert alone.errors["Dense(4 → 4) W"] < 1e-7 and alone.errors["Dense(4 → 4) b"] < 1e-7


def test_a_relu_input_on_the_kink_fails_a_correct_backward_and_moving_it_off_passes():
    z = np.array([[0.0, 1.5, -0.7], [0.3, -1.2, 2.0]])
    on_kink = gradient_check_layer(Activation("relu"), z, np.random.default_rng(3))
    assert on_kink.worst() > 1e-2
    moved = demos.away_from_kinks(z)
    assert moved[0, 0] == 0.5 and np.array_equal(moved.ravel()[1:], z.ravel()[1:])
    assert gradient_check_layer(Activation("relu"), moved, np.random.default_rng(3)).passed


# --- plots and bad input ------------------------------------------------------------------------------


def test_the_difference_plot_is_readable_on_log_axes():
    fig = demos.plot_difference_errors(np.sin, (np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t)), 1.0, HS, "sin")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert len(ax.get_legend().get_texts()) == 6, "two measured, two predicted, rounding, the default eps"
    assert_readable(fig)


@pytest.mark.parametrize("with_gradients", [False, True])
def test_the_graph_is_readable(with_gradients):
    _, values, grads = traced()
    fig = demos.plot_two_layer_graph(values, grads if with_gradients else None, title="t")
    red = [t for t in fig.axes[0].texts if t.get_color() == "red"]
    assert len(red) == (9 if with_gradients else 0), "a gradient under every arrow but the label's"
    assert_diagram_readable(fig)


def test_the_graph_stays_readable_across_the_explorers_range():
    for x, label in (((-3.0, 3.0), 1), ((3.0, 3.0), 0), ((-3.0, -3.0), 0)):
        _, values, grads = traced(x, label)
        assert_diagram_readable(demos.plot_two_layer_graph(values, grads))


def test_bad_input_gets_a_clear_error():
    with pytest.raises(ValueError, match=r"shape \(2,\); got shape \(3,\)"):
        demos.tiny_example((1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="label must be 0 or 1; got 2"):
        demos.tiny_example(label=2)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"expected a network of \[Dense, Activation, Dense\].*got layers \['Dense'\]"):
        demos.forward_values(Network([Dense(2, 2, rng)]), np.zeros((1, 2)), np.array([0]))
    with pytest.raises(ValueError, match="positive step sizes"):
        demos.difference_errors(np.sin, np.cos, 1.0, np.array([1e-3, 0.0]))
    with pytest.raises(ValueError, match="at least two step sizes between"):
        demos.slope_on_log_axes(HS, np.ones_like(HS), 2.0, 3.0)
    with pytest.raises(ValueError, match=r"plot_two_layer_graph needs the values \['L', "):
        demos.plot_two_layer_graph({"x": np.zeros((1, 2))})
