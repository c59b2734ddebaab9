"""Chapter 1 demos: the symmetry problem, and a signal pushed through many layers.

Everything here uses your initialisers from scratchdl/initializers.py. The activations are
numpy's own for now: you write your own in chapter 2.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.initializers import INITIALIZERS
from scratchdl.tools.signals import DEMO_ACTIVATIONS, layer_activations, plot_std_by_depth  # noqa: F401 (for the notebook)

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
        dict with the hidden activations of the first 3 inputs before training, W1 after
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
    print("hidden activations of 3 inputs before training (a row per input, a column per unit):")
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


def plot_layer_histograms(outputs, title, max_panels=8):
    """One histogram of activation values per layer (at most `max_panels`, evenly spaced)."""
    shown = np.unique(np.linspace(0, len(outputs) - 1, min(max_panels, len(outputs))).round().astype(int))
    # One x range for all panels, so a signal that shrinks or grows from layer to layer shows.
    reach = max(float(np.percentile(np.abs(outputs[i]), 99.5)) for i in shown) or 1.0
    columns = min(4, len(shown))
    rows = -(-len(shown) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.4 * columns + 0.6, 2.4 * rows + 0.5), squeeze=False)
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    for ax, i in zip(axes.flat, shown):
        values = outputs[i].ravel()
        ax.hist(np.clip(values, -reach, reach), bins=41, range=(-reach, reach), color="C0",
                weights=np.full(values.shape, 1 / values.size))
        ax.set_title(f"layer {i + 1}\nstd {values.std():.2g}", fontsize=9)
        ax.set_xlabel("activation")
        ax.tick_params(labelsize=7)
    for row in axes:
        row[0].set_ylabel("share of values")
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
