"""Chapter 3 demos: a batch walked through a network layer by layer, and untrained networks at work.

Everything here runs your Dense.forward and Network.forward (chapter 3), your activations
(chapter 2) and, through Network.from_architecture, your initialisers (chapter 1).
"""

import matplotlib.pyplot as plt
import numpy as np

from scratchdl.network import Network
from scratchdl.tools.plots import plot_decision_boundary


def _check_network(network):
    if not isinstance(network, Network):
        raise TypeError(f"expected a scratchdl Network; got {type(network).__name__}")


def _check_batch(x, name="x"):
    if not isinstance(x, np.ndarray) or x.ndim != 2:
        shape = getattr(x, "shape", type(x).__name__)
        raise ValueError(f"{name} must be a numpy array of shape (n, n_features); got {shape}")


# --- shapes, layer by layer -------------------------------------------------------------------


def layer_shapes(network, x):
    """Run a batch through the network one layer at a time and note what each layer did to it.

    Args:
        network: a Network.
        x:       float array of shape (n, n_features), the batch.

    Returns:
        a list with one row per layer: (layer name, input shape, output shape, number of
        parameters), e.g. ("Dense(2 → 4)", (5, 2), (5, 4), 12).
    """
    _check_network(network)
    _check_batch(x)
    rows = []
    for layer in network.layers:
        out = layer(x)  # the same call Network.forward makes: checks the input, then forward
        rows.append((repr(layer), x.shape, out.shape, int(sum(p.size for p in layer.params.values()))))
        x = out
    return rows


def print_layer_shapes(rows):
    """Print the rows of layer_shapes as a table, with the total number of parameters."""
    print(f"{'layer':<24}{'input':>12}{'output':>12}{'parameters':>12}")
    for name, shape_in, shape_out, count in rows:
        print(f"{name:<24}{str(shape_in):>12}{str(shape_out):>12}{count:>12}")
    print(f"{'total':<48}{sum(row[3] for row in rows):>12}")


# --- two ways to build the same network ---------------------------------------------------------


def networks_agree(a, b, x):
    """Compare two networks: the same layers, the same parameters, the same output for x?

    Args:
        a, b: Networks.
        x:    float array of shape (n, n_features), a batch both networks accept.

    Returns:
        dict with "same layers" (bool: the same kinds and sizes, in the same order),
        "same parameters" (bool: every array equal), "same loss" (bool) and
        "largest output difference" (float, the largest |a(x) - b(x)|).
    """
    _check_network(a)
    _check_network(b)
    _check_batch(x)
    same_layers = [repr(layer) for layer in a.layers] == [repr(layer) for layer in b.layers]
    pa, pb = a.parameters(), b.parameters()
    same_parameters = len(pa) == len(pb) and all(p.shape == q.shape and np.array_equal(p, q) for p, q in zip(pa, pb))
    return {
        "same layers": same_layers,
        "same parameters": same_parameters,
        "same loss": type(a.loss) is type(b.loss),
        "largest output difference": float(np.abs(a(x) - b(x)).max()),
    }


# --- untrained networks ---------------------------------------------------------------------


def scores(network, x):
    """The output of the network without its last layer: for a network ending in an activation,
    the numbers that activation is applied to (the logits).

    Args:
        network: a Network whose last layer is an activation (it has no parameters).
        x:       float array of shape (n, n_features).

    Returns:
        float array of shape (n, n_outputs).
    """
    _check_network(network)
    _check_batch(x)
    last = network.layers[-1]
    if last.params:
        raise ValueError(f"the network's last layer must be an activation (no parameters); got {last!r}")
    for layer in network.layers[:-1]:
        x = layer(x)
    return x


def plot_untrained_regions(architecture, X, y, seeds, columns=4):
    """The decision regions of one architecture, freshly initialised with each seed, side by side.

    Args:
        architecture: list of dicts for Network.from_architecture, with 2 inputs.
        X:     float array of shape (n, 2), the data drawn on top.
        y:     int array of shape (n,), its labels.
        seeds: the seeds of the generators that initialise the networks, one panel each.

    Returns:
        the figure; each panel's title gives the seed and the network's accuracy on (X, y).
    """
    _check_batch(X, "X")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    columns = min(columns, len(seeds))
    rows = -(-len(seeds) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 3.4 * rows), squeeze=False)
    for ax in axes.flat[len(seeds):]:
        ax.set_visible(False)
    for ax, seed in zip(axes.flat, seeds):
        model = Network.from_architecture(architecture, np.random.default_rng(seed))
        accuracy = float(np.mean(model.predict(X) == np.ravel(y)))
        plot_decision_boundary(model, X, y, ax=ax, title=f"seed {seed}: accuracy {accuracy:.1%}")
    fig.suptitle("The same architecture, untrained, from different random weights")
    fig.tight_layout()
    return fig
