"""Chapter 9, autograd: the checks name the mistakes learners make, every operation passes a
numerical gradient check below 1e-7 in float64 (with broadcasting, and with a node used twice),
and the engine refuses bad input with a clear message."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.autograd import (
    Add,
    Div,
    Exp,
    Log,
    MatMul,
    Mul,
    Neg,
    ReLU,
    Sigmoid,
    FusedSoftmaxCrossEntropy,
    Sub,
    Sum,
    Tanh,
    Tensor,
    binary_cross_entropy,
    softmax_cross_entropy,
    topological_order,
    unbroadcast,
)
from scratchdl.gradcheck import relative_error
from scratchdl.course.numeric import central_differences


# --- 9.1 unbroadcast
def _stretched(grad, shape):
    return tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)


def unbroadcast_mean(grad, shape):
    grad = grad.mean(axis=tuple(range(grad.ndim - len(shape))))
    return grad.mean(axis=_stretched(grad, shape), keepdims=True)


def unbroadcast_without_keepdims(grad, shape):
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    return grad.sum(axis=_stretched(grad, shape))


def unbroadcast_leading_axes_only(grad, shape):
    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))


def unbroadcast_always_axis_0(grad, shape):
    return grad if grad.shape == tuple(shape) else grad.sum(axis=0)


def unbroadcast_from_the_left(grad, shape):
    grad = grad.sum(axis=tuple(range(len(shape), grad.ndim)))  # shapes lined up from the left
    return grad.sum(axis=_stretched(grad, shape), keepdims=True)


def unbroadcast_keepdims_everywhere(grad, shape):
    # keepdims=True on the leading axes too: (4, 3) -> (1, 3) where (3,) was wanted
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra)), keepdims=True)
    for i, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=extra + i, keepdims=True)
    return grad


def unbroadcast_size_one_axes_first(grad, shape):
    for i, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=i, keepdims=True)  # i counts shape's axes, not grad's
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


# --- 9.2 Mul.backward
def mul_swapped(self, grad):
    return grad * self.a, grad * self.b


def mul_without_grad(self, grad):
    return self.b, self.a


def mul_like_add(self, grad):
    return grad, grad


def mul_in_place(self, grad):
    grad_b = grad * self.a
    grad *= self.b
    return grad, grad_b


def mul_by_both(self, grad):
    return grad * self.a * self.b, grad * self.a * self.b


def mul_one_gradient(self, grad):
    return grad * self.b  # only a's gradient, as if b were a constant


def mul_like_matmul(self, grad):
    return grad @ self.b.T, self.a.T @ grad  # chapter 5's dense-layer rule


# --- 9.3 MatMul.backward
def matmul_transposed(self, grad):
    return grad @ self.b.T, grad.T @ self.a


def matmul_swapped(self, grad):
    return self.a.T @ grad, grad @ self.b.T


def matmul_elementwise(self, grad):
    return grad * self.b, self.a * grad


def matmul_averaged(self, grad):
    n = len(grad)
    return grad @ self.b.T / n, self.a.T @ grad / n


def matmul_without_transposes(self, grad):
    return grad @ self.b, self.a @ grad


def matmul_both_transposed(self, grad):
    return self.b @ grad.T, grad.T @ self.a


def matmul_one_gradient(self, grad):
    return grad @ self.b.T  # dx only, as for a layer's input


# --- 9.4 Sum.backward
def sum_grad_unchanged(self, grad):
    return (grad,)


def sum_like_mean(self, grad):
    if not self.keepdims:
        grad = np.expand_dims(grad, self.axes)
    count = int(np.prod(self.shape)) // grad.size
    return (np.broadcast_to(grad, self.shape) / count,)


def sum_without_expanding(self, grad):
    return (np.broadcast_to(grad, self.shape),)


def sum_bare_array(self, grad):
    if not self.keepdims:
        grad = np.expand_dims(grad, self.axes)
    return np.broadcast_to(grad, self.shape)


def sum_without_grad(self, grad):
    return (np.ones(self.shape),)


def sum_ones_times_grad(self, grad):
    # right values, but np.ones is float64: float32 comes back as float64
    if not self.keepdims:
        grad = np.expand_dims(grad, self.axes)
    return (np.ones(self.shape) * grad,)


def sum_expands_self_axis(self, grad):
    if not self.keepdims:
        grad = np.expand_dims(grad, self.axis)  # None when every axis was summed
    return (np.broadcast_to(grad, self.shape),)


def sum_always_expanding(self, grad):
    grad = np.expand_dims(grad, self.axes)  # also when keepdims kept the axes
    return (np.broadcast_to(grad, self.shape),)


# --- 9.5 Exp.backward
def exp_without_grad(self, grad):
    return (self.out,)


def exp_of_the_output(self, grad):
    return (grad * np.exp(self.out),)


def exp_from_the_input(self, grad):
    return (grad * np.exp(self.a),)  # forward kept only self.out


def exp_in_place(self, grad):
    grad *= self.out
    return (grad,)


def exp_into_the_output(self, grad):
    self.out *= grad  # overwrites what forward kept
    return (self.out,)


def exp_without_comma(self, grad):
    return (grad * self.out)  # parentheses, but no comma: not a tuple


# --- 9.6 ReLU.backward
def relu_at_zero(self, grad):
    return (grad * (self.a >= 0),)


def relu_mask_only(self, grad):
    return ((self.a > 0).astype(float),)


def relu_times_value(self, grad):
    return (grad * np.maximum(self.a, 0),)


def relu_mask_from_grad(self, grad):
    return (grad * (grad > 0),)


def relu_in_place(self, grad):
    # CS231n's dx = dout; dx[x <= 0] = 0 - and dout is the caller's array
    grad[self.a <= 0] = 0
    return (grad,)


def relu_float_mask(self, grad):
    return (grad * (self.a > 0).astype(float),)


def relu_without_comma(self, grad):
    return grad * (self.a > 0)


# --- 9.7 topological_order
def order_without_visited(root):
    order = []

    def place(node):
        for inp in node.inputs:
            place(inp)
        order.append(node)

    place(root)
    return order


def order_node_before_inputs(root):
    order, placed = [], set()

    def place(node):
        if node not in placed:
            placed.add(node)
            order.append(node)
            for inp in node.inputs:
                place(inp)

    place(root)
    return order


def order_direct_inputs_only(root):
    return list(dict.fromkeys(root.inputs)) + [root]


def order_without_root(root):
    order, placed = [], set()

    def place(node):
        if node not in placed:
            placed.add(node)
            for inp in node.inputs:
                place(inp)
            order.append(node)

    for inp in root.inputs:
        place(inp)
    return order


def order_by_distance_from_root(root):
    # Breadth first from the root, then reversed: looks right, but a node reached early by a
    # short path (a skip connection) can end up after a node that uses it.
    levels, seen, frontier = [], {root}, [root]
    while frontier:
        levels.append(frontier)
        following = []
        for node in frontier:
            for inp in node.inputs:
                if inp not in seen:
                    seen.add(inp)
                    following.append(inp)
        frontier = following
    return [node for level in reversed(levels) for node in level]


def order_root_first(root):
    # right order, then reversed "because backward starts at the root"
    order, placed = [], set()

    def place(node):
        if node not in placed:
            placed.add(node)
            for inp in node.inputs:
                place(inp)
            order.append(node)

    place(root)
    return order[::-1]


def order_as_generator(root):
    placed = set()

    def place(node):
        if node not in placed:
            placed.add(node)
            for inp in node.inputs:
                yield from place(inp)
            yield node

    yield from place(root)


def order_with_default_list(root, order=[], placed=set()):  # noqa: B006 - the mistake itself
    def place(node):
        if node not in placed:
            placed.add(node)
            for inp in node.inputs:
                place(inp)
            order.append(node)

    place(root)
    return order


# --- 9.8 Tensor.backward
def _backward(root, *, add=True, reduce=True, backwards=True, seed=True, zero=True, skip_leaves=True):
    """Tensor.backward with one step done wrong (each keyword switches one step off)."""
    order = topological_order(root)
    if zero:
        for node in order:
            node.grad = np.zeros_like(node.data)
    if seed:
        root.grad = np.ones_like(root.data)
    for node in reversed(order) if backwards else order:
        if node.op is None and skip_leaves:
            continue
        for inp, g in zip(node.inputs, node.op.backward(node.grad)):
            g = unbroadcast(g, inp.data.shape) if reduce else g
            if add:
                inp.grad += g
            else:
                inp.grad = g


def backward_seeded_with_one(self):
    order = topological_order(self)
    for node in order:
        node.grad = np.zeros_like(node.data)
    self.grad = 1  # right for a scalar loss only
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                inp.grad += unbroadcast(g, inp.data.shape)


def backward_with_float64_zeros(self):
    order = topological_order(self)
    for node in order:
        node.grad = np.zeros(node.data.shape)  # float64, whatever node.data is
    self.grad = np.ones(self.data.shape)
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                inp.grad += unbroadcast(g, inp.data.shape)


def backward_accumulating_like_pytorch(self):
    # a gradient is created the first time it is needed and added to ever after
    order = topological_order(self)
    self.grad = np.ones_like(self.data)
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                g = unbroadcast(g, inp.data.shape)
                inp.grad = g if inp.grad is None else inp.grad + g


def backward_assigning(self):
    _backward(self, add=False)


def backward_without_unbroadcast(self):
    _backward(self, reduce=False)


def backward_in_forward_order(self):
    _backward(self, backwards=False)


def backward_without_seed(self):
    _backward(self, seed=False)


def backward_without_zeroing(self):
    _backward(self, zero=False)


def backward_zeroing_only_once(self):
    # zeroes a gradient only when there is none yet: a second call adds to the first one's
    order = topological_order(self)
    for node in order:
        if node.grad is None:
            node.grad = np.zeros_like(node.data)
    self.grad = np.ones_like(self.data)
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                inp.grad += unbroadcast(g, inp.data.shape)


def backward_reducing_by_the_mean(self):
    # its own reduction in place of unbroadcast: a mean over the broadcast copies
    order = topological_order(self)
    for node in order:
        node.grad = np.zeros_like(node.data)
    self.grad = np.ones_like(self.data)
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                while g.ndim > inp.data.ndim:
                    g = g.mean(axis=0)
                inp.grad += g


def backward_into_leaves(self):
    _backward(self, skip_leaves=False)


def backward_assigning_new_arrays(self):
    # grad = grad + g instead of unbroadcast: the bias's gradient silently takes the output's shape
    order = topological_order(self)
    for node in order:
        node.grad = np.zeros_like(node.data)
    self.grad = np.ones_like(self.data)
    for node in reversed(order):
        if node.op is not None:
            for inp, g in zip(node.inputs, node.op.backward(node.grad)):
                inp.grad = inp.grad + g


MISTAKES = [
    ("9.1", unbroadcast_mean, r"you took the mean over the stretched axes; take the sum"),
    ("9.1", unbroadcast_without_keepdims, r"axes of size 1 must stay: sum over them with keepdims=True"),
    ("9.1", unbroadcast_leading_axes_only, r"with keepdims=True over every axis where shape has a 1 \(those axes were stretched too\)"),
    ("9.1", unbroadcast_always_axis_0, r"you always sum over axis 0"),
    ("9.1", unbroadcast_from_the_left, r"you summed over the last axes\. numpy lines shapes up from the right"),
    ("9.1", unbroadcast_keepdims_everywhere, r"leading (axis|axes) that broadcasting added must go, not stay as axes of size 1.*without keepdims"),
    ("9.1", unbroadcast_size_one_axes_first, r"before the leading axes were gone, so shape's axis numbers pointed at the wrong axes"),
    ("9.2", mul_swapped, r"grad times the \*other\* input"),
    ("9.2", mul_without_grad, r"you left out grad"),
    ("9.2", mul_like_add, r"rule of addition"),
    ("9.2", mul_in_place, r"changed its input array in place.*grad \*= self\.b writes into grad"),
    ("9.2", mul_by_both, r"multiply grad by the other input only, not by both"),
    ("9.2", mul_one_gradient, r"returned a bare array .*\(grad_a, grad_b\)"),
    ("9.2", mul_like_matmul, r"rule of the matrix product .*Mul is elementwise"),
    ("9.3", matmul_transposed, r"transpose of the right gradient .*grad_b = a\.T @ grad"),
    ("9.3", matmul_swapped, r"in the order of the inputs: \(grad_a, grad_b\)"),
    ("9.3", matmul_elementwise, r"uses matrix products, not the elementwise \*"),
    ("9.3", matmul_averaged, r"do not divide by n"),
    ("9.3", matmul_without_transposes, r"grad_a = grad @ b\.T, \(5, 4\) @ \(4, 3\).*Check which factor is transposed"),
    ("9.3", matmul_both_transposed, r"transpose of the right gradient \(shape \(3, 5\)"),
    ("9.3", matmul_one_gradient, r"returned a bare array of shape \(5, 3\).*\(grad_a, grad_b\)"),
    ("9.4", sum_grad_unchanged, r"must have the shape of a, \(4, 3\): copy grad along the summed axes"),
    ("9.4", sum_like_mean, r"rule of the mean"),
    ("9.4", sum_without_expanding, r"put the summed axes back as axes of size 1|copied along the wrong axis"),
    ("9.4", sum_bare_array, r"a bare array of shape \(4, 3\)\. backward returns a tuple .*\(grad_a,\) - note the comma"),
    ("9.4", sum_without_grad, r"you left out grad: each element of a gets the gradient of the output element"),
    ("9.4", sum_ones_times_grad, r"float32 .*np\.ones\(self\.shape\) is float64"),
    ("9.4", sum_expands_self_axis, r"self\.axis is None when every axis is summed: use self\.axes"),
    ("9.4", sum_always_expanding, r"with keepdims=True the summed axes are still in grad.*only when keepdims is False"),
    ("9.5", exp_without_grad, r"you left out grad"),
    ("9.5", exp_of_the_output, r"np\.exp\(self\.out\) is exp\(exp\(a\)\)"),
    ("9.5", exp_from_the_input, r"forward kept only self\.out = exp\(a\)"),
    ("9.5", exp_in_place, r"changed its input array in place.*grad \*= self\.out writes into grad"),
    ("9.5", exp_into_the_output, r"changed self\.out, the array forward kept, in place"),
    ("9.5", exp_without_comma, r"a bare array of shape \(3, 4\).*\(grad_a,\) - note the comma"),
    ("9.6", relu_in_place, r"changed its input array in place.*grad\[self\.a <= 0\] = 0 writes into grad"),
    ("9.6", relu_at_zero, r"compare with a > 0, not a >= 0"),
    ("9.6", relu_mask_only, r"the mask alone: multiply it by grad"),
    ("9.6", relu_times_value, r"multiplied by relu\(a\), the value"),
    ("9.6", relu_mask_from_grad, r"mask must come from the input a"),
    ("9.6", relu_without_comma, r"a bare array of shape \(3, 4\).*\(grad_a,\) - note the comma"),
    ("9.6", relu_float_mask, r"float32 .*\.astype\(float\) is a float64 mask"),
    ("9.7", order_without_visited, r"node a appears \d times.*keep a set of the nodes already placed"),
    ("9.7", order_node_before_inputs, r"comes before its input .*after all of its inputs"),
    ("9.7", order_direct_inputs_only, r"are missing\. Place the inputs' inputs too, recursively"),
    ("9.7", order_without_root, r"the root e itself is missing"),
    ("9.7", order_by_distance_from_root, r"out comes before its input h3|x comes before|comes before its input"),
    ("9.7", order_root_first, r"the order read backwards, the root first"),
    ("9.7", order_as_generator, r"returned generator.*A yield makes the function a generator"),
    ("9.7", order_with_default_list, r"nodes of the graph of an earlier call.*default argument such as order=\[\]"),
    ("9.8", backward_assigning, r"a node used twice gets a gradient along each path: add them up, inp\.grad \+="),
    ("9.8", backward_without_unbroadcast, r"Sum it back first: inp\.grad \+= unbroadcast"),
    ("9.8", backward_assigning_new_arrays, r"b\.grad has shape \(4, 3\), but b has shape \(3,\).*unbroadcast"),
    ("9.8", backward_reducing_by_the_mean, r"b was broadcast to 4 copies, and its gradient is the sum over them, not the mean"),
    ("9.8", backward_in_forward_order, r"walk the order \*backwards\*"),
    ("9.8", backward_without_seed, r"seed the output with self\.grad = np\.ones_like"),
    ("9.8", backward_without_zeroing, r"a gradient is None\. Set every node's grad to np\.zeros_like\(node\.data\) before the loop"),
    ("9.8", backward_zeroing_only_once, r"second backward\(\) on the same graph changed x\.grad.*Set every node's grad to zeros"),
    ("9.8", backward_accumulating_like_pytorch, r"second backward\(\) on the same graph changed x\.grad.*PyTorch accumulates; this course's backward does not"),
    ("9.8", backward_seeded_with_one, r"seeded the output's gradient with a number \(self\.grad = 1\).*np\.ones_like\(self\.data\)"),
    ("9.8", backward_with_float64_zeros, r"float32.*np\.zeros\(node\.data\.shape\) and np\.ones\(self\.data\.shape\) are float64"),
    ("9.8", backward_into_leaves, r"a leaf .* has no operation: node\.op is None\. Skip leaves"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


# --- every operation passes a numerical gradient check below 1e-7 (float64) ----------------------


def _cases():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    row, column = rng.normal(size=(3,)), rng.normal(size=(4, 1))
    away = np.where(np.abs(A) < 0.1, 0.5, A)
    positive = rng.uniform(0.5, 2.0, size=(4, 3))
    labels = np.array([0, 3, 1, 1, 2])
    t = np.array([0, 1, 1, 0, 1])
    return {
        "add, broadcast row": (lambda a, b: a + b, [A, row]),
        "add, scalar": (lambda a: a + 2.5, [A]),
        "radd from an ndarray": (lambda a: B + a, [A]),
        "sub, broadcast column": (lambda a, b: a - b, [A, column]),
        "rsub": (lambda a: 1.0 - a, [A]),
        "neg": (lambda a: -a, [A]),
        "mul": (lambda a, b: a * b, [A, B]),
        "mul, broadcast row": (lambda a, b: a * b, [A, row]),
        "mul, (4, 1) by (1, 3)": (lambda a, b: a * b, [column, row.reshape(1, 3)]),
        "mul, node used twice": (lambda a: a * a, [A]),
        "div": (lambda a, b: a / b, [A, positive]),
        "rtruediv": (lambda b: 1.0 / b, [positive]),
        "matmul": (lambda a, b: a @ b, [A, rng.normal(size=(3, 2))]),
        "matmul, ndarray on the left": (lambda b: A @ b, [rng.normal(size=(3, 2))]),
        "sum": (lambda a: a.sum(), [A]),
        "sum axis 0": (lambda a: a.sum(axis=0), [A]),
        "sum axis -1 keepdims": (lambda a: a.sum(axis=-1, keepdims=True), [A]),
        "sum of a 3-D array over (0, 2)": (lambda a: a.sum(axis=(0, 2)), [rng.normal(size=(2, 3, 4))]),
        "mean": (lambda a: a.mean(), [A]),
        "mean axis 1": (lambda a: a.mean(axis=1), [A]),
        "exp": (lambda a: a.exp(), [A]),
        "log": (lambda a: a.log(), [positive]),
        "relu": (lambda a: a.relu(), [away]),
        "sigmoid": (lambda a: a.sigmoid(), [3 * A]),
        "tanh": (lambda a: a.tanh(), [A]),
        "softmax cross-entropy": (lambda z: softmax_cross_entropy(z, labels), [3 * rng.normal(size=(5, 4))]),
        "binary cross-entropy": (lambda p: binary_cross_entropy(p, t), [rng.uniform(0.1, 0.9, size=(5, 1))]),
        "a node used three times": (lambda a: a.tanh() * a + a, [A]),
        "a diamond: one input, two paths": (lambda a: (a.exp() + a.tanh()) * a.sigmoid(), [A]),
        "a layer: tanh(x @ W + b)": (lambda W, b: (B[:, :3] @ W + b).tanh(), [rng.normal(size=(3, 5)), rng.normal(size=(5,))]),
    }


CASES = _cases()


@pytest.mark.parametrize("name", CASES)
def test_every_operation_passes_a_numerical_gradient_check(name):
    f, arrays = CASES[name]
    rng = np.random.default_rng(1)
    G = rng.normal(size=np.shape(f(*[Tensor(a) for a in arrays]).data))
    leaves = [Tensor(a.copy()) for a in arrays]
    (f(*leaves) * G).sum().backward()
    for i, leaf in enumerate(leaves):
        x = arrays[i].copy()  # nudged by central_differences, the other inputs stay as they are
        inputs = [x if j == i else a for j, a in enumerate(arrays)]
        numeric = central_differences(lambda: float((f(*[Tensor(a) for a in inputs]) * G).sum().data), x)
        assert leaf.grad.shape == x.shape
        assert relative_error(leaf.grad, numeric) < 1e-7, name


def test_every_operation_class_is_covered_by_the_gradient_checks():
    made = set()
    for f, arrays in CASES.values():
        made |= {type(node.op) for node in topological_order(f(*[Tensor(a) for a in arrays])) if node.op is not None}
    assert made >= {Add, Sub, Neg, Mul, Div, MatMul, Sum, Exp, Log, ReLU, Sigmoid, Tanh, FusedSoftmaxCrossEntropy}


# --- the engine's behaviour ----------------------------------------------------------------------


def test_a_node_used_twice_gets_the_sum_of_both_paths():
    a = Tensor([1.5, -2.0])
    (a * a).sum().backward()
    assert np.allclose(a.grad, [3.0, -4.0])  # d(a^2)/da = 2a, not a


def test_a_broadcast_bias_gets_its_gradient_summed_to_its_own_shape():
    x, b = Tensor(np.ones((4, 3))), Tensor(np.zeros(3))
    (x + b).sum().backward()
    assert b.grad.shape == (3,) and np.array_equal(b.grad, [4.0, 4.0, 4.0])


def test_backward_twice_gives_the_same_gradients_and_leaves_start_without_one():
    w = Tensor([[0.5, -1.0]])
    assert w.grad is None
    loss = (w * w).sum()
    loss.backward()
    first = w.grad.copy()
    loss.backward()
    assert np.array_equal(w.grad, first)


def test_numpy_arrays_on_the_left_give_tensors():
    t = Tensor([1.0, 2.0])
    for result in (np.ones(2) + t, np.ones(2) * t, np.ones(2) - t, np.ones((3, 2)) @ Tensor(np.ones((2, 1)))):
        assert isinstance(result, Tensor)


def test_data_types_integers_become_float64_and_float32_stays():
    assert Tensor([1, 2]).data.dtype == np.float64
    x = Tensor(np.ones((2, 3), dtype=np.float32))
    W = Tensor(np.ones((3, 2), dtype=np.float32))
    out = (x @ W).relu().tanh()
    assert out.data.dtype == np.float32
    out.sum().backward()
    assert W.grad.dtype == np.float32


def test_mean_and_sum_values():
    a = Tensor(np.arange(6.0).reshape(2, 3))
    assert a.mean().item() == 2.5
    assert np.array_equal(a.mean(axis=0).data, [1.5, 2.5, 3.5])
    assert np.array_equal(a.sum(axis=1, keepdims=True).data, [[3.0], [12.0]])


def test_the_fused_softmax_cross_entropy_is_finite_for_huge_logits():
    z = Tensor([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 5.0]])
    loss = softmax_cross_entropy(z, np.array([0, 0]))
    loss.backward()
    # -log p: the first row's label wins by far (loss 0), the second loses by 2000.
    assert loss.item() == pytest.approx(2000.0 / 2)
    assert np.allclose(z.grad, [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]])


def test_sigmoid_never_overflows():
    with np.errstate(all="raise"):
        s = Tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    assert np.array_equal(s.data, [0.0, 0.5, 1.0])


@pytest.mark.parametrize("make, message", [
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), r"a @ b needs shapes \(n, k\) and \(k, m\); got \(2, 3\) and \(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones((3, 1))), r"a @ b needs shapes \(n, k\) and \(k, m\); got \(3,\) and \(3, 1\)"),
    (lambda: Tensor(np.ones((2, 3))).sum(axis=2), r"cannot sum over axis 2 of an array of shape \(2, 3\)"),
    (lambda: softmax_cross_entropy(Tensor(np.zeros((2, 3))), np.array([0, 3])), r"class labels must be in 0\.\.2"),
    (lambda: softmax_cross_entropy(Tensor(np.zeros((2, 3))), np.eye(3)[:2]), r"one-hot rows\? pass y\.argmax\(axis=1\)"),
])
def test_bad_input_is_refused_with_what_was_expected(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_topological_order_places_every_node_once_after_its_inputs():
    a = Tensor(2.0, name="a")
    b = a.exp()
    c = a.tanh()
    d = b * c + a
    order = topological_order(d)
    assert len(order) == len({id(n) for n in order}) == 5  # a, exp, tanh, *, + - and a only once
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(i)] < position[id(n)] for n in order for i in n.inputs)
    assert order[-1] is d
