"""Chapter 6's demos: the optimizers on two loss surfaces, the learning-rate experiments and the
explorer, and the claims the notebook makes about them.

(The trained networks' results - XOR, two moons, spirals, the regression - are in test_06_results.py.)
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.tools import datasets  # noqa: E402
from chapter_files import chapter_module  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from scratchdl.optimizers import SGD, AdaGrad, Adam, Momentum, RMSProp  # noqa: E402
from scratchdl.training import fit, TrainingDiverged  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

LN2 = np.log(2)


def central_gradient(f, theta, h=1e-6):
    """The gradient of f at theta (shape (2,)) by central differences."""
    return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(2)])


# --- the loss surfaces ------------------------------------------------------------------------


@pytest.mark.parametrize("name", demos.SURFACES)
def test_each_surface_has_its_stated_gradient_and_minimum(name):
    surface = demos.SURFACES[name]
    rng = np.random.default_rng(0)
    for theta in rng.uniform(-1.5, 1.5, size=(5, 2)):
        assert np.allclose(surface.gradient(theta), central_gradient(surface.loss, theta), rtol=1e-6, atol=1e-6)
    minimum = np.array(surface.minimum)
    assert surface.loss(minimum) == 0 and np.array_equal(surface.gradient(minimum), [0.0, 0.0])
    grid = rng.uniform(-2, 2, size=(7, 3, 2))  # the loss takes a whole grid of points at once
    assert surface.loss(grid).shape == (7, 3)
    assert surface.loss(grid).min() > 0


def test_rosenbrocks_curvature_across_the_valley_near_the_minimum_is_about_1000():
    # The notebook: "plain SGD needs eta < 2/1000" there. The Hessian, from the gradient:
    surface = demos.SURFACES["rosenbrock"]
    h = 1e-6
    hessian = np.column_stack([(surface.gradient(np.array([1.0, 1.0]) + h * e)
                                - surface.gradient(np.array([1.0, 1.0]) - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.linalg.eigvalsh(hessian).max() == pytest.approx(1000, rel=0.01)


# --- the optimizers on the surfaces -----------------------------------------------------------


def test_optimizer_path_hands_the_optimizer_one_parameter_array_and_its_gradient():
    calls = []

    class Recorder:
        def step(self, params, grads):
            calls.append((params[0].shape, grads[0].copy()))
            params[0] -= 0.1 * grads[0]  # in place, as the exercises require

    path = demos.optimizer_path(Recorder(), "valley", steps=3)
    assert path.shape == (4, 2) and np.array_equal(path[0], [-9.0, 1.5])
    assert [shape for shape, _ in calls] == [(2,)] * 3
    assert np.allclose(calls[0][1], [0.02 * -9.0, 2 * 1.5])
    assert np.allclose(path[1], path[0] - 0.1 * calls[0][1])


@pytest.mark.parametrize("rate", [0.5, 0.9, 1.02])
def test_sgd_in_the_valley_follows_the_closed_form_of_section_1(rate):
    # theta_1 <- (1 - 0.02 eta) theta_1, theta_2 <- (1 - 2 eta) theta_2: the notebook prints both.
    path = demos.optimizer_path(SGD(rate), "valley", steps=100)
    t = np.arange(101)
    assert np.allclose(path[:, 0], -9 * (1 - 0.02 * rate) ** t, rtol=1e-10)
    assert np.allclose(path[:, 1], 1.5 * (1 - 2 * rate) ** t, rtol=1e-9, atol=1e-12)


def test_no_stable_learning_rate_gets_sgd_closer_than_9_times_0_98_to_the_100():
    floor = 9 * 0.98**100
    assert floor == pytest.approx(1.19, abs=0.005)
    for rate in np.linspace(0.05, 0.99, 20):
        final = demos.distances_to_minimum(demos.optimizer_path(SGD(rate), "valley", 100), "valley")[-1]
        assert final > floor
    runaway = demos.distances_to_minimum(demos.optimizer_path(SGD(1.02), "valley", 100), "valley")
    assert runaway[-1] > 5 * runaway[0], "above 2 / curvature = 1 the steep direction runs away"


def test_momentum_and_adam_stay_far_closer_than_sgd_in_the_valley():
    # The notebook's settings: SGD(0.9), Momentum(0.3, 0.9), Adam(0.3), 100 steps.
    distance = {name: demos.distances_to_minimum(demos.optimizer_path(optimizer, "valley", 100), "valley")
                for name, optimizer in {"sgd": SGD(0.9), "momentum": Momentum(0.3, 0.9), "adam": Adam(0.3)}.items()}
    for name in ("momentum", "adam"):
        assert np.all(distance[name][10:] < distance["sgd"][10:]), f"{name}: closer after the first few steps"
        assert distance[name][100] < distance["sgd"][100] / 10
    assert np.any(np.diff(distance["momentum"][30:]) > 0), "momentum swings: its distance goes up and down"


def test_adam_moves_about_its_learning_rate_per_step_along_the_valley_at_first():
    path = demos.optimizer_path(Adam(0.3), "valley", steps=10)
    steps_along = np.diff(path[:, 0])
    assert np.allclose(steps_along, 0.3, rtol=0.05)


def test_on_rosenbrock_momentum_and_adam_arrive_and_sgd_crawls():
    distance = {name: demos.distances_to_minimum(demos.optimizer_path(optimizer, "rosenbrock", 1000), "rosenbrock")
                for name, optimizer in {"sgd": SGD(0.001), "momentum": Momentum(0.001, 0.9), "adam": Adam(0.1)}.items()}
    assert distance["sgd"][1000] > 1.0
    assert distance["momentum"][1000] < 0.02 and distance["adam"][1000] < 0.02
    assert distance["adam"][1000] < distance["momentum"][1000], "Adam ends closest of all"
    assert distance["adam"][100] > 0.75 * distance["adam"][0], "Adam makes little progress at first"
    assert distance["adam"][100] > 2 * distance["momentum"][100]


# --- AdaGrad, RMSProp and the five-optimizer races (sections 8, 9 and 11) -----------------------


def test_adagrad_in_the_valley_starts_diagonally_and_its_steps_only_shrink():
    record = demos.step_record(AdaGrad(1.0), "valley", 100)
    assert np.allclose(record["path"][1] - record["path"][0], [1.0, -1.0]), "the first step: eta in each coordinate"
    assert np.all(np.diff(record["lengths"]) < 0), "every step shorter than the one before"
    assert record["lengths"][99] < record["lengths"][0] / 100, "by step 100 under a hundredth of the first"
    along, across = record["rates"][-1]
    assert 1.5 < along < 2.0 and across < 0.5, "along the valley almost twice SGD's limit of 1; across, small"
    assert np.allclose(record["rates"], 1.0 / np.sqrt(np.cumsum(record["gradients"] ** 2, axis=0)), rtol=1e-6), \
        "the rate each coordinate got is eta / sqrt(s)"
    assert demos.first_step_below(record["path"], "valley", 0.01) is not None
    assert demos.first_step_below(demos.optimizer_path(SGD(0.9), "valley", 100), "valley", 0.01) is None


def test_on_rosenbrock_adagrads_rates_freeze_and_rmsprops_follow_the_gradients():
    rosenbrock = demos.SURFACES["rosenbrock"]
    adagrad, rmsprop = (demos.step_record(optimizer, rosenbrock, 1000) for optimizer in (AdaGrad(1.0), RMSProp(0.01, 0.9)))
    assert np.all(np.abs(adagrad["gradients"][0]) > 80), "gradients in the hundreds at the start"
    assert np.allclose(rmsprop["path"][1] - rmsprop["path"][0], 0.01 / np.sqrt(0.1)), "RMSProp's first step: 3.16 eta"
    assert adagrad["rates"][-1, 0] == pytest.approx(adagrad["rates"][9, 0], rel=0.02), "AdaGrad's rate frozen"
    assert rmsprop["rates"][-1, 0] > 10 * rmsprop["rates"][9, 0], "RMSProp's rate climbs"
    assert np.all(rmsprop["rates"][9] < adagrad["rates"][9])
    passed = np.flatnonzero(np.all(rmsprop["rates"] > adagrad["rates"], axis=1))
    assert 50 <= passed[0] <= 150, "RMSProp's rates pass AdaGrad's after about a hundred steps"
    distance = {name: demos.distances_to_minimum(record["path"], rosenbrock)[-1]
                for name, record in (("adagrad", adagrad), ("rmsprop", rmsprop))}
    assert distance["rmsprop"] < distance["adagrad"] and distance["rmsprop"] > 0.1, "nearer, but not there"


def valley_race():
    """The notebook's five optimizers in the valley, fresh (an optimizer keeps its state)."""
    return {"sgd": SGD(0.9), "momentum": Momentum(0.3, 0.9), "adagrad": AdaGrad(1.0), "rmsprop": RMSProp(0.3, 0.9),
            "adam": Adam(0.3)}


def test_in_the_valley_rmsprop_is_first_below_a_loss_of_0_01_and_then_hops_about():
    paths = {name: demos.optimizer_path(optimizer, "valley", 100) for name, optimizer in valley_race().items()}
    below = {name: demos.first_step_below(path, "valley", 0.01) for name, path in paths.items()}
    assert below["sgd"] is None
    assert below["rmsprop"] < min(k for name, k in below.items() if name not in ("sgd", "rmsprop"))
    distance = {name: demos.distances_to_minimum(path, "valley") for name, path in paths.items()}
    assert distance["rmsprop"][100] > 10 * distance["rmsprop"][50], "further away at the end than halfway"
    assert distance["adam"][100] < distance["rmsprop"][100], "Adam's m averages the flips out: it settles"


def test_on_rosenbrock_only_the_optimizers_with_momentum_arrive():
    rosenbrock = demos.SURFACES["rosenbrock"]
    race = {"sgd": SGD(0.001), "momentum": Momentum(0.001, 0.9), "adagrad": AdaGrad(1.0), "rmsprop": RMSProp(0.01, 0.9),
            "adam": Adam(0.1)}
    paths = {name: demos.optimizer_path(optimizer, rosenbrock, 1000) for name, optimizer in race.items()}
    arrived = {name for name, path in paths.items() if demos.first_step_below(path, rosenbrock, 0.01) is not None}
    assert arrived == {"momentum", "adam"}
    excursion = demos.leaves_view(paths["adagrad"], rosenbrock.limits)
    assert excursion is not None and demos.leaves_view(paths["adagrad"][-1:], rosenbrock.limits) is None, \
        "AdaGrad's first steps leave the panel, and it comes back"


def test_side_by_side_a_runaway_is_drawn_to_the_border_and_an_excursion_whole():
    valley, rosenbrock = demos.SURFACES["valley"], demos.SURFACES["rosenbrock"]
    fig = demos.plot_paths_side_by_side(valley, {"SGD(1.02)": demos.optimizer_path(SGD(1.02), valley, 100)})
    panel = fig.axes[0]
    assert panel.get_title() == "SGD(1.02): leaves the view at step 14"
    assert len(panel.get_lines()[0].get_xdata()) == 15 and any(line.get_marker() == "X" for line in panel.get_lines())
    assert [ax.get_visible() for ax in fig.axes] == [True, True, False], "one panel, the distances, nothing else"
    plt.close(fig)
    fig = demos.plot_paths_side_by_side(rosenbrock, {"AdaGrad(1.0)": demos.optimizer_path(AdaGrad(1.0), rosenbrock, 1000)})
    panel = fig.axes[0]
    assert panel.get_title() == "AdaGrad(1.0)" and len(panel.get_lines()[0].get_xdata()) == 1001
    assert not any(line.get_marker() == "X" for line in panel.get_lines())
    plt.close(fig)


class Nesterov(Momentum):
    # The notebook's cell: Nesterov momentum for the gradient at the stored (look-ahead) parameters.
    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            v = self.velocities.setdefault(i, np.zeros_like(p))
            v *= self.momentum
            v -= self.learning_rate * g
            p += self.momentum * v - self.learning_rate * g


def test_nesterov_is_plain_nesterov_with_the_look_ahead_point_stored():
    # v <- beta v - eta grad L(p + beta v), p <- p + v; the stored point is p + beta v.
    theta, v, beta, eta = np.array([-9.0, 1.5]), np.zeros(2), 0.9, 0.3
    stored = [theta + beta * v]
    optimizer = Nesterov(eta, beta)
    for _ in range(20):
        v = beta * v - eta * demos.valley_gradient(theta + beta * v)
        theta = theta + v
        optimizer.step(stored, [demos.valley_gradient(stored[0])])
        assert np.allclose(stored[0], theta + beta * v)


def test_nesterov_swings_less_than_momentum_but_has_a_lower_limit():
    def turns(distance):
        return int(np.sum(np.diff(np.sign(np.diff(distance))) != 0))

    plain, ahead = (demos.optimizer_path(optimizer, "valley", 100) for optimizer in (Momentum(0.3, 0.9), Nesterov(0.3, 0.9)))
    assert turns(demos.distances_to_minimum(ahead, "valley")) < turns(demos.distances_to_minimum(plain, "valley"))
    assert demos.first_step_below(ahead, "valley", 1e-4) < demos.first_step_below(plain, "valley", 1e-4)
    assert demos.distances_to_minimum(demos.optimizer_path(Momentum(0.9, 0.9), "valley", 100), "valley")[-1] < 0.1
    assert demos.distances_to_minimum(demos.optimizer_path(Nesterov(0.9, 0.9), "valley", 100), "valley")[-1] > 1e3


def test_a_path_that_overflows_stops_where_the_numbers_were_still_finite():
    with np.errstate(over="raise", invalid="raise"):  # the demo must not let warnings through
        path = demos.optimizer_path(SGD(10.0), "rosenbrock", steps=1000)
    assert len(path) < 1001 and np.all(np.isfinite(path))


def test_sgd_above_the_limit_leaves_the_view_at_the_step_the_closed_form_gives():
    # The notebook prints both: the step leaves_view finds, and the first t with 1.5 * 1.04**t > 2.5.
    valley = demos.SURFACES["valley"]
    path = demos.optimizer_path(SGD(1.02), valley, 100)
    step, crossing = demos.leaves_view(path, valley.limits)
    assert step == int(np.ceil(np.log(2.5 / 1.5) / np.log(abs(1 - 2 * 1.02)))) == 14
    assert abs(path[13, 1]) < 2.5 < abs(path[14, 1])
    assert crossing[1] == pytest.approx(2.5) and path[13, 0] < crossing[0] < path[14, 0], "on the segment"
    for rate in (0.5, 0.9):
        assert demos.leaves_view(demos.optimizer_path(SGD(rate), valley, 100), valley.limits) is None
    rosenbrock = demos.SURFACES["rosenbrock"]
    for optimizer in (SGD(0.001), Momentum(0.001, 0.9), Adam(0.1)):
        assert demos.leaves_view(demos.optimizer_path(optimizer, rosenbrock, 1000), rosenbrock.limits) is None
    start_outside = np.array([[5.0, 0.0], [0.0, 0.0]])
    step, crossing = demos.leaves_view(start_outside, valley.limits)
    assert step == 0 and np.array_equal(crossing, [5.0, 0.0])


def test_a_path_that_leaves_the_view_is_drawn_to_the_border_and_marked_there():
    valley = demos.SURFACES["valley"]
    paths = {f"SGD({rate})": demos.optimizer_path(SGD(rate), valley, 100) for rate in (0.9, 1.02)}
    fig = demos.plot_optimizer_paths(valley, paths)
    left, right = fig.axes
    assert (left.get_xlim(), left.get_ylim()) == valley.limits, "the view is the surface's region"
    lines = {line.get_label(): line for line in left.get_lines()}
    runaway = lines["SGD(1.02): leaves the view at step 14"]
    assert len(runaway.get_xdata()) == 15, "steps 0 to 14: the axes cut the last segment at the border"
    assert len(lines["SGD(0.9)"].get_xdata()) == 101
    crosses = [line for line in left.get_lines() if line.get_marker() == "X"]
    assert len(crosses) == 1 and crosses[0].get_ydata()[0] == pytest.approx(2.5)
    assert crosses[0].get_color() == runaway.get_color()
    assert len(right.get_lines()[1].get_xdata()) == 101, "the distance follows the whole path"
    plt.close(fig)


def test_long_paths_are_layered_so_that_each_shows_beneath_the_ones_before():
    rosenbrock = demos.SURFACES["rosenbrock"]
    names = ["SGD(0.001)", "Momentum(0.001, β=0.9)", "Adam(0.1)"]
    paths = {name: demos.optimizer_path(optimizer, rosenbrock, 1000)
             for name, optimizer in zip(names, (SGD(0.001), Momentum(0.001, 0.9), Adam(0.1)))}
    fig = demos.plot_optimizer_paths(rosenbrock, paths)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    widths = [lines[name].get_linewidth() for name in names]
    depths = [lines[name].get_zorder() for name in names]
    assert widths == sorted(widths) and len(set(widths)) == 3, "each later path wider"
    assert depths == sorted(depths, reverse=True) and len(set(depths)) == 3, "and beneath the ones before"
    plt.close(fig)
    # Short paths keep a dot per step, all of the same width.
    valley = demos.SURFACES["valley"]
    fig = demos.plot_optimizer_paths(valley, {"a": demos.optimizer_path(SGD(0.9), valley, 100),
                                              "b": demos.optimizer_path(Adam(0.3), valley, 100)})
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert {lines[name].get_marker() for name in "ab"} == {"o"}
    assert lines["a"].get_linewidth() == lines["b"].get_linewidth()
    plt.close(fig)


# --- the learning-rate experiments and the explorer -------------------------------------------


@pytest.fixture(scope="module")
def sgd_runs():
    return {rate: demos.run_lr_experiment("sgd", rate) for rate in [0.01, 0.1, 1.0, 3.0, 30.0]}


def test_learning_rate_experiments_are_repeatable_and_record_every_epoch(sgd_runs):
    run = sgd_runs[0.1]
    assert run["stopped"] is None and len(run["loss"]) == len(run["accuracy"]) == 40
    assert demos.run_lr_experiment("sgd", 0.1) == run


def test_the_five_sgd_learning_rates_behave_as_the_notebook_says(sgd_runs):
    final = {rate: run["loss"][-1] for rate, run in sgd_runs.items() if not run["stopped"]}
    assert final[0.01] > final[0.1] > final[1.0], "a larger rate gets further, up to 1.0"
    assert final[0.01] > 0.2, "0.01: still high after 40 epochs"
    spikes = np.array(sgd_runs[1.0]["loss"][1:]) / np.array(sgd_runs[1.0]["loss"][:-1])
    assert spikes.max() > 3, "1.0: now and then a step overshoots badly"
    assert sgd_runs[3.0]["loss"][-1] == pytest.approx(LN2, abs=0.05)
    assert sgd_runs[3.0]["accuracy"][-1] < 0.6, "3.0: no better than guessing"
    stopped = sgd_runs[30.0]
    assert stopped["loss"] == [] and stopped["stopped"].startswith("training stopped in epoch 1 (batch")


def test_learning_rate_3_kills_every_unit_of_the_second_hidden_layer():
    # run_lr_experiment's network and data, trained as it trains them.
    X, y = demos.explorer_data(0)
    model = Network.from_architecture(demos.EXPLORER_ARCHITECTURE, np.random.default_rng(0))
    fit(model, X, y, epochs=40, batch_size=32, optimizer=SGD(3.0), rng=0, verbose=0)
    a = X
    for layer in model.layers[:4]:  # Dense, ReLU, Dense, ReLU
        a = layer(a)
    assert a.shape == (300, 16) and np.all(a == 0), "every unit of the second hidden layer outputs 0"
    proba = model.predict_proba(X)
    assert np.allclose(proba, proba[0]), "so every point gets the same answer"


def test_sgd_at_30_raises_training_diverged_in_the_first_epoch():
    X, y = demos.explorer_data(0)
    model = Network.from_architecture(demos.EXPLORER_ARCHITECTURE, np.random.default_rng(0))
    with pytest.raises(TrainingDiverged) as stopped:
        fit(model, X, y, epochs=40, batch_size=32, optimizer=SGD(30.0), rng=0, verbose=0)
    assert stopped.value.epoch == 1 and stopped.value.history["loss"] == []
    assert "learning rate that is too high (SGD(learning_rate=30.0))" in str(stopped.value)


def test_momentum_steps_like_sgd_with_a_ten_times_larger_rate_and_adam_gets_furthest():
    final = {name: demos.run_lr_experiment(*setting)["loss"][-1] for name, setting in {
        "sgd 0.01": ("sgd", 0.01), "momentum 0.001": ("momentum", 0.001),
        "sgd 0.1": ("sgd", 0.1), "momentum 0.01": ("momentum", 0.01), "adam 0.01": ("adam", 0.01)}.items()}
    assert final["momentum 0.001"] == pytest.approx(final["sgd 0.01"], rel=0.1)
    assert final["momentum 0.01"] == pytest.approx(final["sgd 0.1"], rel=0.1)
    assert final["adam 0.01"] < 0.5 * min(v for k, v in final.items() if k != "adam 0.01")
    for name, rate in (("adagrad", 0.1), ("rmsprop", 0.01)):
        assert demos.run_lr_experiment(name, rate)["loss"][-1] < 0.5 * min(final[k] for k in final if k != "adam 0.01")


def test_lr_explorer_retrains_for_new_settings():
    explorer = demos.lr_explorer(epochs=10)
    optimizer, learning_rate, batch_size = explorer.children[:3]
    assert (optimizer.value, batch_size.value) == ("sgd", 32)
    assert len(explorer.result["loss"]) == 10 and explorer.result["stopped"] is None
    learning_rate.value = 30.0
    assert explorer.result["stopped"] and explorer.result["loss"] == []
    optimizer.value, learning_rate.value = "adam", 0.01
    assert explorer.result["stopped"] is None
    assert explorer.result == demos.run_lr_experiment("adam", 0.01, 32, epochs=10)
    batch_size.value = 300  # full batch: one step per epoch, so less progress in 10 epochs
    assert explorer.result["loss"][-1] > demos.run_lr_experiment("adam", 0.01, 32, epochs=10)["loss"][-1]
    plt.close("all")


def test_bad_input_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match=r"unknown optimizer 'nesterov'; expected one of sgd, momentum, adagrad, rmsprop, adam"):
        demos.run_lr_experiment("nesterov", 0.1)
    with pytest.raises(ValueError, match=r"learning_rate must be a number > 0; got 0"):
        demos.run_lr_experiment("sgd", 0)
    with pytest.raises(ValueError, match=r"unknown surface 'bowl'; expected one of valley, rosenbrock"):
        demos.optimizer_path(SGD(0.1), "bowl", 10)
    with pytest.raises(ValueError, match=r"steps must be a whole number >= 0; got -1"):
        demos.optimizer_path(SGD(0.1), "valley", -1)
    with pytest.raises(ValueError, match=r"histories is empty"):
        demos.plot_training_curves({})


# --- plots --------------------------------------------------------------------------------------


def small_regression():
    x, y = datasets.wave(60, 0.2, np.random.default_rng(0))
    model = Network.from_architecture([{"input_dim": 1, "output_dim": 8, "activation": "relu"},
                                       {"input_dim": 8, "output_dim": 1, "activation": "linear"}],
                                      np.random.default_rng(0))
    fit(model, x, y, epochs=2, verbose=0)
    return model, x, y


FIGURES = {
    "optimizer paths": lambda: demos.plot_optimizer_paths(
        "valley", {"SGD": demos.optimizer_path(SGD(0.9), "valley", 5)}),
    "training curves": lambda: demos.plot_training_curves(
        {"a": demos.run_lr_experiment("sgd", 0.1, epochs=3), "b": demos.run_lr_experiment("sgd", 30.0, epochs=3)},
        levels={"ln 2": LN2}),
    "paths side by side": lambda: demos.plot_paths_side_by_side(
        "valley", {name: demos.optimizer_path(optimizer, "valley", 5) for name, optimizer in valley_race().items()}),
    "step records": lambda: demos.plot_step_records({"AdaGrad": demos.step_record(AdaGrad(1.0), "valley", 5)}),
    "regression": lambda: demos.plot_regression({"net": small_regression()[0]}, *small_regression()[1:],
                                                *small_regression()[1:]),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plots_have_titles_and_labelled_axes(name):
    assert_readable(FIGURES[name]())


def test_a_run_that_diverged_after_some_epochs_says_so_in_the_legend():
    history = {"loss": [0.7, 0.9], "accuracy": [0.5, 0.5], "stopped": "training stopped in epoch 3 (batch 1)"}
    fig = demos.plot_training_curves({"too fast": history, "fine": demos.run_lr_experiment("sgd", 0.1, epochs=3)})
    for ax in fig.axes:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["too fast: diverged in epoch 3", "fine"]
    crosses = [line for line in fig.axes[0].get_lines() if line.get_marker() == "x"]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [2] and list(crosses[0].get_ydata()) == [0.9]
    plt.close(fig)


def test_a_run_with_no_epoch_gets_no_line_and_no_legend_entry_but_a_note():
    # The notebook's SGD(30.0) stops in its first epoch: nothing to draw.
    runs = {"SGD(0.1)": demos.run_lr_experiment("sgd", 0.1, epochs=3),
            "SGD(30.0)": demos.run_lr_experiment("sgd", 30.0, epochs=3)}
    fig = demos.plot_training_curves(runs)
    for ax in fig.axes:
        labelled = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert labelled == ["SGD(0.1)"]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD(0.1)"]
    assert [t.get_text() for t in fig.texts] == [
        "Not drawn: SGD(30.0), which diverged in epoch 1, before a single epoch was complete."]
    plt.close(fig)
    fig = demos.plot_training_curves({"SGD(30.0)": runs["SGD(30.0)"]})  # the explorer's case: no legend at all
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.texts) == 1
    plt.close(fig)


def test_levels_lie_beneath_the_curves_and_name_the_runs_that_end_on_them():
    flat = {"loss": [LN2] * 5 + [LN2 / 2] * 5, "accuracy": [0.5] * 10}
    falling = {"loss": list(np.geomspace(LN2, 1e-3, 10)), "accuracy": [0.5] * 5 + [1.0] * 5}
    fig = demos.plot_training_curves({"seed 6": flat, "seed 0": falling}, levels={"ln 2": LN2, "ln 2 / 2": LN2 / 2})
    ax = fig.axes[0]
    curves = [line for line in ax.get_lines() if line.get_label() in ("seed 6", "seed 0")]
    bands = [line for line in ax.get_lines() if line not in curves]
    assert len(bands) == 2 and [band.get_ydata()[0] for band in bands] == [LN2, LN2 / 2]
    assert max(band.get_zorder() for band in bands) < min(curve.get_zorder() for curve in curves)
    notes = {t.get_text(): t for t in ax.texts}
    assert set(notes) == {"ln 2", "ln 2 / 2", "seed 6 ends here"}
    assert notes["seed 6 ends here"].get_color() == curves[0].get_color() == "C0"
    plt.close(fig)


def test_the_regression_plot_draws_each_network_and_the_curve_under_the_noise():
    model, x, y = small_regression()
    fig = demos.plot_regression({"net": model}, x, y)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    grid = lines["net"].get_xdata().reshape(-1, 1)
    assert np.allclose(lines["net"].get_ydata(), model.predict(grid).ravel())
    assert np.allclose(lines["the curve under the noise"].get_ydata(), datasets.wave_curve(grid).ravel())
    plt.close(fig)


def test_wave_is_its_curve_plus_noise_of_the_given_size():
    x, y = datasets.wave(20000, 0.2, np.random.default_rng(0))
    x0, y0 = datasets.wave(50, 0.0, np.random.default_rng(1))
    assert np.array_equal(y0, datasets.wave_curve(x0))
    assert np.std(y - datasets.wave_curve(x)) == pytest.approx(0.2, rel=0.02)


# --- section 14: the two sanity checks ------------------------------------------------------------

SPIRAL_ARCHITECTURE = [  # the notebook's spiral network (section 12)
    {"input_dim": 2, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 3, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def spirals():
    return datasets.spirals(100, 3, noise=0.2, rng=np.random.default_rng(0))


def test_the_second_order_expansion_of_the_first_loss():
    # -ln p_y = ln k - (z_y - mean z) + s**2 / 2 + O(|d|**3), s**2 the variance of the k logits.
    rng = np.random.default_rng(0)
    for size in (0.1, 0.01):
        z = rng.normal(0, size, size=(1000, 3))
        exact = np.log(np.exp(z).sum(axis=1)) - z[:, 0]
        approximate = np.log(3) - (z[:, 0] - z.mean(axis=1)) + z.var(axis=1) / 2
        assert np.max(np.abs(exact - approximate)) < 2 * size**3


def test_a_fresh_softmax_network_starts_near_ln_k_and_nearer_with_smaller_weights(spirals):
    X, y = spirals
    ln3 = np.log(3)
    fresh = Network.from_architecture(SPIRAL_ARCHITECTURE, np.random.default_rng(0))
    assert fresh.evaluate(X, y)["loss"] == pytest.approx(ln3, abs=0.05), "the fresh network starts close to ln 3"
    table = {}
    for scale in (0.1, 1, 10):
        losses, variances, probabilities = [], [], []
        for seed in range(20):
            net = Network.from_architecture(SPIRAL_ARCHITECTURE, np.random.default_rng(seed))
            net.layers[-1].params["W"] *= scale
            losses.append(net.evaluate(X, y)["loss"])
            variances.append(np.mean(np.var(net.output(X), axis=1)))
            probabilities.append(net.predict_proba(X))
        table[scale] = (np.mean(losses), np.log(3) + np.mean(variances) / 2, np.percentile(probabilities, [5, 95]))
    loss, formula, (low, high) = table[0.1]
    assert round(loss, 2) == round(ln3, 2) and loss == pytest.approx(formula, abs=0.005)
    assert 0.3 < low < 1 / 3 < high < 0.37, "nine in ten probabilities close to 1/3"
    loss, formula, (low, high) = table[1]
    assert ln3 < loss < ln3 + 0.2 and loss == pytest.approx(formula, abs=0.1), "a little above, roughly the formula"
    assert low < table[0.1][2][0] and high > table[0.1][2][1], "the probabilities spread more"
    loss, formula, (low, high) = table[10]
    assert loss > 3 * ln3, "far above ln 3"
    assert low < 0.01 and high > 0.99, "probabilities near 0 and 1"
    assert formula > 2 * loss, "the expansion is no guide for large logits"


def test_the_tiny_batch_is_learnt_by_heart_and_the_rebinding_bug_never_moves(spirals):
    X, y = spirals
    at_origin = np.all(X == 0, axis=1)
    assert at_origin.sum() == 3 and sorted(y[at_origin]) == [0, 1, 2], "the same input with three labels"
    tiny = np.random.default_rng(0).choice(np.flatnonzero(~at_origin), size=20, replace=False)
    X_tiny, y_tiny = X[tiny], y[tiny]
    assert len(np.unique(X_tiny, axis=0)) == 20
    model = Network.from_architecture(SPIRAL_ARCHITECTURE, np.random.default_rng(0))
    assert 100 <= model.count_parameters() < 1000, "hundreds of parameters"
    optimizer, epochs = Adam(0.01), 0
    while model.evaluate(X_tiny, y_tiny)["accuracy"] < 1 and epochs < 1000:
        fit(model, X_tiny, y_tiny, epochs=1, batch_size=20, optimizer=optimizer, rng=0, verbose=0)
        epochs += 1
    assert model.evaluate(X_tiny, y_tiny)["accuracy"] == 1 and epochs <= 50, "within a few dozen steps"

    class RebindingSGD:
        def __init__(self, learning_rate):
            self.learning_rate = learning_rate

        def step(self, params, grads):
            for p, g in zip(params, grads):
                p = p - self.learning_rate * g  # noqa: F841 - the bug the notebook shows

    broken = Network.from_architecture(SPIRAL_ARCHITECTURE, np.random.default_rng(0))
    history = fit(broken, X_tiny, y_tiny, epochs=1000, batch_size=20, optimizer=RebindingSGD(0.1), rng=0, verbose=0)
    # Only the order in which the shuffled batch's losses are summed changes: the last digits.
    assert np.ptp(history["loss"]) < 1e-12, "the loss has not moved"
    assert history["accuracy"][-1] < 1
