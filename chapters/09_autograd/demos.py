"""Chapter 9 demos: pictures of graphs, gradient checks of every operation, networks written as
graph operations (XOR, a deep spiral classifier), and comparisons with chapter 5's backward.

Everything here runs on your autograd engine (scratchdl/autograd.py, exercises 9.1-9.8). The
comparisons also use your chapter 3-5 layers and losses, and training uses your chapter 6
optimizers: `scratchdl.set_mode("fill")` lets the reference stand in for what is not written yet.
"""

import matplotlib.pyplot as plt
import numpy as np

from scratchdl.autograd import (
    Tensor,
    binary_cross_entropy,
    softmax_cross_entropy,
    topological_order,
)
from scratchdl.tools.datasets import xor
from scratchdl.gradcheck import numerical_gradient, relative_error
from scratchdl.initializers import initialize
from scratchdl.layers import Activation, Dense
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy
from scratchdl.optimizers import SGD

# --- pictures of a graph -----------------------------------------------------------------------


def _short(a, decimals=2, max_size=4):
    """An array as a short string: its numbers (a line per row) if it has at most max_size
    elements, else its shape."""
    a = np.asarray(a)
    if a.size > max_size:
        return f"shape {a.shape}"
    if a.ndim == 0:
        return f"{float(a):.{decimals}f}"
    rows = np.atleast_2d(a).reshape(-1, a.shape[-1])
    return "\n".join(" ".join(f"{float(v):6.{decimals}f}" for v in row) for row in rows)


def node_label(node, compact=False):
    """What a picture of the graph says about one node: its name or operation, value, gradient
    (constants, which no one asks the gradient of, show only their value).

    compact=True puts each array's first row on the line of its heading ("value  0.50"), which
    saves two lines a box where the picture is tall rather than wide.
    """
    head = node.op.symbol if node.op is not None else (node.name or "constant")
    parts = [("value", _short(node.data))]
    if node.grad is not None and (node.op is not None or node.name):
        parts.append(("grad", _short(node.grad)))
    lines = [head]
    for word, numbers in parts:
        if compact:
            rows = numbers.split("\n")
            lines.append(f"{word:<5} {rows[0]}")
            lines += [" " * 6 + row for row in rows[1:]]
        else:
            lines += [word, numbers]
    return "\n".join(lines)


def graph_layout(root):
    """Positions for drawing: {node id: (x, y)}, inputs on the left, root on the right.

    A node made by an operation sits one column right of its furthest input; a leaf sits just
    left of its first user, so parameters appear next to where they are used. Within a column,
    nodes are ordered by the height of the nodes that use them (worked out from the root back).
    """
    order = topological_order(root)
    users = {id(node): [] for node in order}
    for node in order:
        for inp in node.inputs:
            users[id(inp)].append(node)
    column = {}
    for node in order:
        if node.inputs:
            column[id(node)] = 1 + max(column.get(id(i), 0) for i in node.inputs)
    for node in order:
        if not node.inputs:
            column[id(node)] = min((column[id(u)] for u in users[id(node)]), default=1) - 1
    height = {}
    for x in sorted(set(column.values()), reverse=True):
        here = [n for n in order if column[id(n)] == x]
        here.sort(key=lambda n: np.mean([height[id(u)] for u in users[id(n)]]) if users[id(n)] else 0.0)
        for rank, node in enumerate(here):
            height[id(node)] = rank - (len(here) - 1) / 2
    return {id(n): (column[id(n)], height[id(n)]) for n in order}


def _draw_arrows(ax, order, where, boxes):
    """An arrow from each input's box to the box of the operation that uses it."""
    for node in order:
        seen = {}  # a node used twice by one operation (e * e) gets two arrows, bent apart
        for inp in node.inputs:
            m = sum(i is inp for i in node.inputs)
            k = seen[id(inp)] = seen.get(id(inp), -1) + 1
            bend = 0.0 if m == 1 else 0.3 * (k - (m - 1) / 2)
            ax.annotate("", xy=where[id(node)], xytext=where[id(inp)], zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color="0.35", shrinkA=0, shrinkB=0,
                                        connectionstyle=f"arc3,rad={bend}",
                                        patchA=boxes[id(inp)].get_bbox_patch(),
                                        patchB=boxes[id(node)].get_bbox_patch()))


def _box_color(node, root):
    if node is root:
        return "#ffd8a8"
    if node.op is not None:
        return "#d0e4f5"
    return "#d3f0d3" if node.name else "#e6e6e6"


def _strip_axes(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def plot_graph(root, title, figsize=None, vertical=False):
    """Draw the graph that computed `root`: a box per node with its value and (after backward)
    its gradient; arrows from inputs to the operations that use them.

    Left to right by default (inputs on the left, the root on the right). vertical=True draws it
    top to bottom instead, with compact boxes, for a graph too long to read across the page: the
    figure is then only a few boxes wide, and each row is as tall as its tallest box.

    Colours: named leaves (parameters, inputs) green, unnamed leaves (constants) grey,
    operations blue, the root orange.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"plot_graph draws the graph of a Tensor; got {type(root).__name__}")
    if vertical:
        return _plot_graph_vertical(root, title, figsize)
    order = topological_order(root)
    where = graph_layout(root)
    xs = [p[0] for p in where.values()]
    ys = [p[1] for p in where.values()]
    if figsize is None:
        figsize = (1.35 * (max(xs) - min(xs) + 1) + 0.5, 1.4 * (max(ys) - min(ys) + 1) + 1.0)
    fig, ax = plt.subplots(figsize=figsize)
    boxes = {}
    for node in order:
        boxes[id(node)] = ax.text(*where[id(node)], node_label(node), ha="center", va="center",
                                  fontsize=7.5, family="monospace", zorder=3,
                                  bbox=dict(boxstyle="round,pad=0.35", fc=_box_color(node, root), ec="0.4"))
    fig.canvas.draw()  # the boxes need their size before arrows can stop at their edges
    _draw_arrows(ax, order, where, boxes)
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    _strip_axes(ax)
    ax.set_xlabel("forward pass: inputs on the left, the loss on the right; backward() runs right to left")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _plot_graph_vertical(root, title, figsize=None, fontsize=9, row_gap=0.34, column_gap=0.3):
    """plot_graph(..., vertical=True): graph_layout turned a quarter turn, inputs at the top.

    The boxes are measured first (in inches: text in points does not depend on the figure's
    size), then placed in data coordinates that are inches, so no two boxes can overlap: each
    row is as tall as its tallest box plus row_gap, each slot as wide as the widest box plus
    column_gap.
    """
    order = topological_order(root)
    layout = graph_layout(root)
    fig, ax = plt.subplots(figsize=figsize or (6, 6))
    boxes = {id(node): ax.text(0, 0, node_label(node, compact=True), ha="center", va="center",
                               fontsize=fontsize, family="monospace", zorder=3,
                               bbox=dict(boxstyle="round,pad=0.35", fc=_box_color(node, root), ec="0.4"))
             for node in order}
    fig.canvas.draw()
    size = {key: box.get_bbox_patch().get_window_extent().size / fig.dpi for key, box in boxes.items()}
    slot = max(w for w, _ in size.values()) + column_gap
    rows = sorted({column for column, _ in layout.values()})
    row_height = {r: max(size[key][1] for key, (c, _) in layout.items() if c == r) + row_gap for r in rows}
    top, row_y = 0.0, {}
    for r in rows:  # the centre of each row, going down the page
        row_y[r] = top - row_height[r] / 2
        top -= row_height[r]
    where = {key: (h * slot, row_y[c]) for key, (c, h) in layout.items()}
    xs = [x for x, _ in where.values()]
    width, height = max(xs) - min(xs) + slot, -top
    for key, box in boxes.items():
        box.set_position(where[key])
    ax.set_xlim(min(xs) - slot / 2, max(xs) + slot / 2)
    ax.set_ylim(top, 0.0)
    _strip_axes(ax)
    ax.set_xlabel("forward pass: inputs at the top, the loss at the bottom;\nbackward() runs bottom to top")
    ax.set_title(title, fontsize=10)
    # The axes are given exactly width x height inches, one data unit to the inch; the margins
    # around them hold the title and the label.
    left = right = 0.15
    bottom, head = 0.6, 0.45
    if figsize is None:
        fig.set_size_inches(width + left + right, height + bottom + head)
    W, H = fig.get_size_inches()
    ax.set_position([left / W, bottom / H, 1 - (left + right) / W, 1 - (bottom + head) / H])
    ax.set_aspect("equal", adjustable="box")
    fig.canvas.draw()  # positions and sizes are final: now arrows can stop at the box edges
    _draw_arrows(ax, order, where, boxes)
    return fig


def neuron_graph(x=(1.0, -2.0), w=(0.5, 0.25), b=0.1, target=0.8):
    """One tanh neuron and a squared error, as a graph: L = sum((tanh(x @ w + b) - t)**2),
    with the square written e * e (e used twice).

    Returns:
        (L, leaves): the loss Tensor of shape () and {"x", "w", "b", "t"}: the leaf Tensors.
    """
    leaves = {
        "x": Tensor(np.array([x]), name="x"),  # one example: shape (1, 2)
        "w": Tensor(np.array(w).reshape(2, 1), name="w"),
        "b": Tensor(np.array([b]), name="b"),
        "t": Tensor(np.array([[target]]), name="t"),
    }
    e = (leaves["x"] @ leaves["w"] + leaves["b"]).tanh() - leaves["t"]
    return (e * e).sum(), leaves


# --- gradient checks of every operation --------------------------------------------------------


def _operation_cases(rng):
    """(description, function of Tensors returning a Tensor, input arrays) for every operation."""
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    row, column = rng.normal(size=(3,)), rng.normal(size=(4, 1))
    away = np.where(np.abs(A) < 0.1, 0.5, A)  # relu's kink is no place for a numerical gradient
    positive = rng.uniform(0.5, 2.0, size=(4, 3))
    logits, labels = 3 * rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    p, t = rng.uniform(0.1, 0.9, size=(5, 1)), np.array([0, 1, 1, 0, 1])
    return [
        ("a + b, b of shape (3,) added to every row", lambda a, b: a + b, [A, row]),
        ("a - b, b of shape (4, 1) taken from every column", lambda a, b: a - b, [A, column]),
        ("-a", lambda a: -a, [A]),
        ("a * b", lambda a, b: a * b, [A, B]),
        ("a * b, b of shape (3,)", lambda a, b: a * b, [A, row]),
        ("a * a (one node used twice)", lambda a: a * a, [A]),
        ("a / b", lambda a, b: a / b, [A, positive]),
        ("a @ b", lambda a, b: a @ b, [A, rng.normal(size=(3, 2))]),
        ("a.sum()", lambda a: a.sum(), [A]),
        ("a.sum(axis=0)", lambda a: a.sum(axis=0), [A]),
        ("a.sum(axis=1, keepdims=True)", lambda a: a.sum(axis=1, keepdims=True), [A]),
        ("a.mean(axis=1)", lambda a: a.mean(axis=1), [A]),
        ("a.exp()", lambda a: a.exp(), [A]),
        ("a.log()", lambda a: a.log(), [positive]),
        ("a.relu()", lambda a: a.relu(), [away]),
        ("a.sigmoid()", lambda a: a.sigmoid(), [A]),
        ("a.tanh()", lambda a: a.tanh(), [A]),
        ("softmax_cross_entropy(z, y)", lambda z: softmax_cross_entropy(z, labels), [logits]),
        ("binary_cross_entropy(p, y)", lambda q: binary_cross_entropy(q, t), [p]),
        ("tanh(a) * a + a (a used three times)", lambda a: a.tanh() * a + a, [A]),
    ]


def gradient_check_operations(rng):
    """Compare backward() with numerical gradients (your chapter 5 numerical_gradient) for every
    operation, on L = sum(out * G) with a random G of the shape of out.

    Returns:
        dict: description -> the largest relative error over the operation's inputs.
    """
    errors = {}
    for description, f, arrays in _operation_cases(rng):
        G = rng.normal(size=np.shape(f(*[Tensor(a) for a in arrays]).data))

        def loss_of(*tensors):
            return (f(*tensors) * G).sum()

        leaves = [Tensor(a.copy()) for a in arrays]
        loss_of(*leaves).backward()
        worst = 0.0
        for i, leaf in enumerate(leaves):
            x = arrays[i].copy()
            others = [a if j != i else x for j, a in enumerate(arrays)]

            def value(_):
                return loss_of(*[Tensor(a) for a in others]).item()

            worst = max(worst, relative_error(leaf.grad, numerical_gradient(value, x)))
        errors[description] = worst
    return errors


# --- networks written as graph operations ------------------------------------------------------


class GraphMLP:
    """A multilayer perceptron written with graph operations: each layer is x @ W + b, followed
    by the hidden activation, except the last (which gives logits, or one score for a sigmoid).

    Args:
        sizes:  [n_inputs, hidden, ..., n_outputs].
        rng:    numpy.random.Generator for the weights.
        hidden: "tanh", "relu" or "sigmoid".
        init:   an initialiser name (chapter 1), or a function (fan_in, fan_out, rng) -> W.
        dtype:  float64 (gradient checks, small demos) or float32.
    """

    HIDDEN = ("tanh", "relu", "sigmoid")

    def __init__(self, sizes, rng, hidden="tanh", init="xavier_normal", dtype=np.float64):
        if hidden not in self.HIDDEN:
            raise ValueError(f"hidden must be one of {', '.join(self.HIDDEN)}; got {hidden!r}")
        if len(sizes) < 2 or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"sizes must list at least two positive layer sizes; got {sizes!r}")
        self.sizes, self.hidden, self.dtype = list(sizes), hidden, np.dtype(dtype)
        self.layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:]), start=1):
            W = initialize(init, fan_in, fan_out, rng).astype(dtype)
            self.layers.append((Tensor(W, name=f"W{i}"), Tensor(np.zeros(fan_out, dtype=dtype), name=f"b{i}")))

    def __repr__(self):
        return f"GraphMLP({' → '.join(map(str, self.sizes))}, hidden={self.hidden!r})"

    def parameters(self):
        """The leaf Tensors W1, b1, W2, ... in order."""
        return [t for layer in self.layers for t in layer]

    def scores(self, x):
        """The last layer's output for a batch x of shape (n, n_inputs): a Tensor (n, n_outputs)."""
        h = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=self.dtype), name="x")
        for i, (W, b) in enumerate(self.layers):
            h = h @ W + b
            if i < len(self.layers) - 1:
                h = getattr(h, self.hidden)()
        return h

    def loss_of(self, scores, y):
        """Softmax cross-entropy of the logits, or binary cross-entropy of sigmoid(score) for one output."""
        if self.sizes[-1] == 1:
            return binary_cross_entropy(scores.sigmoid(), y)
        return softmax_cross_entropy(scores, y)

    def loss(self, x, y):
        return self.loss_of(self.scores(x), y)

    def labels_of(self, scores):
        """Predicted classes from the scores (a Tensor or an array): shape (n,)."""
        s = scores.data if isinstance(scores, Tensor) else np.asarray(scores)
        return (s[:, 0] > 0).astype(np.int64) if self.sizes[-1] == 1 else s.argmax(axis=1)

    def predict_proba(self, x):
        """Class probabilities, shape (n, n_classes): what plot_decision_boundary draws."""
        s = self.scores(x).data
        if self.sizes[-1] == 1:
            p = 0.5 * (1 + np.tanh(0.5 * s))  # the sigmoid, without overflow
            return np.hstack([1 - p, p])
        e = np.exp(s - s.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, x):
        return self.labels_of(self.scores(x))

    def accuracy(self, x, y):
        return float(np.mean(self.predict(x) == np.ravel(y)))


def train(model, X, y, optimizer, steps, stop_when_solved=False):
    """Full-batch training of a GraphMLP: scores, loss, backward(), an optimizer step.

    The optimizer is one of yours from chapter 6: it updates the parameters' arrays in place
    from their .grad arrays.

    Returns:
        dict with "loss" (the loss before every step), "steps" (how many were taken) and
        "solved_at" (the first step at which every example was classified right, or None).
    """
    params = model.parameters()
    history = {"loss": [], "steps": 0, "solved_at": None}
    for step in range(steps):
        scores = model.scores(X)
        loss = model.loss_of(scores, y)
        history["loss"].append(loss.item())
        if history["solved_at"] is None and np.all(model.labels_of(scores) == np.ravel(y)):
            history["solved_at"] = step
            if stop_when_solved:
                break
        loss.backward()
        optimizer.step([p.data for p in params], [p.grad for p in params])
        history["steps"] = step + 1
    return history


def xor_network(seed, hidden="tanh", n_hidden=2, std=0.1):
    """The 2-n_hidden-1 XOR network with Normal(0, std) starting weights and zero biases."""
    return GraphMLP([2, n_hidden, 1], np.random.default_rng(seed), hidden=hidden,
                    init=lambda fan_in, fan_out, rng: rng.normal(0.0, std, size=(fan_in, fan_out)))


def xor_run(seed, hidden="tanh", n_hidden=2, learning_rate=1.0, steps=2000, std=0.1, stop_when_solved=False):
    """Train one XOR network with plain gradient descent (your SGD) on the four points.

    Returns:
        (model, history) - see train().
    """
    X, y = xor()
    model = xor_network(seed, hidden, n_hidden, std)
    history = train(model, X, y, SGD(learning_rate), steps, stop_when_solved=stop_when_solved)
    return model, history


def xor_runs(seeds, hidden="tanh", n_hidden=2, learning_rate=1.0, steps=2000, std=0.1):
    """One XOR run per seed, each stopped as soon as it classifies all four points right.

    Returns:
        dict: seed -> (model, history); history["solved_at"] is None for a run that had not
        solved XOR after `steps` steps.
    """
    return {seed: xor_run(seed, hidden, n_hidden, learning_rate, steps, std, stop_when_solved=True)
            for seed in seeds}


def dead_units(model, X):
    """How many first-layer ReLU units output 0 for every example of X: they pass no gradient, ever."""
    W, b = model.layers[0]
    return int(np.sum(np.all(X @ W.data + b.data <= 0, axis=0)))


def hidden_slopes(model, X):
    """The slope of every first-layer hidden unit at every example: the derivative of the
    activation at its input z = X @ W1 + b1, shape (n_examples, n_units).

    1 - tanh(z)^2 for tanh (positive everywhere, but below 0.01 once |z| passes 3: saturated),
    [z > 0] for relu (0 on its flat side), s(z)(1 - s(z)) for sigmoid. From each example a unit
    passes back to its weights what it receives times this slope.
    """
    W, b = model.layers[0]
    z = np.asarray(X, dtype=model.dtype) @ W.data + b.data
    if model.hidden == "tanh":
        return 1 - np.tanh(z) ** 2
    if model.hidden == "relu":
        return (z > 0).astype(z.dtype)
    s = Tensor(z).sigmoid().data
    return s * (1 - s)


def plot_xor_run(model, history, title):
    """Two panels: the loss per step (log scale), and the decision regions over the XOR points."""
    from scratchdl.tools.plots import plot_decision_boundary

    X, y = xor()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(history["loss"])
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("binary cross-entropy")
    left.set_title(f"{title}: loss")
    plot_decision_boundary(model, X, y, ax=right, title=f"{title}: accuracy {model.accuracy(X, y):.0%}",
                           resolution=80)
    fig.tight_layout()
    return fig


def xor_explorer():
    """A widget: train a 2-n-1 XOR network (activation, hidden units, seed, learning rate) and
    see its loss and decision regions. The widget's .result is the run's history."""
    import ipywidgets as widgets

    def show(hidden, n_hidden, seed, learning_rate):
        model, history = xor_run(seed, hidden, n_hidden, learning_rate)
        plot_xor_run(model, history, f"{hidden}, {n_hidden} hidden units, seed {seed}")
        plt.show()
        return history

    explorer = widgets.interactive(
        show,
        hidden=widgets.Dropdown(options=list(GraphMLP.HIDDEN), value="relu", description="hidden"),
        n_hidden=widgets.IntSlider(value=2, min=1, max=8, description="units", continuous_update=False),
        seed=widgets.IntSlider(value=0, min=0, max=19, description="seed", continuous_update=False),
        learning_rate=widgets.FloatLogSlider(value=1.0, base=10, min=-2, max=1, step=0.25,
                                             description="learning rate", continuous_update=False),
    )
    explorer.out.layout.min_height = "320px"
    return explorer


# --- the same gradients as chapter 5 -------------------------------------------------------------


def network_graph_loss(net, x, y):
    """Chapter 5's network, rewritten as graph operations on its own parameter arrays.

    Dense layers become x @ W + b, Activation layers the operation of the same name, and the
    loss the graph's version of net.loss (for SigmoidCrossEntropy, the Sigmoid operation and then
    binary_cross_entropy: the graph has no fused operation for it). The Tensors wrap net's arrays
    (no copies).

    Returns:
        (loss, leaves): the loss Tensor, and [(name, Tensor)] in net.named_parameters() order.
    """
    leaves = [(name, Tensor(value, name=name)) for name, value in net.named_parameters()]
    tensors = iter(t for _, t in leaves)
    h = Tensor(np.asarray(x, dtype=net.dtype), name="x")
    for layer in net.layers:
        if isinstance(layer, Dense):
            h = h @ next(tensors) + next(tensors)
        elif isinstance(layer, Activation) and layer.name in ("tanh", "relu", "sigmoid"):
            h = getattr(h, layer.name)()
        elif not (isinstance(layer, Activation) and layer.name == "linear"):
            raise ValueError(f"network_graph_loss knows Dense and tanh/relu/sigmoid/linear "
                             f"activations; got {layer!r}")
    if isinstance(net.loss, SoftmaxCrossEntropy):
        loss = softmax_cross_entropy(h, y)
    elif isinstance(net.loss, BinaryCrossEntropy):
        loss = binary_cross_entropy(h, y)
    elif isinstance(net.loss, SigmoidCrossEntropy):  # the network outputs the logit
        loss = binary_cross_entropy(h.sigmoid(), y)
    elif isinstance(net.loss, MeanSquaredError):
        d = h - np.asarray(y, dtype=net.dtype).reshape(h.shape)
        loss = (d * d).mean()
    else:
        raise ValueError(f"network_graph_loss does not know the loss {net.loss!r}")
    return loss, leaves


def compare_with_backprop(net, x, y):
    """The gradients of chapter 5's hand-written backward and of backward() on the same graph.

    Returns:
        dict: parameter name -> largest absolute difference, plus "loss" -> the difference of
        the two losses.
    """
    value, _ = net.loss_and_gradients(x, y)  # your chapter 5 backward
    by_hand = [g.copy() for g in net.gradients()]
    loss, leaves = network_graph_loss(net, x, y)
    loss.backward()
    differences = {name: float(np.max(np.abs(t.grad - g))) for (name, t), g in zip(leaves, by_hand)}
    differences["loss"] = abs(loss.item() - float(value))
    return differences


def softmax_gradients(logits, labels):
    """The gradient of the mean softmax cross-entropy with respect to the logits, five ways.

    Returns:
        dict: how it was computed -> array of the shape of logits.
    """
    logits = np.asarray(logits, dtype=np.float64)
    n, k = logits.shape
    Y = np.eye(k)[labels]
    fused = Tensor(logits.copy())
    softmax_cross_entropy(fused, labels).backward()
    composed = Tensor(logits.copy())
    naive_softmax_cross_entropy(composed, labels).backward()
    chapter4 = SoftmaxCrossEntropy()
    chapter4(logits.copy(), labels)
    x = logits.copy()
    numeric = numerical_gradient(lambda _: softmax_cross_entropy(Tensor(x), labels).item(), x)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return {
        "fused operation (log-sum-exp)": fused.grad,
        "softmax, then log, from graph operations": composed.grad,
        "chapter 4: SoftmaxCrossEntropy.backward": chapter4.backward(),
        "numerical": numeric,
        # dL/dp = -Y / (n p), times p (1 - p) as if softmax acted on each logit alone
        "softmax treated as elementwise, p * (1 - p)": -Y / (n * p) * p * (1 - p),
    }


# --- deep networks and underflow --------------------------------------------------------------------


def naive_softmax_cross_entropy(logits, labels):
    """The textbook recipe, from graph operations: probabilities p = softmax(logits) first (with
    each row's maximum subtracted, so exp cannot overflow), then -mean(sum(Y * log p)).

    When a probability rounds to 0, log gives -inf, 0 * -inf gives nan, and so does everything
    that backward computes from it.
    """
    k = logits.shape[1]
    Y = np.eye(k, dtype=logits.data.dtype)[labels]  # one-hot rows: a constant
    shifted = logits - logits.data.max(axis=1, keepdims=True)  # a constant shift per row
    e = shifted.exp()
    p = e / e.sum(axis=1, keepdims=True)
    return -(Y * p.log()).sum() / len(labels)


def loss_and_gradient(loss_fn, logits, labels):
    """(loss value, gradient with respect to the logits) of loss_fn, with numpy's warnings silenced
    (the naive loss makes some on purpose)."""
    z = Tensor(np.array(logits))
    with np.errstate(all="ignore"):
        loss = loss_fn(z, labels)
        loss.backward()
    return loss.item(), z.grad


def logit_gaps(logits):
    """For each example, its largest logit minus its smallest: exp(-gap) is the smallest
    probability softmax gives it, which rounds to 0 once the gap passes about 745 in float64 or
    about 104 in float32."""
    logits = np.asarray(logits)
    return logits.max(axis=1) - logits.min(axis=1)


def deep_network(seed, depth=10, width=32, dtype=np.float64):
    """`depth` dense layers (2 -> width -> ... -> width -> 3) with ReLU and He initialisation."""
    return GraphMLP([2] + [width] * (depth - 1) + [3], np.random.default_rng(seed), hidden="relu",
                    init="he_normal", dtype=dtype)


def train_deep(X, y, loss_fn, seed=0, depth=10, dtype=np.float64, steps=300, learning_rate=0.005):
    """Train deep_network(seed, depth, dtype=dtype) on (X, y) with your Adam and `loss_fn`,
    full batch, stopping at the first loss that is not a finite number.

    At every step it also computes the naive loss (softmax, then log) of the same logits: a run
    with the fused loss shows where a naive run would fail, and that the two agree until then.

    Returns:
        dict: "model"; per step "loss", "gap" (the largest logit gap), "naive_loss" and
        "naive_finite"; "failed_at" (the step whose loss was nan or inf, or None) and
        "accuracy" at the end.
    """
    from scratchdl.optimizers import Adam

    model = deep_network(seed, depth, dtype=dtype)
    X = np.asarray(X, dtype=dtype)
    params = model.parameters()
    optimizer = Adam(learning_rate)
    result = {"model": model, "loss": [], "gap": [], "naive_loss": [], "naive_finite": [], "failed_at": None}
    with np.errstate(all="ignore"):  # the naive loss warns when it fails; we report it instead
        for step in range(steps):
            z = model.scores(X)
            loss = loss_fn(z, y)
            result["loss"].append(loss.item())
            result["gap"].append(float(logit_gaps(z.data).max()))
            naive = naive_softmax_cross_entropy(Tensor(z.data), y).item()
            result["naive_loss"].append(naive)
            result["naive_finite"].append(bool(np.isfinite(naive)))
            if not np.isfinite(loss.item()):
                result["failed_at"] = step
                break
            loss.backward()
            optimizer.step([p.data for p in params], [p.grad for p in params])
    result["accuracy"] = model.accuracy(X, y)
    return result


def depth_experiment(X, y, depths, seeds, dtype=np.float32, steps=300):
    """Train deep ReLU networks of several depths with the fused loss, and count the runs in
    which the naive loss would have become nan or inf on the same logits.

    Returns:
        list of dicts, one per depth: "depth", "largest gap" (over every run and step),
        "naive would fail" and "fused failed" (numbers of runs), "accuracy" (mean, at the end).
    """
    rows = []
    for depth in depths:
        runs = [train_deep(X, y, softmax_cross_entropy, seed, depth, dtype, steps) for seed in seeds]
        rows.append({
            "depth": depth,
            "largest gap": max(max(run["gap"]) for run in runs),
            "naive would fail": sum(not all(run["naive_finite"]) for run in runs),
            "fused failed": sum(run["failed_at"] is not None for run in runs),
            "accuracy": float(np.mean([run["accuracy"] for run in runs])),
        })
    return rows


def plot_deep_runs(runs, title):
    """Loss and largest logit gap per step, one line per run ({label: train_deep result})."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for label, run in runs.items():
        steps = np.arange(len(run["loss"]))
        failed = run["failed_at"] is not None
        # A run that failed is drawn thick and on top: until it failed it follows the others.
        style = dict(linewidth=3.0, alpha=0.7, zorder=3) if failed else dict(linewidth=1.5, zorder=2)
        line, = left.plot(steps, np.where(np.isfinite(run["loss"]), run["loss"], np.nan), label=label, **style)
        right.plot(steps, run["gap"], color=line.get_color(), label=label, **style)
        if failed:
            for ax in (left, right):
                ax.axvline(run["failed_at"], color=line.get_color(), linestyle=":", linewidth=1.5)
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("training loss (log scale)")
    left.set_title(f"{title}: loss (dotted: the step it became nan)")
    right.axhline(104, color="0.5", linestyle="--", linewidth=1, label="float32 underflow (about 104)")
    right.set_xlabel("step")
    right.set_ylabel("largest logit gap")
    right.set_title(f"{title}: max(z) - min(z) over the batch")
    left.legend(fontsize=8)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
