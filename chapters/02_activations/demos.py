"""Chapter 2 demos: plots of your activations and their derivatives, and where gradients vanish."""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from scratchdl import activations
from scratchdl.initializers import initialize


# The shading threshold of the gallery: a thousandth. It is deliberately well below leaky ReLU's
# default slope alpha = 0.01, so that "shaded" never means "as small as leaky ReLU's slope".
FLAT = 1e-3


def flat_intervals(name, threshold=FLAT, z_max=8.0):
    """Where the derivative of activation `name` is below `threshold` in absolute value, on
    [-z_max, z_max] (a grid of step 0.01 that contains 0): a list of (start, end) intervals."""
    z = np.linspace(-z_max, z_max, int(round(200 * z_max)) + 1)
    _, g_prime = activations.get_activation(name)
    flat = np.abs(g_prime(z)) < threshold
    edges = np.flatnonzero(np.diff(np.concatenate([[False], flat, [False]]).astype(int)))
    return [(float(z[start]), float(z[end - 1])) for start, end in zip(edges[::2], edges[1::2])]


def plot_activation_gallery(names=("sigmoid", "tanh", "relu", "leaky_relu"), z_max=8.0, threshold=FLAT):
    """Each activation (top row) and its derivative (bottom row), computed by your code.

    Where the derivative is below `threshold` (a thousandth), the background is shaded: a unit
    whose input lands there passes less than a thousandth of the gradient back to the layers
    before it.
    """
    z = np.linspace(-z_max, z_max, int(round(200 * z_max)) + 1)
    fig, axes = plt.subplots(2, len(names), figsize=(3.2 * len(names), 5.2), sharex=True)
    for column, name in enumerate(names):
        g, g_prime = activations.get_activation(name)
        slope = g_prime(z)
        top, bottom = axes[0][column], axes[1][column]
        top.plot(z, g(z), color="C0")
        top.set_title(f"{name}(z)")
        bottom.plot(z, slope, color="C1")
        bottom.set_title(f"{name}'(z)")
        bottom.set_xlabel("z")
        for ax in (top, bottom):
            ax.fill_between(z, 0, 1, where=np.abs(slope) < threshold, color="0.85",
                            transform=ax.get_xaxis_transform())
            ax.axhline(0, color="0.6", linewidth=0.6)
            ax.axvline(0, color="0.6", linewidth=0.6)
    axes[0][0].set_ylabel("activation g(z)")
    axes[1][0].set_ylabel("derivative g'(z)")
    shaded = Patch(color="0.85", label=f"|derivative| < {threshold:g}: less than 1/{1 / threshold:.0f} of the gradient passes")
    fig.suptitle("Activation functions and their derivatives")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.legend(handles=[shaded], loc="lower center", fontsize=9, frameon=False)
    return fig


def gradient_norms_by_layer(activation, init, depth, rng, width=128, n_samples=256, with_arriving=False):
    """How large the gradient is at each layer of a deep network, from the output back.

    Forward: a_l = g(z_l) with z_l = a_(l-1) @ W_l. Backward (chapter 5 derives it): the
    gradient reaching z_l is the gradient reaching a_l times g'(z_l), and the gradient reaching
    a_(l-1) is that times W_l transposed. Each layer multiplies the gradient by g'(z): a
    derivative below 1, layer after layer, makes it vanish.

    The size of a gradient is its root mean square: its norm divided by the square root of its
    number of entries.

    Returns:
        array of `depth` gradient sizes: entry 0 is the first layer, entry -1 the last. With
        with_arriving=True, also the size of the gradient that arrives at the last layer's output
        from above: (sizes, arriving).
    """
    g, g_prime = activations.get_activation(activation)
    a = rng.standard_normal((n_samples, width))
    weights, pre_activations = [], []
    for _ in range(depth):
        W = initialize(init, width, width, rng)
        z = a @ W
        weights.append(W)
        pre_activations.append(z)
        a = g(z)
    grad_a = rng.standard_normal(a.shape)  # the gradient arriving from some loss above
    arriving = float(np.linalg.norm(grad_a) / np.sqrt(grad_a.size))
    norms = []
    for W, z in zip(reversed(weights), reversed(pre_activations)):
        grad_z = grad_a * g_prime(z)
        norms.append(float(np.linalg.norm(grad_z) / np.sqrt(grad_z.size)))
        grad_a = grad_z @ W.T
    return (np.array(norms[::-1]), arriving) if with_arriving else np.array(norms[::-1])


def plot_gradient_norms(setups, depth=20, seed=0):
    """Gradient size per layer (log scale) for each (activation, initialiser) pair in `setups`."""
    fig, ax = plt.subplots(figsize=(7, 4))
    layers = np.arange(1, depth + 1)
    for activation, init in setups:
        norms = gradient_norms_by_layer(activation, init, depth, np.random.default_rng(seed))
        ax.plot(layers, norms, marker="o", markersize=3, label=f"{activation}, {init}")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer (the output is on the right; backprop runs right to left)")
    ax.set_ylabel("gradient size at the layer's input (log)")
    ax.set_title(f"How much gradient reaches each of {depth} layers")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_softmax_temperatures(scores, temperatures=(0.5, 1.0, 4.0)):
    """Bar charts of softmax(scores / T): a low temperature sharpens, a high one flattens."""
    scores = np.asarray(scores, dtype=float)
    fig, axes = plt.subplots(1, len(temperatures), figsize=(3.4 * len(temperatures), 3), sharey=True)
    for ax, temperature in zip(np.atleast_1d(axes), temperatures):
        probabilities = activations.softmax(scores / temperature)
        ax.bar(np.arange(len(scores)), probabilities, color="C2")
        ax.set_title(f"T = {temperature}")
        ax.set_xlabel("class")
        ax.set_xticks(np.arange(len(scores)))
    np.atleast_1d(axes)[0].set_ylabel("probability")
    fig.suptitle(f"softmax(scores / T) for scores {np.round(scores, 2).tolist()}")
    fig.tight_layout()
    return fig
