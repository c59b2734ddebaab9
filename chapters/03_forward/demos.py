"""Chapter 3 demos: a batch walked through a network layer by layer, and untrained networks at work.

Everything here runs your Dense.forward and Network.forward (chapter 3), your activations
(chapter 2) and, through Network.from_architecture, your initialisers (chapter 1).
"""

import matplotlib.pyplot as plt
import numpy as np

from scratchdl.network import Network
from scratchdl.tools.plots import grid_around


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
    """The numbers the output sigmoid (or softmax) is applied to, the logits: the network's output
    when its last layer is a dense one (the sigmoid is then in the loss, as from_architecture builds
    it), else the output of every layer but the last activation.

    Args:
        network: a Network.
        x:       float array of shape (n, n_features).

    Returns:
        float array of shape (n, n_outputs).
    """
    _check_network(network)
    _check_batch(x)
    layers = network.layers if network.layers[-1].params else network.layers[:-1]
    for layer in layers:
        x = layer(x)
    return x


def is_ray_network(network, x):
    """Does the network's score obey s(a x) = a s(x) for a > 0 (tested at a = 0.5 and 3 on x)?

    True for a ReLU network whose biases are all 0: then its prediction is the same along every
    ray from the origin, and its boundaries are rays.
    """
    s = scores(network, x)
    scale = max(float(np.abs(s).max()), 1e-300)
    return all(np.allclose(scores(network, a * x), a * s, rtol=1e-9, atol=1e-12 * scale) for a in (0.5, 3.0))


def _bisect_angle(network, inside, a, b, steps=60):
    """The angle between a (where inside is True) and b (where it is False) where inside changes."""
    for _ in range(steps):
        middle = (a + b) / 2
        if inside(scores(network, np.array([[np.cos(middle), np.sin(middle)]]))[0, 0]):
            a = middle
        else:
            b = middle
    return (a + b) / 2


def ray_edges(network, n_angles=36000):
    """For a ray network (is_ray_network): the rays where its prediction changes, and the wedges
    where its score is exactly 0 (p exactly 0.5, for a sigmoid output), found on n_angles
    directions and refined by bisection.

    Returns:
        dict "boundary": list of angles in radians (class 1, s > 0, on one side only);
        "flat": list of (first, last) angles of the wedges where s == 0, with last > first.
    """
    _check_network(network)
    step = 2 * np.pi / n_angles
    angles = np.arange(n_angles) * step
    s = scores(network, np.column_stack([np.cos(angles), np.sin(angles)]))[:, 0]

    def changes(inside_values, inside):
        after = np.roll(inside_values, -1)
        return [_bisect_angle(network, inside, angles[k], angles[k] + step) if inside_values[k]
                else _bisect_angle(network, lambda v: not inside(v), angles[k], angles[k] + step)
                for k in np.flatnonzero(inside_values != after)]

    boundary = changes(s > 0, lambda v: v > 0)
    flat = s == 0
    if flat.all():
        return {"boundary": boundary, "flat": [(0.0, 2 * np.pi)]}
    after = np.roll(flat, -1)
    starts = [_bisect_angle(network, lambda v: v != 0, angles[k], angles[k] + step)
              for k in np.flatnonzero(~flat & after)]
    ends = [_bisect_angle(network, lambda v: v == 0, angles[k], angles[k] + step)
            for k in np.flatnonzero(flat & ~after)]
    wedges = []
    for first in starts:  # each wedge ends at the first end that follows its start, going round
        last = min(ends, key=lambda e: (e - first) % (2 * np.pi))
        wedges.append((first, first + (last - first) % (2 * np.pi)))
    return {"boundary": boundary, "flat": wedges}


def decision_field(probabilities):
    """A field whose 0-level contour is the decision boundary, also next to regions where p = 0.5.

    predict gives class 1 where p > 0.5. Where p is exactly 0.5 on a whole region (a dead layer),
    p - 0.5 is 0 on a plateau, and a contour of it at 0 comes out as dotted fragments. Moving the
    plateau just below 0 puts it on the class-0 side, where predict puts it, so the contour runs
    along the plateau's edge with the class-1 region and nowhere else.

    Args:
        probabilities: float array, p of class 1, any shape.

    Returns:
        float array of the same shape: p - 0.5, with exact zeros replaced by a tiny negative number.
    """
    field = np.asarray(probabilities, dtype=float) - 0.5
    return np.where(field == 0, -1e-12, field)


FLAT_GREY = "0.72"  # where p is exactly 0.5


def plot_untrained_regions(architecture, X, y, seeds, columns=4, resolution=200):
    """The probability of class 1 over the plane for one architecture, freshly initialised with
    each seed, side by side on one colour scale.

    For a ray network (all biases 0, ReLU) the boundaries and the wedges where p is exactly 0.5
    are computed direction by direction (ray_edges), so that even a wedge narrower than the grid
    is drawn whole; for any other network they are traced on the grid.

    Args:
        architecture: list of dicts for Network.from_architecture, with 2 inputs.
        X:     float array of shape (n, 2), the data drawn on top.
        y:     int array of shape (n,), its labels.
        seeds: the seeds of the generators that initialise the networks, one panel each.
        columns: panels per row.
        resolution: grid points per side for the colours.

    Returns:
        the figure; each panel's title gives the seed and the network's accuracy on (X, y). The
        colour is p (one scale for all panels, white at 0.5, shown by the colour bar), grey where
        p is exactly 0.5, and the black line is the decision boundary (p > 0.5 on its red side).
    """
    _check_batch(X, "X")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: give at least one seed")
    y = np.ravel(y)
    columns = min(columns, len(seeds))
    rows = -(-len(seeds) // columns)
    xx, yy, grid = grid_around(X, resolution)
    extent = (xx.min(), xx.max(), yy.min(), yy.max())
    far = 10 * float(np.abs(extent).max())  # rays drawn this long leave every panel
    models = [Network.from_architecture(architecture, np.random.default_rng(seed)) for seed in seeds]
    fields = [model.predict_proba(grid)[:, 1].reshape(xx.shape) for model in models]
    spread = max(float(np.abs(p - 0.5).max()) for p in fields) or 0.5  # one scale, symmetric about 0.5
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns + 1.0, 3.4 * rows), squeeze=False,
                             layout="constrained")
    for ax in axes.flat[len(seeds):]:
        ax.set_visible(False)
    for ax, seed, model, p in zip(axes.flat, seeds, models, fields):
        image = ax.imshow(p, origin="lower", extent=extent, aspect="auto", cmap="RdBu_r",
                          vmin=0.5 - spread, vmax=0.5 + spread)
        line = {"color": "k", "linewidth": 1.3}
        if is_ray_network(model, grid):
            edges = ray_edges(model)
            for first, last in edges["flat"]:
                arc = np.linspace(first, last, 64)
                ax.fill(np.r_[0, far * np.cos(arc)], np.r_[0, far * np.sin(arc)], color=FLAT_GREY,
                        linewidth=0, label="p exactly 0.5")
            for angle in edges["boundary"]:
                ax.plot([0, far * np.cos(angle)], [0, far * np.sin(angle)], **line, label="boundary, p = 0.5")
        else:
            flat = p == 0.5
            if flat.any():
                ax.contourf(xx, yy, flat.astype(float), levels=[0.5, 1.5], colors=[FLAT_GREY])
                ax.fill([], [], color=FLAT_GREY, linewidth=0, label="p exactly 0.5")
            if (p > 0.5).any() and (p <= 0.5).any():
                ax.contour(xx, yy, decision_field(p), levels=[0], colors="k", linewidths=line["linewidth"])
                ax.plot([], [], **line, label="boundary, p = 0.5")
        for k, color in ((0, "#1f77b4"), (1, "#d62728")):
            ax.scatter(*X[y == k].T, s=10, color=color, edgecolor="k", linewidth=0.3, label=f"class {k}")
        ax.set_xlim(extent[:2])
        ax.set_ylim(extent[2:])
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))  # each kind of thing drawn once in the legend
        ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize=7, framealpha=0.85)
        accuracy = float(np.mean(model.predict(X) == y))
        ax.set_title(f"seed {seed}: accuracy {accuracy:.1%}")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    fig.colorbar(image, ax=[ax for ax in axes.flat if ax.get_visible()],
                 label="p, the predicted probability of class 1", shrink=0.9)
    fig.suptitle("The same architecture, untrained, from different random weights")
    return fig
