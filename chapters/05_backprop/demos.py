"""Chapter 5 demos: a network as a graph of operations, numerical derivatives, gradient checks.

Everything here runs your code: your layers' forward and backward passes (exercises 3.1, 5.2,
5.3), your loss (chapter 4), your numerical_gradient (5.1) and your Network (3.2, 5.4). Arrays
are float64 throughout, as gradient checks need.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch

from scratchdl.gradcheck import GradientReport, gradient_check_layer, gradient_check_loss, numerical_gradient
from scratchdl.layers import Activation, Dense
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy
from scratchdl.network import Network

# --- the tiny network of the computational graph -----------------------------------------------

TINY_ARCHITECTURE = [
    {"input_dim": 2, "output_dim": 3, "activation": "relu"},
    {"input_dim": 3, "output_dim": 2, "activation": "softmax"},
]
# Hand-picked round numbers, so that the forward pass can be followed with pencil and paper.
TINY_WEIGHTS = {
    "W1": [[0.5, -0.3, 0.8], [-0.4, 0.6, 0.2]],
    "b1": [0.1, -0.2, 0.0],
    "W2": [[0.3, -0.5], [0.9, -0.4], [-0.6, 0.7]],
    "b2": [0.2, -0.1],
}


def tiny_example(x=(1.0, 2.0), label=0):
    """The network of the graph, Dense(2 → 3), ReLU, Dense(3 → 2), softmax cross-entropy,
    holding TINY_WEIGHTS, and a batch of one example for it.

    Args:
        x:     the example's two input features.
        label: its class, 0 or 1.

    Returns:
        (network, x, y): a Network built by Network.from_architecture, x of shape (1, 2),
        y an int array of shape (1,).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (2,):
        raise ValueError(f"tiny_example takes the two features of one example, shape (2,); got shape {x.shape}")
    if label not in (0, 1):
        raise ValueError(f"tiny_example: the label must be 0 or 1; got {label!r}")
    network = Network.from_architecture(TINY_ARCHITECTURE, np.random.default_rng(0))
    dense1, dense2 = network.layers[0], network.layers[2]
    for layer, W, b in ((dense1, "W1", "b1"), (dense2, "W2", "b2")):
        layer.params["W"][...] = TINY_WEIGHTS[W]  # in place: the layer keeps its own arrays
        layer.params["b"][...] = TINY_WEIGHTS[b]
    return network, x.reshape(1, 2), np.array([label])


def _layers_of_tiny(network):
    """The three layers of a network shaped like tiny_example's, or a ValueError."""
    kinds = [type(layer).__name__ for layer in network.layers]
    if (len(network.layers) != 3 or not isinstance(network.layers[0], Dense)
            or not isinstance(network.layers[1], Activation) or not isinstance(network.layers[2], Dense)
            or not isinstance(network.loss, SoftmaxCrossEntropy)):
        raise ValueError("expected a network of [Dense, Activation, Dense] with softmax cross-entropy, "
                         f"like tiny_example's; got layers {kinds} and loss {network.loss!r}")
    return network.layers


def forward_values(network, x, y):
    """Run the forward pass one layer at a time and keep every value on the graph's edges.

    Args:
        network: shaped like tiny_example's: Dense, Activation, Dense, softmax cross-entropy.
        x:       float array of shape (n, fan_in).   y: int array of shape (n,).

    Returns:
        dict of arrays: "x", "W1", "b1", "z1" (first layer's output), "h" (after the
        activation), "W2", "b2", "z2" (the logits), "y", and "L" (the loss, a float).
    """
    dense1, activation, dense2 = _layers_of_tiny(network)
    z1 = dense1(x)
    h = activation(z1)
    z2 = dense2(h)
    L = network.loss(z2, y)
    return {"x": x, "W1": dense1.params["W"], "b1": dense1.params["b"], "z1": z1, "h": h,
            "W2": dense2.params["W"], "b2": dense2.params["b"], "z2": z2, "y": y, "L": L}


def backward_gradients(network):
    """The backward pass, one layer at a time, last to first, after forward_values.

    Each backward takes the gradient of the loss with respect to its layer's output and returns
    the one with respect to its input - exactly what Network.backward does, but keeping every
    intermediate gradient, so that the graph can show them.

    Returns:
        dict of arrays, the gradient of L with respect to each value of forward_values (same
        keys, same shapes), except "y": a label is not something the loss is differentiated by.
    """
    dense1, activation, dense2 = _layers_of_tiny(network)
    grad_z2 = network.loss.backward()
    grad_h = dense2.backward(grad_z2)
    grad_z1 = activation.backward(grad_h)
    grad_x = dense1.backward(grad_z1)
    # Copies: the layers may reuse their arrays on the next backward.
    return {"x": grad_x, "W1": dense1.grads["W"].copy(), "b1": dense1.grads["b"].copy(), "z1": grad_z1,
            "h": grad_h, "W2": dense2.grads["W"].copy(), "b2": dense2.grads["b"].copy(), "z2": grad_z2,
            "L": 1.0}


def numerical_gradients_of_tiny(network, x, y, eps=1e-6):
    """The gradient of the loss with respect to every parameter and to x, by your numerical_gradient.

    Returns:
        dict "W1", "b1", "W2", "b2", "x" -> float arrays of those shapes.
    """
    dense1, _, dense2 = _layers_of_tiny(network)
    x = np.array(x, dtype=np.float64)  # a copy: numerical_gradient nudges it

    def loss_now(_):
        return network.loss(network.forward(x), y)

    arrays = {"W1": dense1.params["W"], "b1": dense1.params["b"], "W2": dense2.params["W"],
              "b2": dense2.params["b"], "x": x}
    return {name: numerical_gradient(loss_now, array, eps) for name, array in arrays.items()}


# --- drawing the graph ----------------------------------------------------------------------------

# The boxes: name -> (x, y, text, kind). Values (the input, the parameters, the label and the
# loss) are grey; operations (one per layer, and the loss function) are blue.
GRAPH_NODES = {
    "x": (0.0, 0.0, "input", "value"),
    "dense1": (4.2, 0.0, "Dense\n$x W_1 + b_1$", "operation"),
    "W1": (4.2, 3.0, "weights", "value"),
    "b1": (4.2, -3.0, "bias", "value"),
    "relu": (8.4, 0.0, "ReLU\n$\\max(0, z_1)$", "operation"),
    "dense2": (12.6, 0.0, "Dense\n$h W_2 + b_2$", "operation"),
    "W2": (12.6, 3.0, "weights", "value"),
    "b2": (12.6, -3.0, "bias", "value"),
    "loss": (16.8, 0.0, "softmax and\ncross-entropy", "operation"),
    "y": (16.8, -3.0, "label", "value"),
    "L": (19.6, 0.0, "loss", "value"),
}
# The arrows: (from, to, the value it carries). Each is labelled with that value in black and the
# gradient of the loss with respect to it in red.
GRAPH_EDGES = [
    ("x", "dense1", "x"), ("W1", "dense1", "W1"), ("b1", "dense1", "b1"), ("dense1", "relu", "z1"),
    ("relu", "dense2", "h"), ("W2", "dense2", "W2"), ("b2", "dense2", "b2"), ("dense2", "loss", "z2"),
    ("y", "loss", "y"), ("loss", "L", "L"),
]
SYMBOLS = {"x": "x", "W1": "W_1", "b1": "b_1", "z1": "z_1", "h": "h", "W2": "W_2", "b2": "b_2",
           "z2": "z_2", "y": "y", "L": "L"}
BOX_HALF_WIDTH, BOX_HALF_HEIGHT = 0.75, 0.42
COLORS = {"value": "0.9", "operation": "#d6e6f5"}


def format_array(a, decimals=2):
    """An array (or a number) as text with a fixed number of decimals; -0.00 is shown as 0.00."""
    a = np.asarray(a)
    if a.dtype.kind in "iu":
        return np.array2string(a)
    return np.array2string(a + 0.0, precision=decimals, floatmode="fixed", suppress_small=True)


def _edge_labels(ax, start, end, name, values, grads):
    """Write the value (black) and the gradient (red) of one edge beside its arrow's midpoint."""
    (x0, y0), (x1, y1) = start, end
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    horizontal = y0 == y1
    # Two lines on a horizontal arrow (the name, then the numbers), to fit between the boxes.
    between = "\n" if horizontal else " "
    value = f"${SYMBOLS[name]}$ ={between}{format_array(values[name])}"
    grad = None if grads is None or name not in grads else (
        f"$\\partial L / \\partial {SYMBOLS[name]}$ ={between}{format_array(grads[name])}")
    common = {"fontsize": 9, "family": "monospace"}
    if horizontal:  # the value above the arrow, the gradient below
        ax.text(mx, my + 0.12, value, ha="center", va="bottom", gid=f"value {name}", **common)
        if grad:
            ax.text(mx, my - 0.12, grad, ha="center", va="top", color="red", gid=f"grad {name}", **common)
    else:  # vertical: the value to the left, the gradient to the right
        ax.text(mx - 0.12, my, value, ha="right", va="center", gid=f"value {name}", **common)
        if grad:
            ax.text(mx + 0.12, my, grad, ha="left", va="center", color="red", gid=f"grad {name}", **common)


def plot_two_layer_graph(values, grads=None, title="The two-layer network as a graph of operations"):
    """The tiny network as boxes and arrows, each arrow labelled with the value it carries and,
    if grads is given, the gradient of the loss with respect to that value.

    Args:
        values: dict from forward_values.
        grads:  dict from backward_gradients, or None to draw the forward pass only.

    Every label is a text whose gid names it ("value z1", "grad z1"), so tests can read it.
    """
    missing = {name for _, _, name in GRAPH_EDGES} - set(values)
    if missing:
        raise ValueError(f"plot_two_layer_graph needs the values {sorted(missing)}; got {sorted(values)} (use forward_values)")
    fig, ax = plt.subplots(figsize=(14, 6))
    for name, (x, y, text, kind) in GRAPH_NODES.items():
        ax.add_patch(FancyBboxPatch((x - BOX_HALF_WIDTH, y - BOX_HALF_HEIGHT), 2 * BOX_HALF_WIDTH,
                                    2 * BOX_HALF_HEIGHT, boxstyle="round,pad=0,rounding_size=0.15",
                                    facecolor=COLORS[kind], edgecolor="0.3"))
        ax.text(x, y, text, ha="center", va="center", fontsize=9, gid=f"node {name}")
    for start, end, name in GRAPH_EDGES:
        (x0, y0), (x1, y1) = GRAPH_NODES[start][:2], GRAPH_NODES[end][:2]
        # Stop the arrow at the edge of the boxes, not at their centres.
        dx, dy = np.sign(x1 - x0) * BOX_HALF_WIDTH, np.sign(y1 - y0) * BOX_HALF_HEIGHT
        ax.annotate("", xy=(x1 - dx, y1 - dy), xytext=(x0 + dx, y0 + dy),
                    arrowprops={"arrowstyle": "-|>", "color": "0.2", "linewidth": 1.2})
        _edge_labels(ax, (x0, y0), (x1, y1), name, values, grads)
    handles = [Line2D([], [], color="black", linewidth=3, label="forward: the value on the arrow")]
    if grads is not None:
        handles.append(Line2D([], [], color="red", linewidth=3,
                              label="backward: the gradient of the loss L with respect to it"))
    ax.legend(handles=handles, loc="upper right", fontsize=9, frameon=False)
    ax.set_xlim(-0.9, 20.5)
    ax.set_ylim(-3.6, 4.0)
    ax.set_axis_off()
    ax.set_title(title)
    fig.tight_layout()
    return fig


def graph_explorer():
    """A widget: choose the example's two features and its label; see the graph redrawn.

    The function behind the widget returns the gradients, so the widget's `.result` can be read
    (and tested) without looking at the plot.
    """
    import ipywidgets as widgets

    def show(x1, x2, label):
        network, x, y = tiny_example((x1, x2), label)
        values = forward_values(network, x, y)
        grads = backward_gradients(network)
        plot_two_layer_graph(values, grads, title=f"x = ({x1:.2f}, {x2:.2f}), label {label}: loss {values['L']:.3f}")
        plt.show()
        return grads

    explorer = widgets.interactive(
        show,
        x1=widgets.FloatSlider(value=1.0, min=-3.0, max=3.0, step=0.1, description="x₁", continuous_update=False),
        x2=widgets.FloatSlider(value=2.0, min=-3.0, max=3.0, step=0.1, description="x₂", continuous_update=False),
        label=widgets.Dropdown(options=[0, 1], value=0, description="label"),
    )
    explorer.out.layout.min_height = "520px"  # keeps the page still while the plot redraws
    return explorer


# --- forward and central differences ----------------------------------------------------------


def forward_difference(f, x, h):
    """(f(x + h) - f(x)) / h: the slope of a secant that starts at x. f: float -> float."""
    return (f(x + h) - f(x)) / h


def difference_errors(f, df, x, hs):
    """How far the forward difference and your numerical_gradient (central) are from f'(x).

    Args:
        f:  a function of one float, returning a float.   df: its exact derivative.
        x:  float, where to differentiate.
        hs: float array of shape (m,), step sizes, all positive.

    Returns:
        dict "forward", "central" -> float arrays of shape (m,): |estimate - f'(x)| for each h.
    """
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or not np.all(hs > 0):
        raise ValueError(f"difference_errors needs a 1-D array of positive step sizes; got {hs!r}")
    exact = df(x)
    point = np.array([x], dtype=np.float64)  # numerical_gradient works on arrays
    central = [numerical_gradient(lambda v: f(v[0]), point, eps=h)[0] for h in hs]
    forward = [forward_difference(f, x, h) for h in hs]
    return {"forward": np.abs(np.array(forward) - exact), "central": np.abs(np.array(central) - exact)}


def slope_on_log_axes(hs, errors, h_min, h_max):
    """The slope of log(error) against log(h) for h_min <= h <= h_max (a least-squares line).

    An error proportional to h**p has slope p.
    """
    inside = (hs >= h_min) & (hs <= h_max)
    if inside.sum() < 2:
        raise ValueError(f"need at least two step sizes between {h_min} and {h_max}; got {int(inside.sum())}")
    return float(np.polyfit(np.log(hs[inside]), np.log(errors[inside]), 1)[0])


def plot_difference_errors(f, derivatives, x, hs, name="f", mark=1e-6):
    """The error of both differences against h, on log-log axes, with the predicted errors.

    Args:
        f:           a function of one float.
        derivatives: (f', f'', f'''), functions of one float.
        x:           where to differentiate.
        hs:          positive step sizes, shape (m,).
        name:        how to call f in the title, e.g. "sin".

    The wide pale lines are the truncation errors Taylor's theorem predicts, h |f''| / 2 for the
    forward difference and h**2 |f'''| / 6 for the central one; the dotted line is the rounding
    error, about eps_mach |f(x)| / h with eps_mach float64's machine epsilon (the spacing of
    float64 numbers near 1). A grey vertical line marks `mark`, numerical_gradient's default step
    h, its argument eps (None: no line).
    """
    d1, d2, d3 = derivatives
    hs = np.asarray(hs, dtype=np.float64)
    errors = difference_errors(f, d1, x, hs)
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.loglog(hs, errors["forward"], "o-", markersize=3, color="C0", label="forward difference (f(x+h) - f(x)) / h")
    ax.loglog(hs, errors["central"], "o-", markersize=3, color="C1",
              label="central difference (your numerical_gradient)")
    # The predictions are drawn wide and pale, so that the measured points stay visible on top.
    predicted = {"linewidth": 5, "alpha": 0.3, "zorder": 1}
    ax.loglog(hs, abs(d2(x)) * hs / 2, color="C0", label="predicted truncation error h |f''| / 2", **predicted)
    ax.loglog(hs, abs(d3(x)) * hs**2 / 6, color="C1", label="predicted truncation error h² |f'''| / 6",
              **predicted)
    rounding = np.finfo(np.float64).eps * abs(f(x)) / hs
    ax.loglog(hs, rounding, ":", color="0.4", label=r"rounding error, about $\varepsilon_{\mathrm{mach}}\,|f(x)|\,/\,h$")
    if mark is not None:
        ax.axvline(mark, color="0.6", linewidth=0.8, label=f"h = {mark:g}, numerical_gradient's default step (eps)")
    measured = np.concatenate([errors["forward"], errors["central"]])
    ax.set_ylim(measured[measured > 0].min() / 3, 10)  # errors of exactly 0 cannot be drawn on a log axis
    ax.set_xlabel("step size h (log scale)")
    ax.set_ylabel("|estimate - exact derivative| (log scale)")
    ax.set_title(f"Numerical derivatives of {name} at x = {x}: error against step size")
    ax.legend(fontsize=8, loc="upper center")
    fig.tight_layout()
    return fig


# --- gradient checks ----------------------------------------------------------------------------


def away_from_kinks(z, margin=1e-3):
    """z with every element closer than `margin` to 0 moved to 0.5.

    ReLU and leaky ReLU have a kink at 0: a nudge of h (the argument eps) across it measures the
    average of two slopes, which no correct backward returns. Gradient checks keep their inputs away from it.
    """
    return np.where(np.abs(z) < margin, 0.5, z)


def check_every_layer_and_loss(rng):
    """Gradient-check every layer and every loss in scratchdl, in float64, on random inputs.

    Args:
        rng: numpy.random.Generator for the inputs, weights and labels.

    Returns:
        one GradientReport with a row per checked gradient: for the Dense layer its input, W
        and b; for each activation its input; for each loss its input (the predictions).
    """
    errors = {}
    dense = Dense(4, 3, rng)
    dense.params["b"][...] = rng.normal(size=3)  # a bias that is not 0, to test it too
    errors.update(gradient_check_layer(dense, rng.normal(size=(5, 4)), rng).errors)
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "linear"):
        z = away_from_kinks(rng.normal(size=(6, 5)) * 2)
        errors.update(gradient_check_layer(Activation(name), z, rng).errors)
    losses = [
        (MeanSquaredError(), rng.normal(size=(5, 3)), rng.normal(size=(5, 3))),
        (BinaryCrossEntropy(), rng.uniform(0.05, 0.95, size=(6, 1)), rng.integers(0, 2, size=6)),
        (SoftmaxCrossEntropy(), rng.normal(size=(6, 4)) * 3, rng.integers(0, 4, size=6)),
        (SigmoidCrossEntropy(), rng.normal(size=(6, 1)) * 3, rng.integers(0, 2, size=6)),
    ]
    for loss, y_pred, y in losses:
        errors.update(gradient_check_loss(loss, y_pred, y).errors)
    return GradientReport(errors, tolerance=1e-7)


class MeanBiasDense(Dense):
    """A Dense layer with a deliberately wrong backward: the bias gradient is averaged over the
    batch instead of summed, as if the bias were not added to every example."""

    def backward(self, grad_out):
        grad_x = super().backward(grad_out)  # your backward, then spoil db
        self.grads["b"] = grad_out.mean(axis=0)
        return grad_x


class UntransposedDense(Dense):
    """A Dense layer with a deliberately wrong backward: dx = grad_out @ W instead of W.T.

    The shapes only fit when W is square (fan_in == fan_out), which is how such a mistake
    survives: nothing crashes.
    """

    def backward(self, grad_out):
        super().backward(grad_out)  # your dW and db, which are right
        return grad_out @ self.params["W"]
