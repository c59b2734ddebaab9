"""Yours to write - chapter 9: 9.1 unbroadcast, 9.2 Mul.backward, 9.3 MatMul.backward, 9.4
Sum.backward, 9.5 Exp.backward, 9.6 ReLU.backward, 9.7 topological_order, 9.8 Tensor.backward.

Bonus chapter 9 - automatic differentiation: backpropagation that writes itself.

Chapter 5 derived the backward pass of every layer by hand. Here each *operation* - add,
multiply, matrix product, exp, ... - carries its own short backward rule, and a network is
written as ordinary arithmetic on Tensors:

    x = Tensor(X)                                   # a leaf: an array, made by no operation
    W, b, V = Tensor(W0, "W"), Tensor(b0, "b"), Tensor(V0, "V")
    loss = softmax_cross_entropy((x @ W + b).tanh() @ V, y)
    loss.backward()                                 # fills W.grad, b.grad, V.grad (and x.grad)

Every Tensor remembers the operation that made it and the Tensors it was made from, so the
arithmetic builds a graph as it runs. backward() walks that graph from the loss back to the
leaves, asks each operation for the gradients of its inputs, and adds up whatever reaches each
node: the chain rule, applied mechanically. This is reverse-mode automatic differentiation,
what PyTorch's autograd and JAX's grad do.

An operation looks like a chapter 5 layer without parameters:

    out = op.forward(a, b)              numpy arrays in, a numpy array out; keeps in self
                                        what backward will need
    grad_a, grad_b = op.backward(grad)  grad = dL/d(out), of the shape of out; returns a tuple
                                        with one gradient per input, in the order of the inputs

Broadcasting: numpy lets `x + b` add a bias b of shape (3,) to every row of x, shape (4, 3).
The backward rules of elementwise operations return gradients of the shape of the *output*;
Tensor.backward then sums each one back to the shape of its input with unbroadcast().

Everything is float64 unless the data are float32 already: gradient checks need float64.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.losses import SoftmaxCrossEntropy

# --- broadcasting --------------------------------------------------------------------------


@exercise("9.1")
def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting stretched, so that it has the shape `shape`.

    When numpy combines arrays of different shapes it lines the shapes up from the right, adds
    leading axes of size 1 to the shorter one, and stretches every axis of size 1 to the other
    array's size. An input that was stretched was *used several times*, so its gradient is the
    sum of the gradients of all its copies:

        grad of shape (4, 3), shape (3,)    ->  grad.sum(axis=0)                      (3,)
        grad of shape (4, 3), shape (1, 3)  ->  grad.sum(axis=0, keepdims=True)       (1, 3)
        grad of shape (4, 3), shape (4, 1)  ->  grad.sum(axis=1, keepdims=True)       (4, 1)
        grad of shape (4, 3), shape ()      ->  grad.sum()                            ()
        grad of shape (4, 3), shape (4, 3)  ->  grad, unchanged

    So: first sum over the extra leading axes, until grad has len(shape) axes; then sum with
    keepdims=True over every axis where `shape` has a 1 and grad does not.

    Args:
        grad:  float array, the gradient with respect to a broadcast result.
        shape: tuple of ints, the shape of the input before broadcasting (numpy's rules must
               stretch it to grad.shape).

    Returns:
        float array of shape `shape`.
    """
    raise ExerciseTodo("9.1")


# --- operations ------------------------------------------------------------------------------


class Operation:
    """One kind of node in the graph: forward computes a value, backward the inputs' gradients."""

    symbol = "?"  # how the node is labelled in a picture of the graph

    def __repr__(self):
        return f"{type(self).__name__}()"

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError


class Add(Operation):
    """out = a + b, elementwise (with numpy broadcasting)."""

    symbol = "+"

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        # d(a + b)/da = 1 and d(a + b)/db = 1: the gradient passes through to both unchanged.
        return grad, grad


class Sub(Operation):
    """out = a - b, elementwise (with numpy broadcasting)."""

    symbol = "-"

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, -grad


class Neg(Operation):
    """out = -a."""

    symbol = "neg"

    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Mul(Operation):
    """out = a * b, elementwise (with numpy broadcasting). forward keeps a and b."""

    symbol = "*"

    def __init__(self):
        self.a = self.b = None  # the inputs of the last forward

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    @exercise("9.2")
    def backward(self, grad):
        """The gradients of out = a * b (elementwise) for a and for b, from grad = dL/d(out).

        Each output element is out_ij = a_ij * b_ij, so d out_ij / d a_ij = b_ij and
        d out_ij / d b_ij = a_ij. By the chain rule:

            grad_a = grad * b,    grad_b = grad * a        (elementwise)

        Use the a and b that forward kept (self.a, self.b). Return the gradients with the
        shape of grad: if a or b was broadcast, Tensor.backward sums them back (unbroadcast).

        Args:
            grad: float array, the shape of the output.

        Returns:
            a tuple (grad_a, grad_b) of float arrays.
        """
        raise ExerciseTodo("9.2")


class Div(Operation):
    """out = a / b, elementwise (with numpy broadcasting)."""

    symbol = "/"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, grad):
        # d(a / b)/da = 1 / b,  d(a / b)/db = -a / b**2.
        return grad / self.b, -grad * self.a / self.b**2


class MatMul(Operation):
    """out = a @ b for a of shape (n, k) and b of shape (k, m): the heart of a dense layer.

    forward keeps a and b."""

    symbol = "@"

    def __init__(self):
        self.a = self.b = None  # the inputs of the last forward

    def forward(self, a, b):
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"a @ b needs shapes (n, k) and (k, m); got {a.shape} and {b.shape}")
        self.a, self.b = a, b
        return a @ b

    @exercise("9.3")
    def backward(self, grad):
        """The gradients of out = a @ b for a and for b, from grad = dL/d(out).

        out_ij = sum over l of a_il * b_lj, so a_il reaches every out_ij of row i (through
        b_lj), and b_lj every out_ij of column j (through a_il). Summing those paths gives

            grad_a = grad @ b.T      (n, m) @ (m, k) -> (n, k), the shape of a
            grad_b = a.T @ grad      (k, n) @ (n, m) -> (k, m), the shape of b

        - chapter 5's dx = G @ W.T and dW = x.T @ G, for any two matrices. Use self.a, self.b.

        Args:
            grad: float array of shape (n, m).

        Returns:
            a tuple (grad_a, grad_b): float arrays of shapes (n, k) and (k, m).
        """
        raise ExerciseTodo("9.3")


class Sum(Operation):
    """out = a.sum(axis, keepdims): over every element (axis None), one axis, or a tuple of axes."""

    symbol = "sum"

    def __init__(self, axis=None, keepdims=False):
        self.axis, self.keepdims = axis, keepdims
        self.shape = None  # the input's shape, kept by forward
        self.axes = None  # the summed axes as a sorted tuple of non-negative ints, kept by forward

    def __repr__(self):
        return f"Sum(axis={self.axis}, keepdims={self.keepdims})"

    def forward(self, a):
        axes = range(a.ndim) if self.axis is None else np.atleast_1d(self.axis)
        for axis in axes:
            if not -a.ndim <= axis < a.ndim:
                raise ValueError(f"cannot sum over axis {axis} of an array of shape {a.shape}")
        self.shape = a.shape
        self.axes = tuple(sorted(int(axis) % a.ndim for axis in axes))  # non-negative, in order
        return a.sum(axis=self.axes, keepdims=self.keepdims)

    @exercise("9.4")
    def backward(self, grad):
        """The gradient of out = a.sum(...) for a, from grad = dL/d(out).

        Every element of a is added into exactly one output element, with weight 1, so each
        element of a gets the gradient of the output element it went into: copy grad back
        along the summed axes until it has the shape of a (self.shape).

        With keepdims=False the summed axes are gone from grad - for a of shape (4, 3) summed
        over axis 1, grad has shape (4,). Put them back as axes of size 1 first (np.expand_dims
        with the summed axes, self.axes, which forward stored as non-negative numbers): (4, 1).
        Then np.broadcast_to(grad, self.shape) copies along them. (Without that step numpy
        would line (4,) up with the *last* axis of (4, 3) - the wrong one.) With keepdims=True,
        or when every axis was summed, grad can be broadcast as it is.

        Args:
            grad: float array, the shape of the output.

        Returns:
            a tuple (grad_a,) - note the comma - with grad_a a float array of shape self.shape.
        """
        raise ExerciseTodo("9.4")


class Exp(Operation):
    """out = exp(a), elementwise. forward keeps its result, out."""

    symbol = "exp"

    def __init__(self):
        self.out = None  # exp(a) of the last forward

    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    @exercise("9.5")
    def backward(self, grad):
        """The gradient of out = exp(a) for a, from grad = dL/d(out).

        exp is its own derivative, d exp(a)/da = exp(a), and forward has already computed
        it: self.out. So grad_a = grad * self.out, with no second call to np.exp.

        Args:
            grad: float array, the shape of a.

        Returns:
            a tuple (grad_a,) with grad_a a float array of the shape of a.
        """
        raise ExerciseTodo("9.5")


class Log(Operation):
    """out = log(a), elementwise (the natural logarithm)."""

    symbol = "log"

    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, grad):
        return (grad / self.a,)


class ReLU(Operation):
    """out = max(0, a), elementwise. forward keeps a."""

    symbol = "relu"

    def __init__(self):
        self.a = None  # the input of the last forward

    def forward(self, a):
        self.a = a
        return np.maximum(a, 0)

    @exercise("9.6")
    def backward(self, grad):
        """The gradient of out = relu(a) for a, from grad = dL/d(out).

        relu has slope 1 where a > 0 and slope 0 elsewhere (at a = 0 the course, like PyTorch,
        uses 0). So the gradient passes through where a > 0 and is stopped everywhere else:
        grad_a = grad * (a > 0), with the a kept by forward (self.a).

        Args:
            grad: float array, the shape of a.

        Returns:
            a tuple (grad_a,) with grad_a a float array of the shape of a.
        """
        raise ExerciseTodo("9.6")


class Sigmoid(Operation):
    """out = 1 / (1 + exp(-a)), elementwise, computed as chapter 2's sigmoid is: from
    e = exp(-|a|), which is at most 1, as 1 / (1 + e) where a >= 0 and e / (1 + e) where a < 0.

    Nothing overflows, and for negative a the result keeps its relative precision down to the
    smallest positive number (a of about -745 in float64): e / (1 + e) divides a tiny number by
    about 1. (The other stable form, (1 + tanh(a / 2)) / 2, adds 1 to a tanh that is almost -1
    and loses everything: it is exactly 0 from a of about -38.)
    """

    symbol = "sigmoid"

    def forward(self, a):
        with np.errstate(under="ignore"):  # exp(-1000) is 0 to the last bit: that is the answer
            e = np.exp(-np.abs(a))
            self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, grad):
        return (grad * self.out * (1 - self.out),)


class Tanh(Operation):
    """out = tanh(a), elementwise."""

    symbol = "tanh"

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, grad):
        return (grad * (1 - self.out**2),)


class FusedSoftmaxCrossEntropy(Operation):
    """The mean cross-entropy of softmax(logits) against integer labels, fused into one operation.

    For one example with logits z and label c, -log softmax(z)_c = logsumexp(z) - z_c with
    logsumexp(z) = m + log(sum(exp(z - m))), m = max(z): no exp ever sees a positive number,
    and no probability is rounded to 0 and then passed to log. Its gradient has a short exact
    form, computed from the same shifted numbers:

        dL/dz = (softmax(z) - one_hot(y)) / n

    Building softmax and log out of the graph's own operations gives the same numbers when
    nothing underflows, and -inf or nan when something does (chapter 9, section 9).
    """

    symbol = "softmax\ncross-entropy"

    def __init__(self, labels):
        self.labels = np.asarray(labels)

    def __repr__(self):
        return f"FusedSoftmaxCrossEntropy(labels of shape {self.labels.shape})"

    def forward(self, logits):
        self.labels = SoftmaxCrossEntropy().check_targets(logits, self.labels)  # clear errors for bad labels
        n = len(logits)
        shifted = logits - logits.max(axis=1, keepdims=True)  # the largest logit of each row is now 0
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        return np.asarray(-log_probs[np.arange(n), self.labels].mean())

    def backward(self, grad):
        n = len(self.probs)
        g = self.probs.copy()
        g[np.arange(n), self.labels] -= 1
        return (grad * g / n,)


# --- the graph --------------------------------------------------------------------------------


@exercise("9.7")
def topological_order(root):
    """Every node that `root` depends on (root included), each once, every node after its inputs.

    Visit the graph depth first from root: to place a node, first place each of its inputs
    (recursively), then append the node itself. Keep a set of the nodes already placed (Tensors
    are told apart by identity, so a set of Tensors works) and skip them: in a graph where a
    node is used twice - the diamond  a -> b, a -> c, (b, c) -> d  - it must appear only once,
    or backward would pass its gradient on twice.

        def place(node):
            if node is not placed yet: mark it, place each of node.inputs, append node

    Args:
        root: Tensor, the output of the graph (a loss).

    Returns:
        list of Tensors, leaves first and root last.
    """
    raise ExerciseTodo("9.7")


class Tensor:
    """A node of the graph: an array (data), its gradient (grad), and how it was made.

    A leaf - an input or a parameter - is made by no operation (op is None, no inputs). Every
    other Tensor is the result of an operation on other Tensors, and keeps both.

    Args:
        data:   array-like; stored as a float array (integers become float64).
        name:   optional label for pictures and messages ("W1", "x").
        op:     the Operation that made this node (None for a leaf).
        inputs: the Tensors op was applied to, in order. apply() sets op and inputs; leave
                them out when you make a leaf.
    """

    __array_ufunc__ = None  # numpy arrays defer to Tensor: ndarray + Tensor gives a Tensor

    def __init__(self, data, name=None, op=None, inputs=()):
        data = np.asarray(data)
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        self.data = data
        self.grad = None  # dL/d(data): an array of the shape of data once backward has run
        self.name = name
        self.op = op  # the Operation that made this node, None for a leaf
        self.inputs = tuple(inputs)  # the Tensors op was applied to, in order

    def __repr__(self):
        values = np.array2string(self.data, precision=4, threshold=8, edgeitems=2)
        made = f", op={self.op.symbol!r}" if self.op is not None else ""
        name = f", name={self.name!r}" if self.name else ""
        return f"Tensor({values}{made}{name})"

    @property
    def shape(self):
        return self.data.shape

    def item(self):
        """The value of a one-element Tensor (a loss) as a Python float."""
        return float(self.data)

    # Arithmetic builds the graph. Numbers and arrays become constant leaves.
    def __add__(self, other):
        return apply(Add(), self, other)

    def __radd__(self, other):
        return apply(Add(), other, self)

    def __sub__(self, other):
        return apply(Sub(), self, other)

    def __rsub__(self, other):
        return apply(Sub(), other, self)

    def __neg__(self):
        return apply(Neg(), self)

    def __mul__(self, other):
        return apply(Mul(), self, other)

    def __rmul__(self, other):
        return apply(Mul(), other, self)

    def __truediv__(self, other):
        return apply(Div(), self, other)

    def __rtruediv__(self, other):
        return apply(Div(), other, self)

    def __matmul__(self, other):
        return apply(MatMul(), self, other)

    def __rmatmul__(self, other):
        return apply(MatMul(), other, self)

    def sum(self, axis=None, keepdims=False):
        return apply(Sum(axis, keepdims), self)

    def mean(self, axis=None, keepdims=False):
        """The mean as sum / count: built from two operations, so it needs no backward rule."""
        total = self.sum(axis, keepdims)
        return total / (self.data.size // max(total.data.size, 1))

    def exp(self):
        return apply(Exp(), self)

    def log(self):
        return apply(Log(), self)

    def relu(self):
        return apply(ReLU(), self)

    def sigmoid(self):
        return apply(Sigmoid(), self)

    def tanh(self):
        return apply(Tanh(), self)

    @exercise("9.8")
    def backward(self):
        """Backpropagation through the whole graph: fill .grad of every node that self depends on.

        1. order = topological_order(self): every node of the graph once, each after its inputs.
        2. Set every node's grad to zeros (np.zeros_like(node.data)), so that calling backward
           twice gives the same gradients, not twice them.
        3. Seed: the gradient of self with respect to itself is 1, so self.grad = np.ones_like(
           self.data). (For a Tensor with several elements this gives the gradient of their sum.)
        4. Walk the order backwards, from self to the leaves. By the time a node is reached,
           every node that uses it has already passed its gradient back, so node.grad is
           complete. For a node made by an operation, grads = node.op.backward(node.grad) gives
           one gradient per input; add each to its input's grad, summed back to the input's
           shape:   inp.grad += unbroadcast(g, inp.data.shape)

        Add (+=), never assign: a node used twice - h in h * h, or x in a residual x + f(x) -
        receives a gradient along each path, and its gradient is their sum.

        Returns:
            None; the gradients are in the .grad of every node, in place.
        """
        raise ExerciseTodo("9.8")


def as_tensor(x):
    """x itself if it is a Tensor, else a constant leaf holding x."""
    return x if isinstance(x, Tensor) else Tensor(x)


def apply(op, *inputs):
    """Run `op` forward on the values of `inputs`; return the result as a new node that
    remembers op and its inputs (numbers and arrays among them become constant leaves)."""
    inputs = tuple(as_tensor(x) for x in inputs)
    return Tensor(op.forward(*(t.data for t in inputs)), op=op, inputs=inputs)


# --- functions built from the operations ---------------------------------------------------


def softmax_cross_entropy(logits, labels):
    """The mean cross-entropy of softmax(logits) against integer labels, from log-sum-exp.

    Args:
        logits: Tensor of shape (n, k).
        labels: int array of shape (n,), each in 0..k-1.

    Returns:
        Tensor of shape (): the loss.
    """
    return apply(FusedSoftmaxCrossEntropy(labels), logits)


def binary_cross_entropy(p, y):
    """-mean(y log p + (1 - y) log(1 - p)), written with the graph's operations.

    Nobody wrote a backward rule for it: backward() derives one from those of Mul, Sub, Log and
    Sum. (It needs p strictly between 0 and 1; chapter 4's version clips p.)

    Args:
        p: Tensor of shape (n, 1), probabilities (a sigmoid's output).
        y: array of shape (n,) or (n, 1), labels 0 or 1.

    Returns:
        Tensor of shape (): the loss.
    """
    y = np.asarray(y, dtype=p.data.dtype).reshape(p.shape)
    return -(y * p.log() + (1 - y) * (1 - p).log()).mean()
