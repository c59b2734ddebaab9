"""Chapter 4's demos and the claims the notebook makes about overflow, log(0) and MSE vs cross-entropy."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.activations import sigmoid, sigmoid_derivative  # noqa: E402
from scratchdl.tools.datasets import spirals, two_moons  # noqa: E402
from chapter_files import chapter_module  # noqa: E402
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

LOGITS = np.array([[1000.0, 0.0, -1000.0]])  # the notebook's sure network


def logistic(z):
    """sigma(z) with the math module, one number at a time (an independent reference)."""
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# --- log of 0 and overflow -----------------------------------------------------------------------


def test_the_textbook_softmax_overflows_and_the_shifted_one_still_takes_log_0():
    sure_right, sure_wrong = np.array([0]), np.array([2])
    value, said = demos.numpy_warnings(demos.textbook_softmax_cross_entropy, LOGITS, sure_right)
    assert math.isnan(value) and said == ["overflow encountered in exp", "invalid value encountered in divide"]
    value, said = demos.numpy_warnings(demos.textbook_softmax_cross_entropy, LOGITS, sure_wrong)
    assert value == math.inf and "overflow encountered in exp" in said and "divide by zero encountered in log" in said
    value, said = demos.numpy_warnings(demos.shifted_softmax_cross_entropy, LOGITS, sure_right)
    assert value == 0 and said == []
    value, said = demos.numpy_warnings(demos.shifted_softmax_cross_entropy, LOGITS, sure_wrong)
    assert value == math.inf and said == ["divide by zero encountered in log"]


def test_log_sum_exp_gives_the_true_losses_without_a_warning():
    assert demos.numpy_warnings(SoftmaxCrossEntropy(), LOGITS, np.array([0])) == (0.0, [])
    assert demos.numpy_warnings(SoftmaxCrossEntropy(), LOGITS, np.array([2])) == (2000.0, [])  # 1000 - (-1000)
    # on ordinary logits all three agree
    z, y = np.array([[2.0, 1.0, 0.1], [0.0, -1.0, 3.0]]), np.array([0, 1])
    expected = sum(math.log(sum(math.exp(v) for v in row)) - row[c] for row, c in zip(z.tolist(), y)) / 2
    for loss in (demos.textbook_softmax_cross_entropy, demos.shifted_softmax_cross_entropy, SoftmaxCrossEntropy()):
        assert loss(z.copy(), y) == pytest.approx(expected, rel=1e-12)


def test_binary_cross_entropy_without_clipping_is_nan_or_inf_and_clipped_is_capped():
    one, zero, label = np.array([[1.0]]), np.array([[0.0]]), np.array([[1.0]])
    value, said = demos.numpy_warnings(demos.textbook_binary_cross_entropy, one, label)
    assert math.isnan(value) and said == ["divide by zero encountered in log", "invalid value encountered in multiply"]
    value, said = demos.numpy_warnings(demos.textbook_binary_cross_entropy, zero, label)
    assert value == math.inf and said == ["divide by zero encountered in log"]
    assert demos.numpy_warnings(BinaryCrossEntropy(), zero, label) == (pytest.approx(-math.log(1e-7)), [])
    assert -math.log(BinaryCrossEntropy.EPS) == pytest.approx(16.1181, abs=1e-4)
    value, said = demos.numpy_warnings(BinaryCrossEntropy(), one, label)
    assert 0 < value < 1.1e-7 and said == []


def test_a_sigmoid_rounds_to_exactly_1_at_40_but_to_0_only_in_the_hundreds():
    assert sigmoid(np.array([40.0]))[0] == 1.0 and sigmoid(np.array([-800.0]))[0] == 0.0
    assert sigmoid(np.array([-40.0]))[0] == pytest.approx(math.exp(-40), rel=1e-12)
    assert np.spacing(0.9) > 1e-17 > math.exp(-40), "e^-40 is below the spacing of floats near 1"


def test_the_loss_table_and_compare_losses(capsys):
    p, y = np.array([[1.0]]), np.array([[1.0]])
    rows = demos.compare_losses({"raw": demos.textbook_binary_cross_entropy, "clipped": BinaryCrossEntropy()}, p, y)
    assert [name for name, _, _ in rows] == ["raw", "clipped"] and p[0, 0] == 1.0 and y[0, 0] == 1.0
    demos.print_loss_table(rows)
    demos.print_loss_table(demos.compare_losses({"shifted": demos.shifted_softmax_cross_entropy}, LOGITS, np.array([0])))
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["raw", "loss", "nan"] and "invalid value encountered in multiply" in out[0]
    assert out[1].split()[:3] == ["clipped", "loss", "1e-07"] and out[1].endswith("numpy: no warnings")
    assert out[2].split()[:3] == ["shifted", "loss", "0"], "-0.0 is printed as 0"
    with pytest.raises(ValueError, match="losses is empty"):
        demos.compare_losses({}, p, y)


# --- MSE against cross-entropy behind a sigmoid ------------------------------------------------


def test_the_gradients_reaching_z_are_the_derived_formulas():
    z = np.array([-12.0, -10.0, -5.0, -2.0, 0.0, 0.7, 2.0, 8.0])
    p = np.array([logistic(v) for v in z])
    ones = demos.sigmoid_output_gradients(z, target=1)
    assert np.allclose(ones["MSE"], -2 * p * (1 - p) ** 2, rtol=1e-6, atol=0)
    assert np.allclose(ones["cross-entropy"], p - 1, rtol=1e-6, atol=0)
    zeros = demos.sigmoid_output_gradients(z, target=0)
    assert np.allclose(zeros["MSE"], 2 * p**2 * (1 - p), rtol=1e-6, atol=0)
    assert np.allclose(zeros["cross-entropy"], p, rtol=1e-6, atol=0)


def test_a_saturated_wrong_output_gets_orders_of_magnitude_less_gradient_from_the_mse():
    g = demos.sigmoid_output_gradients(np.array([-10.0, -5.0]), target=1)
    ratio = g["cross-entropy"] / g["MSE"]
    assert ratio[0] > 1e4, "ten thousand times less at z = -10"
    assert ratio[1] > 50
    assert abs(g["MSE"][0]) < 1e-4 and abs(g["cross-entropy"][0]) > 0.999


def test_the_blind_spot_and_the_strongest_mse_push():
    z = np.linspace(-10, 6, 801)
    g = demos.sigmoid_output_gradients(z, target=1)
    blind = demos.mse_blind_spot(z, g)
    edge = z[blind].max()
    # 2 p (1 - p)^2 = 0.01 with p ~ e^z: z ~ log(0.005)
    assert edge == pytest.approx(math.log(0.005), abs=0.05) and np.all(blind[z <= edge])
    assert logistic(edge) < 0.01, "the right class gets less than 1% probability"
    assert np.all(np.abs(g["cross-entropy"][blind]) > 0.99)
    strongest = np.argmax(np.abs(g["MSE"]))
    assert logistic(z[strongest]) == pytest.approx(1 / 3, abs=0.005)
    assert g["MSE"][strongest] == pytest.approx(-8 / 27, abs=1e-4)
    assert np.all(np.diff(np.abs(g["MSE"][z < z[strongest]])) > 0), "weaker the more wrong below p = 1/3"
    assert np.all(np.diff(np.abs(g["cross-entropy"])) < 0), "cross-entropy pushes hardest when most wrong"


def test_clipping_makes_cross_entropy_vanish_again_below_minus_16():
    assert logistic(-16.0) > BinaryCrossEntropy.EPS > logistic(-16.2)
    g = demos.sigmoid_output_gradients(np.array([-15.0, -20.0]), target=1)["cross-entropy"]
    assert g[0] == pytest.approx(-1, abs=1e-5) and abs(g[1]) < 0.05


def test_per_example_losses_against_the_predicted_probability():
    p = np.linspace(0.001, 1, 50).reshape(-1, 1)
    mse, mse_grad = demos.per_example(MeanSquaredError(), p, np.ones_like(p))
    ce, ce_grad = demos.per_example(BinaryCrossEntropy(), p, np.ones_like(p))
    assert np.allclose(mse, (1 - p.ravel()) ** 2) and mse.max() <= 1, "the MSE never charges more than 1"
    assert np.allclose(ce, -np.log(np.clip(p.ravel(), 1e-7, 1 - 1e-7)))
    assert np.allclose(mse_grad, -2 * (1 - p.ravel())) and np.allclose(ce_grad[:-1], -1 / p.ravel()[:-1])
    with pytest.raises(ValueError, match=r"shape \(n, 1\); got \(50,\) and \(50, 1\)"):
        demos.per_example(MeanSquaredError(), p.ravel(), p)


def test_plots_are_readable_and_the_shading_is_the_blind_spot():
    fig = demos.plot_saturation(z_min=-10, z_max=6)
    z = np.linspace(-10, 6, 801)
    blind = demos.mse_blind_spot(z, demos.sigmoid_output_gradients(z))
    for ax in fig.axes:
        spans = [patch for patch in ax.patches if patch.get_label().startswith("p < 0.5")]
        assert len(spans) == 1
        # axvspan's patch: x in data coordinates (a Polygon before matplotlib 3.9, a Rectangle since)
        xs = [x for x, _ in spans[0].get_path().transformed(spans[0].get_patch_transform()).vertices] \
            if hasattr(spans[0], "get_width") else [x for x, _ in spans[0].get_xy()]
        assert (min(xs), max(xs)) == pytest.approx((z[blind].min(), z[blind].max()))
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["MSE", "cross-entropy"]
    assert fig.axes[1].get_yscale() == "log"
    assert_readable(fig)
    assert_readable(demos.plot_losses_against_probability())


def test_the_probability_plot_shows_the_clip_and_the_cap():
    eps = BinaryCrossEntropy.EPS
    fig = demos.plot_losses_against_probability()
    loss_ax, grad_ax = fig.axes
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_xlim()[0] < eps / 100, "the x range reaches well below EPS"
        assert any(patch.get_label().startswith("p < EPS") for patch in ax.patches)
    ce = {line.get_label(): line for line in loss_ax.get_lines()}["cross-entropy"]
    p, values = ce.get_xdata(), ce.get_ydata()
    assert np.allclose(values[p < eps], -math.log(eps)), "the loss stops at the cap below EPS"
    assert values[p < eps].size > 100 and loss_ax.get_ylim()[1] > -math.log(eps), "and the cap is on the plot"
    ce = {line.get_label(): line for line in grad_ax.get_lines()}["cross-entropy"]
    p, sizes = ce.get_xdata(), ce.get_ydata()
    assert np.allclose(sizes[p < eps], 1 / eps, rtol=1e-6), "backward stays at 1 / EPS (straight-through)"
    assert np.allclose(sizes[p > 2 * eps], 1 / p[p > 2 * eps], rtol=1e-6)
    assert grad_ax.get_ylim()[1] > 1 / eps and grad_ax.get_yscale() == "log"
    assert_readable(fig)
    with pytest.raises(ValueError, match="so that the clip shows"):
        demos.plot_losses_against_probability(p_min=0.001)


def test_where_the_clip_bites_backward_is_not_the_derivative_of_the_clipped_loss():
    """The notebook's table: backward at the clipped p (straight-through) against the slope of the
    loss forward computes, a central difference with step h = p / 1000."""
    loss, label = BinaryCrossEntropy(), np.array([[1.0]])
    for p, slope_expected in ((1e-3, -1e3), (1e-5, -1e5), (1e-9, 0.0)):
        loss(np.array([[p]]), label)
        backward = loss.backward()[0, 0]
        h = p / 1000
        slope = (loss(np.array([[p + h]]), label) - loss(np.array([[p - h]]), label)) / (2 * h)
        assert backward == pytest.approx(-1 / max(p, BinaryCrossEntropy.EPS), rel=1e-6)
        assert slope == pytest.approx(slope_expected, rel=1e-5, abs=0)
    assert slope == 0.0 and backward == pytest.approx(-1e7), "flat loss, straight-through gradient"


def test_binary_cross_entropy_is_softmax_cross_entropy_with_two_classes():
    z = np.array([-3.0, 0.5, 4.0])
    y = np.array([1, 0, 1])
    two_logits = np.column_stack([np.zeros(3), z])
    softmax_ce = SoftmaxCrossEntropy()(two_logits, y)
    binary_ce = BinaryCrossEntropy()(sigmoid(z).reshape(-1, 1), y.reshape(-1, 1).astype(float))
    assert softmax_ce == pytest.approx(binary_ce, rel=1e-9)


def test_the_softmax_gradient_is_the_nudged_slope_and_sums_to_zero():
    loss = SoftmaxCrossEntropy()
    z, label = np.array([[2.0, 1.0, -1.0, 0.5]]), np.array([1])
    loss(z, label)
    grad = loss.backward()
    e = np.exp(z[0])
    assert np.allclose(grad[0], e / e.sum() - np.eye(4)[1])
    assert abs(grad.sum()) < 1e-12
    h = 1e-5
    slopes = [(loss(z + h * np.eye(4)[[k]], label) - loss(z - h * np.eye(4)[[k]], label)) / (2 * h) for k in range(4)]
    assert np.abs(np.array(slopes) - grad[0]).max() < 1e-9


def test_equal_logits_cost_log_k_and_untrained_classifiers_start_near_it():
    assert SoftmaxCrossEntropy()(np.zeros((5, 10)), np.arange(5)) == pytest.approx(math.log(10))
    X, y = spirals(100, 3, 0.2, np.random.default_rng(0))
    architecture = [{"input_dim": 2, "output_dim": 16, "activation": "relu"},
                    {"input_dim": 16, "output_dim": 3, "activation": "softmax"}]
    for seed in range(3):
        first = Network.from_architecture(architecture, np.random.default_rng(seed)).evaluate(X, y)["loss"]
        assert 0.9 * math.log(3) < first < 1.5 * math.log(3)


def test_demo_functions_refuse_bad_input_with_what_was_expected():
    with pytest.raises(ValueError, match=r"z must be a 1-D array .* got shape \(2, 1\)"):
        demos.sigmoid_output_gradients(np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"target must be 0 or 1; got 2"):
        demos.sigmoid_output_gradients(np.zeros(3), target=2)
    with pytest.raises(ValueError, match=r"logits must be an array of shape \(n, k\); got \(3,\)"):
        demos.textbook_softmax_cross_entropy(np.zeros(3), np.array([0]))
    with pytest.raises(ValueError, match=r"one integer label per row of logits, shape \(1,\); got shape \(1, 3\)"):
        demos.shifted_softmax_cross_entropy(LOGITS, np.eye(3)[[0]])
    with pytest.raises(ValueError, match=r"same shape; got \(2, 1\) and \(2,\)"):
        demos.textbook_binary_cross_entropy(np.zeros((2, 1)), np.zeros(2))
    plt.close("all")


# --- section 7: binary cross-entropy from the logit -------------------------------------------------


def test_where_nothing_is_clipped_two_steps_and_fused_agree_to_rounding():
    rng = np.random.default_rng(0)  # the notebook's batch
    z = rng.normal(size=(1000, 1)) * 4
    y = rng.integers(0, 2, size=(1000, 1)).astype(float)
    assert sigmoid(z).min() > 1.5 * BinaryCrossEntropy.EPS and 1 - sigmoid(z).max() > 1.5 * BinaryCrossEntropy.EPS
    result = demos.compare_on_a_batch(z, y)
    assert result["loss, 2 steps"] == pytest.approx(result["loss, fused"], rel=1e-14)
    assert result["relative loss difference"] < 1e-14 and result["relative gradient difference"] < 1e-14


@pytest.mark.parametrize("dtype, upper_cap", [(np.float64, 16.1181), (np.float32, 15.9424)])
def test_sure_wrong_answers_are_capped_and_get_no_gradient_in_two_steps_but_not_fused(dtype, upper_cap):
    z = np.array([-800.0, -40.0, 40.0, 800.0], dtype=dtype)
    results = demos.two_steps_and_fused(z, np.array([1, 1, 0, 0]))
    (two_losses, two_grads), (fused_losses, fused_grads) = results[demos.TWO_STEPS], results[demos.FUSED]
    assert two_grads.dtype == fused_grads.dtype == dtype
    assert fused_losses == pytest.approx([800, 40, 40, 800], rel=1e-12)
    assert list(fused_grads) == [-1, -1, 1, 1]
    assert two_losses[:2] == pytest.approx(-math.log(BinaryCrossEntropy.EPS), abs=1e-5)  # 16.1181
    assert two_losses[2:] == pytest.approx(upper_cap, abs=1e-4), "1 - EPS rounds to another number in float32"
    assert two_grads[0] == 0 and two_grads[2] == 0 and two_grads[3] == 0, "exactly 0"
    assert two_grads[1] == pytest.approx(-4.248e-11, rel=1e-3)
    assert float(np.float32(1 - BinaryCrossEntropy.EPS)) == pytest.approx(0.99999988, abs=1e-9)


def test_in_float32_the_two_steps_break_from_z_17_and_lose_digits_at_10():
    results = demos.two_steps_and_fused(np.array([10.0, 16.0, 17.0, 20.0], dtype=np.float32), 0)
    (two_losses, two_grads), (fused_losses, fused_grads) = results[demos.TWO_STEPS], results[demos.FUSED]
    assert two_grads[0] != 0 and two_grads[1] != 0 and two_grads[2] == 0 and two_grads[3] == 0
    assert list(two_losses[1:]) == pytest.approx([15.9424] * 3, abs=1e-4)
    assert fused_losses[1:] == pytest.approx([16, 17, 20], rel=1e-6)
    assert fused_grads == pytest.approx([1 - math.exp(-10), 1 - math.exp(-16), 1, 1], rel=1e-6)
    exact = 10 + math.log1p(math.exp(-10))
    assert 1e-4 < abs(two_losses[0] - exact) < 1e-3, "wrong in the fifth digit"
    assert abs(fused_losses[0] - exact) < 1e-6, "wrong in float32's last digit only"
    gap = float(np.spacing(np.float32(1)))
    assert math.exp(-17) < gap / 2 < math.exp(-16), "1 + e^-z rounds to 1 in float32 from z = 17, not at 16"
    assert sigmoid(np.array([17.0], dtype=np.float32))[0] == 1 > sigmoid(np.array([16.0], dtype=np.float32))[0]


def test_the_figure_shows_the_capped_loss_and_the_vanishing_gradient():
    assert demos.clip_starts() == pytest.approx(-16.118, abs=1e-3)
    assert logistic(demos.clip_starts()) == pytest.approx(BinaryCrossEntropy.EPS, rel=1e-9)
    fig = demos.plot_two_steps_and_fused(z_min=-50, z_max=10)
    loss_ax, grad_ax = fig.axes
    for ax in (loss_ax, grad_ax):
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels == [demos.TWO_STEPS, demos.FUSED]
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    two, fused = (line.get_ydata() for line in loss_ax.get_lines())
    z = loss_ax.get_lines()[0].get_xdata()
    left = z < demos.clip_starts()
    assert np.allclose(two[left], -math.log(BinaryCrossEntropy.EPS)) and fused[0] == pytest.approx(50, rel=1e-9)
    two_g, fused_g = (line.get_ydata() for line in grad_ax.get_lines())
    assert two_g[0] < 1e-14 and fused_g[0] == pytest.approx(1)
    slope = np.diff(np.log(two_g[left])) / np.diff(z[left])
    assert np.allclose(slope, 1, atol=1e-6), "a factor e per unit of z"
    assert_readable(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match=r"need z_min < -16\.1 < z_max"):
        demos.plot_two_steps_and_fused(z_min=-10)


def test_the_networks_use_the_fused_loss_and_agree_with_two_steps_until_they_saturate():
    X, y = two_moons(200, noise=0.1, rng=np.random.default_rng(0))  # the notebook's network and data
    architecture = [{"input_dim": 2, "output_dim": 8, "activation": "tanh"},
                    {"input_dim": 8, "output_dim": 1, "activation": "sigmoid"}]
    fused = Network.from_architecture(architecture, np.random.default_rng(0))
    two_step = Network.from_architecture(architecture, np.random.default_rng(0), loss="binary_cross_entropy")
    assert type(fused.loss) is SigmoidCrossEntropy and len(fused.layers) == 3 and len(two_step.layers) == 4
    assert np.abs(fused.predict_proba(X) - two_step.predict_proba(X)).max() == 0
    assert fused.evaluate(X, y) == pytest.approx(two_step.evaluate(X, y), rel=1e-12)
    for net in (fused, two_step):
        net.layers[2].params["b"][...] = 50.0
    z = fused.output(X)
    assert z.min() > 45 and np.all(sigmoid(z) == 1) and np.sum(y == 0) == 100
    assert 24 < fused.evaluate(X, y)["loss"] < 26
    assert two_step.evaluate(X, y)["loss"] == pytest.approx(-math.log(BinaryCrossEntropy.EPS) / 2, rel=1e-6)
    fused.loss(z, y)
    two_step.loss(sigmoid(z), y)
    assert fused.loss.backward()[y == 0].sum() == pytest.approx(0.5)
    assert np.all(two_step.loss.backward() * sigmoid_derivative(z) == 0)


def test_the_things_to_try_call_runs_and_the_two_step_gradient_reaches_exactly_0(capsys):
    results = demos.print_two_steps_and_fused([-700.0, -745.0, -746.0], 1)
    assert "float64" in capsys.readouterr().out
    two_grads = results[demos.TWO_STEPS][1]
    assert two_grads[0] < 0 and two_grads[1] < 0 and two_grads[2] == 0, "sigmoid(-746) is 0 in float64"


def test_the_two_ways_refuse_what_they_cannot_compare():
    with pytest.raises(ValueError, match=r"z must be a 1-D float array of logits; got dtype int64, shape \(2,\)"):
        demos.two_steps_and_fused(np.array([1, 2]), 1)
    with pytest.raises(ValueError, match=r"z must be a 1-D float array .* shape \(2, 1\)"):
        demos.two_steps_and_fused(np.zeros((2, 1)), 1)
    with pytest.raises(ValueError, match=r"y must be labels 0 or 1; got values \[0\. 2\.\]"):
        demos.two_steps_and_fused(np.zeros(2), np.array([0, 2]))
