"""Chapter 6 demos: optimizers on a loss surface, the learning rate, and training runs to look at.

Everything here runs your code: the optimizers' `step` (exercises 6.2-6.6) directly on two
parameters, and through `fit` - which draws your minibatches (6.1) - on networks made of your
layers, losses and backward passes from chapters 1-5. Every plot_ function returns its figure.
"""

from typing import Callable, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.tools import datasets
from scratchdl.network import Network
from scratchdl.optimizers import OPTIMIZERS, get_optimizer
from scratchdl.training import TrainingDiverged, fit

# --- optimizers on a loss of two parameters ----------------------------------------------------


class Surface(NamedTuple):
    """A loss of two parameters theta = (theta_1, theta_2), to watch an optimizer walk on."""

    title: str
    loss: Callable  # theta of shape (..., 2) -> loss of shape (...): one point or a whole grid
    gradient: Callable  # theta of shape (2,) -> gradient of shape (2,)
    start: tuple  # where every optimizer starts
    minimum: tuple  # where the loss is lowest
    limits: tuple  # ((theta_1 from, to), (theta_2 from, to)): the part of the plane to draw


def valley_loss(theta):
    """A long, narrow valley: L = 0.01 theta_1**2 + theta_2**2, lowest (0) at (0, 0).

    Its curvature (second derivative) is 0.02 along theta_1 and 2 along theta_2: 100 times steeper
    across the valley than along it.

    Args:
        theta: float array of shape (..., 2).

    Returns:
        float array of shape (...).
    """
    theta = np.asarray(theta, dtype=float)
    return 0.01 * theta[..., 0] ** 2 + theta[..., 1] ** 2


def valley_gradient(theta):
    """The gradient of valley_loss at one point: (0.02 theta_1, 2 theta_2), shape (2,)."""
    return np.array([0.02 * theta[0], 2.0 * theta[1]])


def rosenbrock_loss(theta):
    """Rosenbrock's banana: L = (1 - theta_1)**2 + 100 (theta_2 - theta_1**2)**2, lowest (0) at (1, 1).

    The minimum lies at the bottom of a curved valley with steep walls, a classic test for
    optimizers: finding the valley is easy, following it to the minimum is not.

    Args:
        theta: float array of shape (..., 2).

    Returns:
        float array of shape (...).
    """
    theta = np.asarray(theta, dtype=float)
    a, b = theta[..., 0], theta[..., 1]
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


def rosenbrock_gradient(theta):
    """The gradient of rosenbrock_loss at one point, shape (2,)."""
    a, b = theta
    return np.array([-2 * (1 - a) - 400 * a * (b - a**2), 200 * (b - a**2)])


SURFACES = {
    "valley": Surface("A long, narrow valley: L = 0.01 θ₁² + θ₂²", valley_loss, valley_gradient,
                      start=(-9.0, 1.5), minimum=(0.0, 0.0), limits=((-10.0, 2.0), (-2.5, 2.5))),
    "rosenbrock": Surface("Rosenbrock's banana: L = (1 - θ₁)² + 100 (θ₂ - θ₁²)²", rosenbrock_loss,
                          rosenbrock_gradient, start=(-1.2, 1.0), minimum=(1.0, 1.0),
                          limits=((-1.7, 1.7), (-0.7, 1.9))),
}


def get_surface(surface):
    """A Surface, given as one or by its name in SURFACES."""
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; expected one of {', '.join(SURFACES)}")
    return SURFACES[surface]


def optimizer_path(optimizer, surface, steps):
    """Let an optimizer walk from the surface's start for `steps` steps; return every point it visits.

    Each step hands the optimizer one parameter array, theta of shape (2,), and its gradient -
    just as fit hands it a network's weights: optimizer.step([theta], [gradient]) must change
    theta in place. A walk whose numbers overflow stops there (the path is then shorter).

    Args:
        optimizer: an optimizer object (SGD(0.9), Momentum(...), AdaGrad(...), Adam(...)), or a name
                   in OPTIMIZERS.
        surface:   a Surface, or a name in SURFACES.
        steps:     int, the number of steps.

    Returns:
        float array of shape (steps + 1, 2): the start, then theta after each step.
    """
    surface = get_surface(surface)
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0; got {steps!r}")
    optimizer = get_optimizer(optimizer)
    theta = np.array(surface.start, dtype=float)
    path = [theta.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.step([theta], [surface.gradient(theta)])
            if not np.all(np.isfinite(theta)):
                break
            path.append(theta.copy())
    return np.array(path)


def distances_to_minimum(path, surface):
    """How far each point of a path is from the surface's minimum: shape (len(path),)."""
    return np.linalg.norm(np.asarray(path) - np.asarray(get_surface(surface).minimum), axis=1)


def leaves_view(path, limits):
    """Where a path first leaves the rectangle `limits`: (step, point on the border), or None.

    Args:
        path:   float array of shape (steps + 1, 2), from optimizer_path.
        limits: ((theta_1 from, to), (theta_2 from, to)), as in Surface.limits.

    Returns:
        None if every point of the path lies inside; otherwise (k, crossing): k is the first step
        whose point lies outside, and crossing, shape (2,), is where the segment from step k - 1
        to step k crosses the border (the start itself if k is 0).
    """
    path = np.asarray(path, dtype=float)
    low = np.array([limits[0][0], limits[1][0]])
    high = np.array([limits[0][1], limits[1][1]])
    outside = np.flatnonzero(np.any((path < low) | (path > high), axis=1))
    if len(outside) == 0:
        return None
    k = int(outside[0])
    if k == 0:
        return 0, path[0].copy()
    a, b = path[k - 1], path[k]
    # a is inside, b is not: the segment a + t (b - a) crosses the border at the smallest t at
    # which one coordinate reaches its limit.
    t = min((bound - a[i]) / (b[i] - a[i])
            for i in range(2) for bound, crossed in ((low[i], b[i] < low[i]), (high[i], b[i] > high[i])) if crossed)
    return k, a + t * (b - a)


def plot_optimizer_paths(surface, paths, title=None):
    """Two panels: the paths on the surface's contour lines, and each path's distance to the minimum.

    The left panel shows the surface's region (Surface.limits) and nothing beyond it. A path that
    stays inside ends in a large dot; a path that runs away is drawn up to the border, a cross marks
    where it leaves the view, and its legend entry names the step (the right panel follows it on).
    A dot marks every step of a path of up to 200 steps. Longer paths are too dense for dots and
    often share a stretch (the floor of a valley), so they are layered instead: the first on top
    and thinnest, each later one beneath it and wider, so that it shows on both sides.

    Args:
        surface: a Surface, or a name in SURFACES.
        paths:   dict of label -> float array of shape (steps + 1, 2), from optimizer_path.
        title:   the figure's title (default: the surface's).
    """
    surface = get_surface(surface)
    (x0, x1), (y0, y1) = surface.limits
    t1, t2 = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    loss = surface.loss(np.stack([t1, t2], axis=-1))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw={"width_ratios": [1.35, 1]})
    # Contour levels spaced evenly on a log scale: the valley floor is as visible as its walls.
    low = max(float(loss.min()), 1e-3)
    levels = np.logspace(np.log10(low), np.log10(float(loss.max())), 18)
    left.contour(t1, t2, loss, levels=levels, colors="0.75", linewidths=0.7)
    layered = max(len(path) for path in paths.values()) > 201
    for i, (label, path) in enumerate(paths.items()):
        on_top = 3 + len(paths) - i  # the first path on top
        if layered:  # each later path wider, beneath the ones before it
            style, end_size = {"linewidth": 1.0 + 2.5 * i, "alpha": 1.0 if i == 0 else 0.6}, 7 + 2.5 * i
        else:  # a dot per step
            style, end_size = {"linewidth": 1.0, "marker": "o", "markersize": 2.2}, 7
        leaving = leaves_view(path, surface.limits)
        if leaving is None:
            shown, name = path, label
        else:  # up to the first point outside: the axes cut that last segment at the border
            shown, name = path[:leaving[0] + 1], f"{label}: leaves the view at step {leaving[0]}"
        left.plot(shown[:, 0], shown[:, 1], "-", color=f"C{i}", solid_capstyle="round", label=name,
                  zorder=on_top, **style)
        if leaving is None:
            left.plot(*path[-1], "o", color=f"C{i}", markersize=end_size, markeredgecolor="k", zorder=on_top)
        else:
            left.plot(*leaving[1], "X", color=f"C{i}", markersize=10, markeredgecolor="k", clip_on=False, zorder=20)
        right.plot(np.arange(len(path)), distances_to_minimum(path, surface), color=f"C{i}", label=label)
    left.plot(*surface.start, "ks", markersize=6, label="start", zorder=20)
    left.plot(*surface.minimum, "k*", markersize=12, label="minimum", zorder=20)
    left.set_xlim(x0, x1)
    left.set_ylim(y0, y1)
    left.set_xlabel("θ₁")
    left.set_ylabel("θ₂")
    left.set_title("Paths on the contour lines of the loss", pad=10)
    left.legend(fontsize=8, loc="upper right")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("distance to the minimum (log scale)")
    right.set_title("How close each optimizer gets")
    right.legend(fontsize=8)
    fig.suptitle(title or surface.title)
    fig.tight_layout()
    return fig


def step_record(optimizer, surface, steps):
    """Walk like optimizer_path, and measure each step against its gradient.

    For an optimizer that divides the gradient by a scale of its own (AdaGrad, RMSProp), the
    ratio |step| / |gradient| in each coordinate is the learning rate that coordinate really got:
    learning_rate / (sqrt(s) + eps). It is read from what the optimizer did, not from its state.

    Args:
        optimizer: an optimizer object, or a name in OPTIMIZERS.
        surface:   a Surface, or a name in SURFACES.
        steps:     int, the number of steps.

    Returns:
        dict: "path", float array of shape (steps + 1, 2) as from optimizer_path; "gradients",
        shape (steps, 2), the gradient handed to each step; "lengths", shape (steps,), how far
        each step moved; "rates", shape (steps, 2), |step| / |gradient| per coordinate (nan where
        the gradient was 0).
    """
    surface = get_surface(surface)
    path = optimizer_path(optimizer, surface, steps)
    gradients = np.array([surface.gradient(theta) for theta in path[:-1]]).reshape(-1, 2)
    moves = np.diff(path, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where(gradients != 0, np.abs(moves) / np.abs(gradients), np.nan)
    return {"path": path, "gradients": gradients, "lengths": np.linalg.norm(moves, axis=1), "rates": rates}


def first_step_below(path, surface, level):
    """The first step at which a path's loss is below `level` (0 is the start), or None."""
    below = np.flatnonzero(get_surface(surface).loss(np.asarray(path)) < level)
    return int(below[0]) if len(below) else None


def plot_step_records(records, title="How the steps change"):
    """Two panels, one line per run: how far each step moved, and the learning rate each
    coordinate really got (|step| / |gradient|, see step_record), both on log scales.

    Args:
        records: dict of label -> a record from step_record.
        title:   the figure's title.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.0))
    for i, (label, record) in enumerate(records.items()):
        k = np.arange(1, len(record["lengths"]) + 1)
        left.plot(k, record["lengths"], color=f"C{i}", label=label)
        for j, style in enumerate(("-", "--")):
            right.plot(k, record["rates"][:, j], style, color=f"C{i}", label=f"{label}, θ{'₁₂'[j]}")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step (log scale)")
        ax.legend(fontsize=8)
    left.set_ylabel("length of the step (log scale)")
    left.set_title("How far each step moved")
    right.set_ylabel("|step| / |gradient| (log scale)")
    right.set_title("The learning rate each coordinate got")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_paths_side_by_side(surface, paths, title=None):
    """One panel per path, each on the surface's contour lines, and a last panel with every
    path's distance to the minimum: no path hides another.

    Args:
        surface: a Surface, or a name in SURFACES.
        paths:   dict of label -> float array of shape (steps + 1, 2), from optimizer_path.
        title:   the figure's title (default: the surface's).
    """
    surface = get_surface(surface)
    (x0, x1), (y0, y1) = surface.limits
    t1, t2 = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    loss = surface.loss(np.stack([t1, t2], axis=-1))
    levels = np.logspace(np.log10(max(float(loss.min()), 1e-3)), np.log10(float(loss.max())), 14)
    columns = 3
    rows = -(-(len(paths) + 1) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.3 * rows), squeeze=False)
    panels = list(axes.flat)
    for i, (label, path) in enumerate(paths.items()):
        ax = panels[i]
        ax.contour(t1, t2, loss, levels=levels, colors="0.8", linewidths=0.6)
        # A path that ends outside the view ran away: drawn up to where it left, marked there. One
        # that only strays outside for a while is drawn whole (the panel cuts the excursion).
        leaving = leaves_view(path, surface.limits)
        ran_away = leaving is not None and leaves_view(path[-1:], surface.limits) is not None
        shown = path[:leaving[0] + 1] if ran_away else path
        dots = {"marker": "o", "markersize": 1.8} if len(path) <= 201 else {}
        ax.plot(shown[:, 0], shown[:, 1], "-", color=f"C{i}", linewidth=1.0, **dots)
        if ran_away:
            ax.plot(*leaving[1], "X", color=f"C{i}", markersize=9, markeredgecolor="k", clip_on=False)
        else:
            ax.plot(*path[-1], "o", color=f"C{i}", markersize=6, markeredgecolor="k")
        ax.plot(*surface.start, "ks", markersize=5)
        ax.plot(*surface.minimum, "k*", markersize=10)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_title(f"{label}: leaves the view at step {leaving[0]}" if ran_away else label, fontsize=10)
        ax.set_xlabel("θ₁")
        ax.set_ylabel("θ₂")
    distance = panels[len(paths)]
    for i, (label, path) in enumerate(paths.items()):
        distance.plot(np.arange(len(path)), distances_to_minimum(path, surface), color=f"C{i}", label=label)
    distance.set_yscale("log")
    distance.set_xlabel("step")
    distance.set_ylabel("distance to the minimum (log)")
    distance.set_title("How close each optimizer gets", fontsize=10)
    distance.legend(fontsize=7)
    for ax in panels[len(paths) + 1:]:
        ax.set_visible(False)
    fig.suptitle((title or surface.title) + "   (■ start, ★ minimum, ● end)")
    fig.tight_layout()
    return fig


# --- training curves ----------------------------------------------------------------------------


def plot_training_curves(histories, title="Training", levels=None):
    """Loss (log scale) and, for classifiers, training accuracy per epoch: one line per run.

    A run that diverged (its history has a "stopped" message, see run_lr_experiment) ends in a
    cross, and its legend entry says in which epoch it stopped. A run that stopped before its
    first epoch was complete has no point to draw: it gets no line and no legend entry, and a note
    below the panels says what became of it.

    Args:
        histories: dict of label -> a history from fit (lists, one entry per epoch).
        title:     the figure's title.
        levels:    optional dict of label -> loss value, drawn as pale bands beneath the curves,
                   so that a run that stays on a level shows on top of it; the runs that end on
                   a level (within 2%) are named beside it, in their colours.
    """
    if not histories:
        raise ValueError("histories is empty: give at least one run, as {label: history}")
    metrics = ["loss"] + (["accuracy"] if all("accuracy" in h for h in histories.values()) else [])
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.6 * len(metrics), 3.8), squeeze=False)
    loss_axis = axes[0][0]
    not_drawn = []
    for i, (label, history) in enumerate(histories.items()):
        stopped = history.get("stopped")
        done = len(history["loss"])
        if done == 0:
            not_drawn.append(f"{label}, which diverged in epoch 1, before a single epoch was complete" if stopped
                             else f"{label}, which has no epoch recorded")
            continue
        name = f"{label}: diverged in epoch {done + 1}" if stopped else label
        for ax, metric in zip(axes[0], metrics):
            values = history[metric]
            line, = ax.plot(np.arange(1, done + 1), values, color=f"C{i % 10}", label=name, zorder=3)
            if stopped and values:
                ax.plot(done, values[-1], "x", color=line.get_color(), markersize=9, markeredgewidth=2, zorder=3)
    for label, value in (levels or {}).items():
        loss_axis.axhline(value, color="0.86", linewidth=7, zorder=1)
        loss_axis.annotate(label, (1, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                           textcoords="offset points", ha="left", va="center", fontsize=8, color="0.3")
        ending_here = [(i, run) for i, (run, history) in enumerate(histories.items())
                       if history["loss"] and abs(history["loss"][-1] - value) < 0.02 * value]
        for k, (i, run) in enumerate(ending_here):
            loss_axis.annotate(f"{run} ends here", (1, value), xycoords=("axes fraction", "data"),
                               xytext=(-4, -5 - 10 * k), textcoords="offset points", ha="right", va="top",
                               fontsize=8, color=f"C{i % 10}")
    for ax, metric in zip(axes[0], metrics):
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss (log scale)" if metric == "loss" else "training accuracy")
        ax.set_title(f"{title}: {metric}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if metric == "loss":
            ax.set_yscale("log")
        if ax.get_legend_handles_labels()[0]:  # a legend only for lines that are drawn
            ax.legend(fontsize=7)
    if not_drawn:  # below the panels, where it cannot hide a curve
        fig.text(0.5, 0.01, "Not drawn: " + "; ".join(not_drawn) + ".", ha="center", va="bottom", fontsize=9)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
    else:
        fig.tight_layout()
    return fig


# --- the learning rate and optimizer explorer ---------------------------------------------------

EXPLORER_ARCHITECTURE = [
    {"input_dim": 2, "output_dim": 16, "activation": "relu"},
    {"input_dim": 16, "output_dim": 16, "activation": "relu"},
    {"input_dim": 16, "output_dim": 2, "activation": "softmax"},
]


def explorer_data(seed=0):
    """300 two-moons points with noise 0.2: X of shape (300, 2), labels y of shape (300,)."""
    return datasets.two_moons(300, 0.2, np.random.default_rng(seed))


def run_lr_experiment(optimizer_name, learning_rate, batch_size=32, epochs=40, seed=0):
    """Train a fresh 2-16-16-2 ReLU network on explorer_data(seed); return its history.

    The network and the order of the batches depend only on `seed`, so two settings differ only
    in the optimizer, the learning rate and the batch size. If the loss blows up, fit raises
    TrainingDiverged; it is caught here, and what was recorded before is returned.

    Args:
        optimizer_name: a name in scratchdl.optimizers.OPTIMIZERS ("sgd", "momentum", "adagrad",
                        "rmsprop", "adam").
        learning_rate:  float > 0.
        batch_size:     examples per step (300 for full-batch gradient descent).
        epochs:         passes over the 300 points.
        seed:           int, for the data, the starting weights and the order of the batches.

    Returns:
        dict: "loss" and "accuracy", lists with one float per completed epoch, and "stopped":
        None, or TrainingDiverged's message if training stopped.
    """
    if optimizer_name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer_name!r}; expected one of {', '.join(OPTIMIZERS)}")
    if not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number > 0; got {learning_rate!r}")
    X, y = explorer_data(seed)
    model = Network.from_architecture(EXPLORER_ARCHITECTURE, np.random.default_rng(seed))
    try:
        history = fit(model, X, y, epochs=epochs, batch_size=batch_size, rng=seed, verbose=0,
                            optimizer=get_optimizer(optimizer_name, learning_rate))
        history["stopped"] = None
    except TrainingDiverged as error:
        history = dict(error.history, stopped=str(error))
    return history


def lr_explorer(epochs=40, seed=0):
    """A widget: choose an optimizer, a learning rate and a batch size; see the training curves.

    The function behind the widget returns run_lr_experiment's history, so the widget's
    `.result` can be read (and tested) without looking at the plot.
    """
    import ipywidgets as widgets

    def show(optimizer, learning_rate, batch_size):
        history = run_lr_experiment(optimizer, learning_rate, batch_size, epochs, seed)
        fig = plot_training_curves({f"{optimizer}, learning rate {learning_rate:.3g}, batch {batch_size}": history},
                                   title=optimizer)
        loss_axis, accuracy_axis = fig.axes
        # Fixed ranges, so that one setting can be compared with the last at a glance.
        loss_axis.set_ylim(0.01, 10)
        accuracy_axis.set_ylim(0.4, 1.0)
        for ax in fig.axes:
            ax.set_xlim(0, epochs + 1)
        plt.show()
        if history["stopped"]:
            print(history["stopped"])
        return history

    explorer = widgets.interactive(
        show,
        optimizer=widgets.Dropdown(options=["sgd", "momentum", "adagrad", "rmsprop", "adam"], value="sgd",
                                   description="optimizer"),
        learning_rate=widgets.FloatLogSlider(value=0.1, base=10, min=-4, max=1.5, step=0.25,
                                             description="learning rate", continuous_update=False,
                                             style={"description_width": "initial"}),
        batch_size=widgets.Dropdown(options=[8, 32, 300], value=32, description="batch size",
                                    style={"description_width": "initial"}),
    )
    explorer.out.layout.min_height = "320px"  # keeps the page still while the plot redraws
    return explorer


# --- regression -----------------------------------------------------------------------------------


def plot_regression(models, x, y, x_test=None, y_test=None, title="Networks fitted to noisy data"):
    """The data, each network's curve, and the curve under the noise (datasets.wave_curve).

    Args:
        models:         dict of label -> a regression network with one input and one output.
        x, y:           float arrays of shape (n, 1): the training data.
        x_test, y_test: optional float arrays of shape (m, 1): test data, drawn in another colour.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.scatter(x, y, s=7, color="0.65", label="training data")
    low, high = float(np.min(x)), float(np.max(x))
    if x_test is not None:
        ax.scatter(x_test, y_test, s=9, color="C1", alpha=0.7, label="test data")
        low, high = min(low, float(np.min(x_test))), max(high, float(np.max(x_test)))
    grid = np.linspace(low, high, 500).reshape(-1, 1)
    ax.plot(grid, datasets.wave_curve(grid), "k--", linewidth=1.2, label="the curve under the noise")
    for i, (label, model) in enumerate(models.items()):
        color = "C0" if i == 0 else f"C{i + 1}"  # C1 is the test data's colour
        ax.plot(grid, model.predict(grid), color=color, linewidth=2, label=label)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
