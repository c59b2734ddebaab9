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


# One look per initialiser, as in chapter 1's figure. The two Xavier initialisers give the same
# variance, so their lines lie on top of each other: xavier_uniform is drawn dashed over a wider
# solid xavier_normal, so that both stay visible.
INIT_STYLES = {
    "small_normal": dict(color="C1", marker="o"),
    "xavier_normal": dict(color="C2", marker="o", linewidth=4, alpha=0.55),
    "xavier_uniform": dict(color="C3", marker="x", linestyle="--", linewidth=1.5),
    "he_normal": dict(color="C4", marker="s"),
}
VANISHED = 1e-3  # a std this far below the input's (1): the signal is as good as gone


def std_axis_range(curves, vanished=VANISHED):
    """The (bottom, top) of a log axis for lines of stds: a decade of room below the lowest point
    of the lines that never fall under `vanished`, and room above the highest point of any.

    A line that vanishes would spend the axis on its fall (to 1e-16 for small_normal through 20
    tanh layers), squeezing the lines that matter into a sliver: it leaves the axis instead.
    """
    kept = [c[c > 0].min() for c in curves if c.any() and c[c > 0].min() >= vanished]
    bottom = 10.0 ** (np.floor(np.log10(min(kept))) - 1) if kept else vanished
    top = max(2.0, 1.5 * max((c.max() for c in curves if c.any()), default=1.0))
    return float(bottom), float(top)


def plot_std_by_depth(activation, inits, depth, rng_seed=0, ax=None, floor=None):
    """The standard deviation of each layer's activations, one line per initialiser (log scale).

    The vertical axis serves the lines that keep their signal: it stops at `floor` (by default
    a decade below the lowest of them, see std_axis_range). A line that falls below it leaves
    the panel, and a note says by what factor per layer it shrinks and how far it falls. An
    initialiser whose every activation is exactly 0 (zeros) cannot appear on a log scale: it
    gets a note in the panel, not a legend entry.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8))
    layers = np.arange(1, depth + 1)
    stds = {init: np.array([float(a.std()) for a in layer_activations(init, activation, depth,
                                                                       np.random.default_rng(rng_seed))])
            for init in inits}
    bottom, top = std_axis_range(list(stds.values()))
    bottom = bottom if floor is None else floor
    left_out, below = [], []
    for init, curve in stds.items():
        if not curve.any():
            left_out.append(init)
            continue
        ax.plot(layers, np.where(curve > 0, curve, np.nan), markersize=3, label=init,
                **INIT_STYLES.get(init, dict(marker="o")))
        if curve.min() < bottom:
            below.append((init, curve))
    for number, (init, curve) in enumerate(below):
        above = np.flatnonzero(curve >= bottom)
        last = int(above[-1]) if len(above) else 0
        color = ax.get_lines()[[line.get_label() for line in ax.get_lines()].index(init)].get_color()
        ax.annotate(
            f"{init}: ×{factor_per_layer(curve):.2g} per layer,\nbelow the axis after layer {last + 1}\n"
            f"(std {curve[-1]:.1g} at layer {depth})",
            xy=(layers[last], curve[last]), xytext=(min(layers[last] + 0.1 * depth, 0.5 + 0.45 * depth),
                                                     bottom * (top / bottom) ** (0.03 + 0.2 * number)),
            fontsize=8, color=color, va="bottom", arrowprops=dict(arrowstyle="->", color=color),
        )
    if left_out:  # beside the legend, which has no entry for them
        ax.text(1.02, 0.22, f"not drawn: {', '.join(left_out)}\n(every activation\nexactly 0: nothing\nto show on a log scale)",
                transform=ax.transAxes, ha="left", va="top", fontsize=8, color="0.3")
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    ax.set_xlim(0.5, depth + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("layer")
    ax.set_ylabel("std of activations (log scale)")
    name = activation if isinstance(activation, str) else activation.__name__
    ax.set_title(f"Signal strength through {depth} layers of {name} units")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.figure.tight_layout()
    return ax.figure


def factor_per_layer(stds):
    """The geometric mean of the layer-to-layer ratios of `stds` (0 if the signal is all zero)."""
    stds = np.asarray(stds, dtype=float)
    if len(stds) < 2 or stds[0] == 0 or stds[-1] == 0:
        return 0.0
    return float((stds[-1] / stds[0]) ** (1 / (len(stds) - 1)))
