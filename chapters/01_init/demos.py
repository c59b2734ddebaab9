"""Chapter 1 demos: the symmetry problem, and a signal pushed through many layers.

Everything here uses your initialisers from scratchdl/initializers.py. The activations are
numpy's own for now: you write your own in chapter 2.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.initializers import INITIALIZERS
from scratchdl.tools.signals import DEMO_ACTIVATIONS, layer_activations

# --- the symmetry problem ---------------------------------------------------------------


def train_two_layer_tanh(W1, W2, x, y, steps, learning_rate=0.1):
    """Gradient descent on the network y_hat = tanh(x @ W1) @ W2 with the mean squared error.

    Biases are left out to keep the demo short. The four lines that compute the gradients are
    backpropagation, which chapter 5 derives; here we only need to watch what they do.

    Args:
        W1: (n_features, n_hidden) first-layer weights, updated in place.
        W2: (n_hidden, 1) second-layer weights, updated in place.
        x:  (n, n_features) inputs.  y: (n, 1) targets.

    Returns:
        the loss before every step, a list of `steps` floats.
    """
    losses = []
    for _ in range(steps):
        h = np.tanh(x @ W1)  # (n, n_hidden): one column per hidden unit
        y_hat = h @ W2  # (n, 1)
        losses.append(float(np.mean((y_hat - y) ** 2)))
        grad_y_hat = 2 * (y_hat - y) / len(x)
        grad_W2 = h.T @ grad_y_hat
        grad_h = grad_y_hat @ W2.T
        grad_W1 = x.T @ (grad_h * (1 - h**2))  # tanh'(a) = 1 - tanh(a)**2
        W1 -= learning_rate * grad_W1
        W2 -= learning_rate * grad_W2
    return losses


def hidden_units_identical(W1):
    """True if every hidden unit (every column of W1) has the same incoming weights."""
    return bool(np.allclose(W1, W1[:, :1]))


def symmetry_experiment(make_weights, rng, steps=1000, n_hidden=4):
    """Train a small tanh network from the given starting weights and report on its hidden units.

    make_weights(fan_in, fan_out) gives a starting weight matrix. The data: 32 points in 3-D,
    target sin(x0) + x1 * x2 (something no single hidden unit can fit alone).

    Returns:
        dict with the hidden activations of the first 3 examples before training, W1 after
        training, whether the hidden units are all identical before and after, and the loss
        before and after training.
    """
    x = rng.uniform(-2, 2, size=(32, 3))
    y = (np.sin(x[:, 0]) + x[:, 1] * x[:, 2]).reshape(-1, 1)
    W1 = np.array(make_weights(3, n_hidden), dtype=float)
    W2 = np.array(make_weights(n_hidden, 1), dtype=float)
    identical_before = hidden_units_identical(W1)
    hidden_before = np.tanh(x[:3] @ W1)
    losses = train_two_layer_tanh(W1, W2, x, y, steps)
    return {
        "hidden_before": hidden_before,
        "W1_after": W1,
        "identical_before": identical_before,
        "identical_after": hidden_units_identical(W1),
        "loss_before": losses[0],
        "loss_after": losses[-1],
    }


def print_symmetry(name, result):
    """Print one symmetry experiment the way the notebook shows it."""
    print(f"=== {name} ===")
    print("hidden activations of 3 examples before training (a row per example, a column per unit):")
    print(result["hidden_before"])
    print("first-layer weights W1 after training (a column per hidden unit):")
    print(result["W1_after"])
    same = "yes" if result["identical_after"] else "no"
    print(f"all hidden units identical after training: {same}; "
          f"loss {result['loss_before']:.3f} -> {result['loss_after']:.3f}\n")


def plot_weight_distributions(weights, title):
    """Overlaid histograms of weight matrices, e.g. {"xavier_normal": W1, "xavier_uniform": W2}."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    for name, W in weights.items():
        ax.hist(np.ravel(W), bins=80, density=True, histtype="step", linewidth=1.5,
                label=f"{name}: std {float(np.std(W)):.4f}")
    ax.set_xlabel("weight value")
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- signals through depth ----------------------------------------------------------------

# One look per initialiser, the same in every panel. The two Xavier initialisers give the same
# variance, so their lines lie on top of each other: xavier_uniform is drawn dashed over a wider
# solid xavier_normal, so that both stay visible.
STYLES = {
    "zeros": dict(color="0.4"),
    "small_normal": dict(color="C1", marker="o"),
    "xavier_normal": dict(color="C2", marker="o", linewidth=4, alpha=0.55),
    "xavier_uniform": dict(color="C3", marker="x", linestyle="--", linewidth=1.5),
    "he_normal": dict(color="C4", marker="s"),
}


def std_by_depth(init, activation, depth, seed=0, width=256):
    """The standard deviation of every layer's activations: an array of `depth` floats."""
    outputs = layer_activations(init, activation, depth, np.random.default_rng(seed), width)
    return np.array([float(a.std()) for a in outputs])


def factor_per_layer(stds):
    """The geometric mean of the layer-to-layer ratios of `stds` (0 if the signal is all zero)."""
    stds = np.asarray(stds, dtype=float)
    if stds[0] == 0 or stds[-1] == 0:
        return 0.0
    return float((stds[-1] / stds[0]) ** (1 / (len(stds) - 1)))


def plot_signal_by_depth(activations=("tanh", "relu"), inits=("small_normal", "xavier_normal", "xavier_uniform", "he_normal"),
                         depth=20, seed=0, width=256, floor=1e-4):
    """The std of each layer's activations (log scale), a panel per activation, a line per initialiser.

    The vertical axis stops at `floor`: a line that falls below it (small_normal's) leaves the
    panel, and a note says how far it falls. An initialiser whose every activation is exactly 0
    (zeros) cannot appear on a log scale: it gets a note in the panel, not a legend entry.
    """
    fig, axes = plt.subplots(1, len(activations), figsize=(5.2 * len(activations), 4.0), sharey=True, squeeze=False)
    layers = np.arange(1, depth + 1)
    for ax, activation in zip(axes[0], activations):
        left_out, below = [], []
        for init in inits:
            stds = std_by_depth(init, activation, depth, seed, width)
            if not stds.any():
                left_out.append(init)
                continue
            ax.plot(layers, np.where(stds > 0, stds, np.nan), markersize=4, label=init,
                    **STYLES.get(init, {}))
            if stds.min() < floor:
                below.append((init, stds))
        for number, (init, stds) in enumerate(below):
            last = int(np.flatnonzero(stds >= floor)[-1]) if (stds >= floor).any() else 0
            ax.annotate(
                f"{init}: ×{factor_per_layer(stds):.2g} per layer,\nbelow the axis after layer {last + 1}\n"
                f"(std {stds[-1]:.1g} at layer {depth})",
                xy=(layers[last], stds[last]), xytext=(layers[last] + 2.5, floor * 8 ** (number + 1)),
                fontsize=8, color=STYLES.get(init, {}).get("color", "k"),
                arrowprops=dict(arrowstyle="->", color=STYLES.get(init, {}).get("color", "k")),
            )
        if left_out:
            ax.text(0.98, 0.02, f"not drawn: {', '.join(left_out)}\n(every activation exactly 0,\nnothing to show on a log scale)",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.3")
        ax.set_yscale("log")
        ax.set_ylim(floor, 2.0)
        ax.set_xlim(0.5, depth + 0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer")
        ax.set_title(f"{activation} units")
        ax.grid(True, which="major", color="0.92")
    axes[0][0].set_ylabel("std of the layer's activations (log scale)")
    fig.suptitle(f"Signal strength through {depth} layers of {width} units")
    # One legend for all panels (the same initialiser looks the same in each), drawn lines only.
    handles = {}
    for ax in axes[0]:
        for line in ax.get_lines():
            handles.setdefault(line.get_label(), line)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=len(handles), fontsize=9,
               frameon=False)
    return fig


def plot_layer_histograms(outputs, title, max_panels=10):
    """One histogram of activation values per layer: every layer when there are at most
    `max_panels`, otherwise `max_panels` evenly spaced ones (and the title says which).

    All panels share one x range, so a signal that shrinks or grows from layer to layer shows. When
    no value is negative (ReLU), the range starts at 0; otherwise it is symmetric, with a bar
    centred on 0. Values that are exactly 0 (half of a ReLU
    layer's) are counted in each panel's title instead of being piled into the first bar.
    """
    shown = np.unique(np.linspace(0, len(outputs) - 1, min(max_panels, len(outputs))).round().astype(int))
    reach = max(float(np.percentile(np.abs(outputs[i]), 99.5)) for i in shown) or 1.0
    low = 0.0 if all(float(outputs[i].min()) >= 0 for i in shown) else -reach
    columns = min(5, len(shown))
    rows = -(-len(shown) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.3 * columns + 0.6, 2.3 * rows + 0.7), squeeze=False,
                             sharex=True, sharey=True)
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    any_zeros = False
    for ax, i in zip(axes.flat, shown):
        values = outputs[i].ravel()
        exact_zeros = values == 0
        nonzero = values[~exact_zeros]
        ax.hist(np.clip(nonzero, low, reach), bins=40 if low == 0 else 41, range=(low, reach), color="C0",
                weights=np.full(nonzero.shape, 1 / values.size))
        heading = f"layer {i + 1}\nstd {values.std():.2g}"
        if exact_zeros.any():
            any_zeros = True
            heading += f", {exact_zeros.mean():.0%} exactly 0"
        ax.set_title(heading, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("activation")
    for column in range(columns):  # the bottom panel of a column may be hidden: label the lowest visible one
        visible = [ax for ax in axes[:, column] if ax.get_visible()]
        visible[-1].set_xlabel("activation")
        visible[-1].xaxis.set_tick_params(labelbottom=True)
    for row in axes:
        row[0].set_ylabel("share of values")
    if len(shown) < len(outputs):
        title += f"\n(layers {', '.join(str(i + 1) for i in shown)} of {len(outputs)})"
    if any_zeros:
        title += "\n(bars: the values that are not exactly 0, as a share of all values)"
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def init_explorer(width=256, seed=0):
    """A widget: choose an initialiser, an activation and a depth; see each layer's activations.

    The function behind the widget returns the standard deviation of every layer, so the
    widget's `.result` can be read (and tested) without looking at the plot.
    """
    import ipywidgets as widgets

    def show(init, activation, depth):
        outputs = layer_activations(init, activation, depth, np.random.default_rng(seed), width)
        stds = [float(a.std()) for a in outputs]
        plot_layer_histograms(outputs, f"{init} weights, {activation} activations, {depth} layers")
        plt.show()
        return stds

    explorer = widgets.interactive(
        show,
        init=widgets.Dropdown(options=list(INITIALIZERS), value="xavier_normal", description="init"),
        activation=widgets.Dropdown(options=list(DEMO_ACTIVATIONS), value="tanh", description="activation"),
        depth=widgets.IntSlider(value=10, min=1, max=30, description="depth", continuous_update=False),
    )
    explorer.out.layout.min_height = "300px"  # keeps the page still while the plot redraws
    return explorer
