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
from scratchdl.optimizers import SGD, Adam, Momentum  # noqa: E402
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


def test_a_path_that_overflows_stops_where_the_numbers_were_still_finite():
    with np.errstate(over="raise", invalid="raise"):  # the demo must not let warnings through
        path = demos.optimizer_path(SGD(10.0), "rosenbrock", steps=1000)
    assert len(path) < 1001 and np.all(np.isfinite(path))


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
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop'; expected one of sgd, momentum, adam"):
        demos.run_lr_experiment("rmsprop", 0.1)
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
    "regression": lambda: demos.plot_regression({"net": small_regression()[0]}, *small_regression()[1:],
                                                *small_regression()[1:]),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plots_have_titles_and_labelled_axes(name):
    assert_readable(FIGURES[name]())


def test_a_diverged_run_says_so_in_the_legend():
    fig = demos.plot_training_curves({"too fast": demos.run_lr_experiment("sgd", 30.0, epochs=3)})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["too fast: diverged in epoch 1"]
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
