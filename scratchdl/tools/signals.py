"""A signal pushed through many layers: how the spread of the activations changes with depth,
for each initialiser (chapter 1) and each activation function (chapter 2).

The activations here are numpy's own (chapter 1 comes before you write yours in chapter 2); any
function of one array can be passed instead.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.initializers import initialize

DEMO_ACTIVATIONS = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # = 1 / (1 + exp(-z)), never overflows
    "linear": lambda z: z,
}


def layer_activations(init, activation, depth, rng, width=256, n_samples=500):
    """Push standard-normal inputs through `depth` layers of `width` units; keep every layer's output.

    Args:
        init:       name of an initialiser (see scratchdl.initializers.INITIALIZERS).
        activation: name in DEMO_ACTIVATIONS, or a function of one array.
        depth:      number of layers.
        rng:        numpy.random.Generator for the inputs and the weights.

    Returns:
        list of `depth` arrays of shape (n_samples, width).
    """
    g = DEMO_ACTIVATIONS[activation] if isinstance(activation, str) else activation
    a = rng.standard_normal((n_samples, width))
    outputs = []
    for _ in range(depth):
        W = initialize(init, width, width, rng)
        a = g(a @ W)
        outputs.append(a)
    return outputs


def plot_std_by_depth(activation, inits, depth, rng_seed=0, ax=None):
    """The standard deviation of each layer's activations, one line per initialiser (log scale)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    layers = np.arange(1, depth + 1)
    for init in inits:
        outputs = layer_activations(init, activation, depth, np.random.default_rng(rng_seed))
        stds = np.array([a.std() for a in outputs])
        label = init if stds.any() else f"{init} (every activation is 0: not drawn)"
        ax.plot(layers, np.where(stds > 0, stds, np.nan), marker="o", markersize=3, label=label)
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")
    ax.set_ylabel("std of activations (log scale)")
    name = activation if isinstance(activation, str) else activation.__name__
    ax.set_title(f"Signal strength through {depth} layers of {name} units")
    ax.legend(fontsize=8)
    ax.figure.tight_layout()
    return ax.figure
