"""Checks for scratchdl/autograd.py: unbroadcast (9.1), five backward rules (9.2-9.6), the
topological order (9.7) and the backward pass (9.8).

Each backward rule is judged on its own operation, with the operation's forward (which is not an
exercise) run first, against the checks' own numerical gradient of sum(forward(...) * G) for a
random G. The backward pass is judged on stand-in operations defined here, with the checks' own
unbroadcast and topological order standing in for yours, so that each check judges one exercise.
"""

import re

import numpy as np

from scratchdl.autograd import Exp, MatMul, Mul, Operation, ReLU, Sum, Tensor, apply, topological_order, unbroadcast
from scratchdl.course.checks import CheckFailed, check_for
from scratchdl.course.expect import (
    Mistake,
    call,
    call_twice,
    describe_error,
    differences,
    expect,
    expect_array,
    expect_close,
    expect_dtype_kept,
    expect_same_again,
    short,
)
from scratchdl.course.numeric import central_differences
from scratchdl.course.exercises import ExerciseTodo, substitute

TOLERANCE = dict(rtol=1e-6, atol=1e-7)  # numerical gradients of float64 code agree far better


def _as_array(x):
    """numpy scalars (np.float64) are fine wherever an array of shape () is expected."""
    return np.asarray(x) if isinstance(x, np.generic) else x


# --- 9.1 unbroadcast ------------------------------------------------------------------------------


def _reduced_truth(grad, shape):
    """The gradient of sum(grad * broadcast_to(x, grad.shape)) with respect to x of `shape`:
    what unbroadcast must return, found without knowing which axes were stretched."""
    x = np.zeros(shape)
    return central_differences(lambda: float(np.sum(grad * np.broadcast_to(x, grad.shape))), x)


def _size_one_axes_first(grad, shape):
    """What unbroadcast gives when it sums over the axes where shape has a 1 *before* the
    leading axes are gone: shape's axis numbers then point at the wrong axes of grad."""
    grad = grad.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True)
    return grad.sum(axis=tuple(range(grad.ndim - len(shape))))


def _unbroadcast_mistakes(grad, shape, right):
    leading = grad.ndim - len(shape)
    kept = tuple(s for s in shape if s != 1)
    count = grad.size // max(int(np.prod(shape)), 1)
    from_left = tuple(range(len(shape), grad.ndim))
    axes = "axis" if leading == 1 else "axes"
    return [
        Mistake(lambda g: leading > 0 and g.shape == (1,) * leading + tuple(shape)
                and np.allclose(g.reshape(shape), right), f"the {leading} leading {axes} that "
                f"broadcasting added must go, not stay as axes of size 1 (shape {(1,) * leading + tuple(shape)}, "
                f"not {shape}): sum over them without keepdims. keepdims=True is only for the "
                "axes where shape has a 1."),
        Mistake(lambda g: leading > 0 and 1 in shape and g.shape != tuple(shape)
                and np.allclose(g, _size_one_axes_first(grad, shape)), f"you summed over the axes "
                f"where shape has a 1 before the leading axes were gone, so shape's axis numbers "
                f"pointed at the wrong axes of grad ({grad.shape} has {leading} more {axes} than "
                f"{shape}). Sum away the leading axes first, then the axes where shape has a 1 "
                "(or add grad.ndim - len(shape) to each of their numbers)."),
        Mistake(lambda g: g.shape == grad.shape and np.allclose(g, grad), f"you returned grad "
                f"unchanged, shape {grad.shape}; it must be summed down to {shape}"
                + (", over the leading axes that broadcasting added" if leading else "")
                + (", and with keepdims=True over every axis where shape has a 1 (those axes were "
                   "stretched too)" if 1 in shape else "") + "."),
        Mistake(lambda g: g.shape == right.shape and np.allclose(g * count, right), "you took the "
                "mean over the stretched axes; take the sum: every copy of a stretched element "
                "used it once, and each copy's gradient counts in full."),
        Mistake(lambda g: kept != shape and g.shape == kept and np.allclose(g, right.reshape(kept)),
                f"the axes of size 1 must stay: sum over them with keepdims=True, so that the "
                f"result has shape {shape}, not {kept}."),
        Mistake(lambda g: len(shape) > 0 and g.shape == grad.sum(axis=0).shape and g.shape != shape
                and np.allclose(g, grad.sum(axis=0)), "you always sum over axis 0, which is right "
                "only for a bias of shape (k,) under an (n, k) gradient. Which axes to sum depends "
                "on the two shapes: the leading axes grad has in excess, then every axis where "
                "shape has a 1."),
        Mistake(lambda g: leading > 0 and g.shape == grad.shape[leading:] and 1 in shape,
                f"you summed over the leading axes only. An axis where shape has a 1 was "
                f"stretched too (shape {shape} under grad {grad.shape}): sum over it as well, "
                "with keepdims=True."),
        Mistake(lambda g: from_left and g.shape == grad.shape[:len(shape)]
                and np.allclose(g, grad.sum(axis=from_left)), "you summed over the last axes. "
                "numpy lines shapes up from the right, so the axes broadcasting adds are the "
                "leading ones: sum over the first grad.ndim - len(shape) axes."),
    ]


@check_for(
    "9.1", "autograd.unbroadcast",
    hints=(
        "An input that was broadcast was used once per copy, so its gradient adds up the "
        "gradients of all its copies. Which axes of grad are copies? Line the two shapes up "
        "from the right, as numpy does, and compare them axis by axis.",
        "Two steps. Broadcasting adds axes at the front: sum grad over its first k = "
        "grad.ndim - len(shape) axes (np.sum takes a tuple of axes, and tuple(range(k)) is the "
        "first k). Then find, with enumerate(shape), the axes where shape has a 1 and grad does "
        "not, and sum over them with keepdims=True so that they stay as axes of size 1.",
    ),
)
def check_unbroadcast():
    """sums over the axes broadcasting added in front: (4, 3) -> (3,), (2, 4, 3) -> (4, 1)
    sums with keepdims over stretched axes of size 1: (4, 3) -> (1, 3) and (4, 1)
    a scalar's gradient is the sum of everything; an unstretched gradient comes back unchanged
    leaves grad unchanged, gives the same answer when called twice, keeps float32 as float32"""
    rng = np.random.default_rng(9)
    cases = [((4, 3), (3,)), ((4, 3), (4, 1)), ((4, 3), (1, 3)), ((2, 4, 3), (4, 1)),
             ((2, 4, 3), (2, 1, 3)), ((4, 3), ()), ((4, 3), (4, 3))]
    for grad_shape, shape in cases:
        grad = rng.normal(size=grad_shape)
        what = f"unbroadcast(grad, {shape}) for grad of shape {grad_shape}"
        got = _as_array(call_twice(what, unbroadcast, grad.copy(), shape))
        expect(got is not None, f"{what} returned None; return the summed gradient.")
        expect_array(got, what)
        right = _reduced_truth(grad, shape)
        expect_close(got, right, what, inputs={"grad": grad},
                     mistakes=_unbroadcast_mistakes(grad, shape, right), **TOLERANCE)
    grad = rng.normal(size=(2, 4, 3)).astype(np.float32)
    what = "unbroadcast(grad, (4, 1)) for float32 grad of shape (2, 4, 3)"
    got = _as_array(call(what, unbroadcast, grad, (4, 1)))
    expect_dtype_kept(got, np.float32, what, "an array made with np.zeros(shape) or a dtype=float is "
                         "float64 whatever grad is; sum grad itself (grad.sum(...)), which keeps its dtype.")


# --- 9.2-9.6 backward rules ---------------------------------------------------------------------


def _numeric_input_gradients(make_op, inputs, G):
    """The gradient of sum(op.forward(*inputs) * G) for each input, by central differences."""
    arrays = [x.copy() for x in inputs]
    f = lambda: float(np.sum(make_op().forward(*arrays) * G))  # noqa: E731
    return [central_differences(f, x) for x in arrays]


def _gradients(got, n_inputs, what):
    """The tuple a backward rule returned, as a list of arrays; clear failures for other shapes."""
    if isinstance(got, np.ndarray) or got is None:
        kind = "None" if got is None else f"a bare array of shape {got.shape}"
        expect(False, f"{what} returned {kind}. backward returns a tuple with one gradient per "
               f"input, in order: {'(grad_a,) - note the comma' if n_inputs == 1 else '(grad_a, grad_b)'}.")
    expect(isinstance(got, (tuple, list)), f"{what} returned {type(got).__name__}; return a tuple "
           "with one gradient per input.")
    expect(len(got) == n_inputs, f"{what} returned {len(got)} gradients; the operation has "
           f"{n_inputs} input{'s' if n_inputs > 1 else ''}, so it must return {n_inputs}.")
    return [_as_array(g) for g in got]


IN_PLACE = ("an in-place operation on grad (grad *= ..., grad[...] = ...) writes into the "
            "array of the node that passed it on. Compute a new array instead (grad * ...).")


def _run_rule(op, inputs, G, what, error_hint="", in_place=IN_PLACE):
    """op.forward(*inputs), then op.backward(G) twice; returns the first gradients as a list of
    arrays. backward must leave grad and the arrays forward kept (self.a, self.out) as they were,
    and a second backward after the same forward must give the same gradients. `in_place` is
    the likely mistake of a rule that changed grad."""
    op.forward(*[x.copy() for x in inputs])
    kept = {name: value.copy() for name, value in vars(op).items() if isinstance(value, np.ndarray)}
    given = G.copy()
    grads = _gradients(call(what, op.backward, given, error_hint=error_hint), len(inputs), what)
    changed = int(np.sum(given != G))
    expect(changed == 0, f"{what} changed its input array in place: {changed} of {G.size} entries "
           f"of grad, the gradient it was given, are different now.\n  Likely mistake: {in_place}")
    for name, before in kept.items():
        expect(np.array_equal(getattr(op, name), before), f"{what} changed self.{name}, the array "
               f"forward kept, in place: a second backward after the same forward would use other "
               f"numbers.\n  Likely mistake: an in-place operation on self.{name} (self.{name} *= "
               f"grad, or *= on a name for it). Compute a new array instead: grad * self.{name}.")
    first = [np.array(g, copy=True) for g in grads]  # a later call must not change these either
    again = _gradients(call(what, op.backward, G.copy(), error_hint=error_hint), len(inputs), what)
    for i, (before, after) in enumerate(zip(first, again)):
        # one gradient at a time: expect_same_again cannot show a tuple of arrays of two shapes
        expect_same_again(before, after, f"{what}, called a second time after the same forward "
                          f"(gradient {i + 1} of {len(first)})")
    return grads


FLOAT64_MADE = ("an array built as float64 - np.ones(...), np.zeros(...), .astype(float), "
                "dtype=float - turns float32 into float64. Compute from grad and what forward "
                "kept alone, or build with dtype=grad.dtype.")


def _expect_float32_rule(op, inputs, G, names, what, likely=FLOAT64_MADE):
    """The rule run on float32 inputs and grad must return float32 gradients."""
    op.forward(*[x.astype(np.float32) for x in inputs])
    grads = _gradients(call(what, op.backward, G.astype(np.float32)), len(inputs), what)
    for got, name in zip(grads, names):
        expect_dtype_kept(got, np.float32, f"{what}: {name}", likely)


def _expect_gradients(grads, truths, names, what, mistakes_for):
    """Compare each returned gradient with the numerical one; `mistakes_for(i)` lists Mistakes."""
    for i, (got, right, name) in enumerate(zip(grads, truths, names)):
        expect_array(got, f"{what}: {name}")
        expect_close(got, right, f"{what}: {name}", mistakes=mistakes_for(i), **TOLERANCE)


@check_for(
    "9.2", "autograd.Mul.backward",
    hints=(
        "Hold b fixed: how much does out = a * b change, element by element, when a changes a "
        "little? That is the local derivative; the chain rule combines it with the gradient "
        "that arrives. Then the same for b.",
        "The gradient for a is grad times b and the gradient for b is grad times a, element by "
        "element (*), using the inputs forward kept in self.a and self.b. Return them as a pair, "
        "a's first.",
    ),
)
def check_mul_backward():
    """grad_a = grad * b and grad_b = grad * a, compared with numerical gradients of forward
    returns a tuple (grad_a, grad_b); leaves grad, self.a and self.b unchanged
    backward twice after one forward gives the same gradients; float32 stays float32"""
    rng = np.random.default_rng(2)
    a, b, G = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    what = "Mul.backward(grad) for a, b and grad of shape (3, 4)"
    grads = _run_rule(Mul(), (a, b), G, what, in_place=(
        "grad *= self.b writes into grad, the caller's array, and grad_b then uses the changed "
        "numbers. Compute new arrays: grad * self.b and grad * self.a."))
    truths = _numeric_input_gradients(Mul, (a, b), G)
    other = (b, a)
    _expect_gradients(grads, truths, ("grad_a", "grad_b"), what, lambda i: [
        Mistake(G * (a, b)[i], "each input's gradient is grad times the *other* input: "
                "grad_a = grad * b, grad_b = grad * a."),
        Mistake(other[i], "you left out grad: by the chain rule, the local derivative (the "
                "other input) is multiplied by the gradient that arrives, grad."),
        Mistake(G, "that is the rule of addition, which passes grad on unchanged; a product "
                "scales it by the other input."),
        Mistake(G * a * b, "multiply grad by the other input only, not by both."),
        Mistake(lambda g: g.ndim == 2 and g.shape[0] == g.shape[1] != G.shape[1],
                "that is the rule of the matrix product (grad @ b.T, exercise 9.3). Mul is "
                "elementwise: grad * self.b, with the shape of grad."),
    ])
    _expect_float32_rule(Mul(), (a, b), G, ("grad_a", "grad_b"), "Mul.backward(grad) for float32 a, b and grad")



def _matmul_hint(a, b, G):
    """The likely mistake behind an exception in MatMul.backward, from what numpy said."""
    def hint(error):
        text = str(error)
        if "broadcast" in text:
            return ("a matrix product's backward uses matrix products, not the elementwise *: "
                    "grad_a = grad @ b.T and grad_b = a.T @ grad.")
        if re.search(r"size \d+ is different from \d+|not aligned", text):
            return (f"grad is {G.shape}, a {a.shape}, b {b.shape}: grad_a = grad @ b.T, "
                    f"{G.shape} @ {b.T.shape} -> {a.shape}, and grad_b = a.T @ grad, {a.T.shape} "
                    f"@ {G.shape} -> {b.shape}. Check which factor is transposed, and their order.")
        return ""
    return hint


@check_for(
    "9.3", "autograd.MatMul.backward",
    hints=(
        "Each gradient has the shape of its input: grad_a like a (n, k), grad_b like b (k, m), "
        "from grad (n, m). Only one arrangement of grad, a, b and transposes gives each shape.",
        "grad_a = grad times b transposed: (n, m) @ (m, k) -> (n, k); grad_b = a transposed times "
        "grad: (k, n) @ (n, m) -> (k, m). Use @ and .T on self.a and self.b, and return the pair.",
    ),
)
def check_matmul_backward():
    """grad_a = grad @ b.T (shape of a) and grad_b = a.T @ grad (shape of b)
    compared with numerical gradients of forward; returns a tuple; leaves grad, self.a, self.b unchanged
    backward twice after one forward gives the same gradients; float32 stays float32"""
    rng = np.random.default_rng(3)
    n, k, m = 5, 3, 4  # all different, so that a transpose or a swap cannot go unnoticed
    a, b, G = rng.normal(size=(n, k)), rng.normal(size=(k, m)), rng.normal(size=(n, m))
    what = f"MatMul.backward(grad) for a of shape {a.shape}, b {b.shape}, grad {G.shape}"
    grads = _run_rule(MatMul(), (a, b), G, what, error_hint=_matmul_hint(a, b, G))
    truths = _numeric_input_gradients(MatMul, (a, b), G)
    expected_shapes = (a.shape, b.shape)
    _expect_gradients(grads, truths, ("grad_a", "grad_b"), what, lambda i: [
        Mistake(lambda g: g.shape == expected_shapes[1 - i] and expected_shapes[1 - i] != expected_shapes[i],
                f"the gradients come back in the order of the inputs: (grad_a, grad_b); this one "
                f"has the shape of {'b' if i == 0 else 'a'}."),
        Mistake(lambda g: g.shape == expected_shapes[i][::-1] and np.allclose(g.T, truths[i]),
                f"that is the transpose of the right gradient (shape {expected_shapes[i][::-1]}, "
                f"not {expected_shapes[i]}): grad_b = a.T @ grad, grad_a = grad @ b.T."),
        Mistake(truths[i] / n, "do not divide by n: a loss that averages over the batch already "
                "has the 1/n in grad."),
    ])
    _expect_float32_rule(MatMul(), (a, b), G, ("grad_a", "grad_b"), "MatMul.backward(grad) for float32 a, b and grad")



def _sum_hint(axis, keepdims):
    """The likely mistake behind an exception in Sum(axis, keepdims).backward."""
    def hint(error):
        text = str(error)
        if keepdims and ("broadcast" in text or "dimensions" in text):
            return ("with keepdims=True the summed axes are still in grad, as axes of size 1: "
                    "put them back with np.expand_dims only when keepdims is False.")
        if axis is None and isinstance(error, TypeError) and "NoneType" in text:
            return ("self.axis is None when every axis is summed: use self.axes, the summed "
                    "axes as a tuple of non-negative ints, which forward kept for this.")
        return ("put the summed axes back as axes of size 1 before copying: "
                "grad = np.expand_dims(grad, self.axes) when keepdims is False, then "
                "np.broadcast_to(grad, self.shape).")
    return hint


@check_for(
    "9.4", "autograd.Sum.backward",
    hints=(
        "Every element of a went into the sum once, with weight 1: which gradient does it get, "
        "and from which element of grad? Mind the shapes: with keepdims=False the summed axes "
        "are gone from grad.",
        "When keepdims is False, first put the summed axes back with np.expand_dims(grad, "
        "self.axes); then np.broadcast_to(grad, self.shape) copies grad along them to a's shape. "
        "backward returns one gradient per input: here a tuple of one.",
    ),
)
def check_sum_backward():
    """copies grad back to the shape of a: sum over everything, over one axis, over two axes
    with and without keepdims, with a negative axis
    the summed axis comes back in the right place, also for a square input
    returns a tuple (grad_a,); leaves grad unchanged
    backward twice after one forward gives the same gradients; float32 stays float32"""
    rng = np.random.default_rng(4)
    cases = [((4, 3), None, False), ((4, 3), 0, True), ((3, 3), 1, False), ((2, 3, 4), (0, 2), False),
             ((2, 3, 4), (0, 2), True), ((4, 3), -1, False)]
    for shape, axis, keepdims in cases:
        a = rng.normal(size=shape)
        G = rng.normal(size=np.sum(a, axis=axis, keepdims=keepdims).shape)
        what = f"Sum(axis={axis}, keepdims={keepdims}).backward(grad) for a of shape {shape}, grad {G.shape}"
        (got,) = _run_rule(Sum(axis, keepdims), (a,), G, what, error_hint=_sum_hint(axis, keepdims))
        (right,) = _numeric_input_gradients(lambda: Sum(axis, keepdims), (a,), G)
        count = a.size // G.size
        expect_array(got, what)
        expect_close(got, right, what, inputs={"grad": G}, mistakes=[
            Mistake(lambda g: g.shape == G.shape != shape, f"the gradient must have the shape of a, "
                    f"{shape}: copy grad along the summed axes (np.broadcast_to(grad, self.shape))."),
            Mistake(np.ones(shape), "you left out grad: each element of a gets the gradient of the "
                    "output element it went into - grad, copied back - not 1."),
            Mistake(right / count, "that is the rule of the mean. A sum passes grad to each of its "
                    "terms unchanged, with no division."),
            Mistake(lambda g: G.ndim == 1 and g.shape == shape and np.allclose(g, np.broadcast_to(G, shape)),
                    "the gradient was copied along the wrong axis: numpy lines a shape (3,) up with "
                    "the *last* axis. Put the summed axis back first, np.expand_dims(grad, "
                    "self.axes), so that it lines up where the sum took it away."),
        ], **TOLERANCE)
    a = rng.normal(size=(4, 3))
    _expect_float32_rule(Sum(1, True), (a,), rng.normal(size=(4, 1)), ("grad_a",),
                         "Sum(axis=1, keepdims=True).backward(grad) for float32 a and grad",
                         "np.ones(self.shape) is float64 whatever grad is, and so is its product "
                         "with grad: copy grad itself, np.broadcast_to(grad, self.shape).")



@check_for(
    "9.5", "autograd.Exp.backward",
    hints=(
        "What is the derivative of exp? Then look at what forward kept in self: it has already "
        "computed it.",
        "Multiply grad element by element by self.out, which is exp(a), and return it in a tuple of "
        "one: backward returns one gradient per input.",
    ),
)
def check_exp_backward():
    """grad_a = grad * exp(a), using the exp(a) forward kept (self.out)
    compared with numerical gradients; returns a tuple (grad_a,); leaves grad and self.out unchanged
    backward twice after one forward gives the same gradients; float32 stays float32"""
    rng = np.random.default_rng(5)
    a, G = rng.uniform(-2, 2, size=(3, 4)), rng.normal(size=(3, 4))
    what = "Exp.backward(grad) for a and grad of shape (3, 4)"
    (got,) = _run_rule(Exp(), (a,), G, what, error_hint=(
        "forward kept only self.out = exp(a). The derivative of exp is exp(a) itself, so the "
        "rule needs nothing else: grad * self.out."), in_place=(
        "grad *= self.out writes into grad, the caller's array. Return a new array: "
        "(grad * self.out,)."))
    (right,) = _numeric_input_gradients(Exp, (a,), G)
    expect_array(got, what)
    expect_close(got, right, what, inputs={"a": a}, mistakes=[
        Mistake(np.exp(a), "you left out grad: multiply the local derivative exp(a) by the "
                "gradient that arrives, grad * self.out."),
        Mistake(G * np.exp(np.exp(a)), "np.exp(self.out) is exp(exp(a)): self.out already *is* "
                "exp(a), the derivative. Use grad * self.out."),
        Mistake(G * a, "the derivative of exp(a) is exp(a), not a."),
        Mistake(G * np.log(np.abs(a)), "the derivative of exp(a) is exp(a), not log(a)."),
    ], **TOLERANCE)
    _expect_float32_rule(Exp(), (a,), G, ("grad_a",), "Exp.backward(grad) for float32 a and grad")



@check_for(
    "9.6", "autograd.ReLU.backward",
    hints=(
        "Where is relu's slope 1, and where 0? The gradient that arrives passes through where "
        "the slope is 1 and is stopped where it is 0.",
        "self.a > 0 is a boolean mask: multiplying grad by it keeps grad where a > 0 and gives 0 "
        "elsewhere. Return the result in a tuple of one.",
    ),
)
def check_relu_backward():
    """grad passes where a > 0 and is 0 elsewhere, also at a = 0 exactly (the course's convention)
    the mask comes from the input a, not from grad; returns a tuple (grad_a,); leaves grad and self.a unchanged
    backward twice after one forward gives the same gradients; float32 stays float32"""
    a = np.array([[-2.0, -0.5, 0.0, 0.5], [1.5, 0.0, -1.0, 3.0], [0.25, -3.0, 2.0, 0.0]])
    G = np.array([[0.3, -1.2, 0.7, -0.4], [-0.9, 1.1, 0.6, -0.2], [0.8, 0.5, -1.5, 0.9]])
    what = "ReLU.backward(grad) for a of shape (3, 4), some of it exactly 0"
    (got,) = _run_rule(ReLU(), (a,), G, what, in_place=(
        "grad[self.a <= 0] = 0 writes into grad, the caller's array (the node that passed it "
        "on still holds it). Return a new array: (grad * (self.a > 0),)."))
    right = np.where(a > 0, G, 0.0)  # relu's slope: 1 right of 0, else 0 (0 at the kink itself)
    expect_array(got, what)
    expect_close(got, right, what, inputs={"a": a, "grad": G}, mistakes=[
        Mistake(np.where(a >= 0, G, 0.0), "at a = 0 the course, like PyTorch, uses the slope 0: "
                "compare with a > 0, not a >= 0."),
        Mistake((a > 0).astype(float), "you returned the mask alone: multiply it by grad."),
        Mistake(G * np.maximum(a, 0), "you multiplied by relu(a), the value; the slope of relu "
                "is 1 where a > 0 and 0 elsewhere."),
        Mistake(np.where(G > 0, G, 0.0), "the mask must come from the input a (self.a), where "
                "relu is flat or not - not from the sign of grad."),
    ])
    _expect_float32_rule(ReLU(), (a,), G, ("grad_a",), "ReLU.backward(grad) for float32 a and grad",
                         "(self.a > 0).astype(float) is a float64 mask, and float32 times float64 "
                         "is float64: multiply by the boolean mask itself, grad * (self.a > 0).")



# --- 9.7 topological order --------------------------------------------------------------------------


class _Marker(Operation):
    """A stand-in operation: the order check needs only the shape of the graph."""

    symbol = "f"


def _node(name, *inputs):
    return Tensor(0.0, name=name, op=_Marker() if inputs else None, inputs=inputs)


def _graphs():
    """Two small graphs and their nodes: a diamond with a reused node, and a skip connection
    past a chain (where ordering by distance from the root goes wrong)."""
    a, w = _node("a"), _node("w")
    b = _node("b", a)
    c = _node("c", a, w)
    d = _node("d", b, c)
    e = _node("e", d, d)  # d used twice by one operation (d * d)
    diamond = (e, [a, w, b, c, d, e])
    x = _node("x")
    h1 = _node("h1", x)
    h2 = _node("h2", h1)
    h3 = _node("h3", h2)
    out = _node("out", h3, x)  # a skip connection: x is also a direct input of out
    skip = (out, [x, h1, h2, h3, out])
    return [("the diamond a -> b, (a, w) -> c, (b, c) -> d, e = d * d", diamond),
            ("the chain x -> h1 -> h2 -> h3 -> out with a skip connection x -> out", skip)]


def _is_order(nodes):
    """True if every node of the list comes after all of its inputs that are in the list."""
    position = {id(node): i for i, node in enumerate(nodes)}
    return all(position.get(id(inp), -1) < position[id(node)] for node in nodes for inp in node.inputs)


@check_for(
    "9.7", "autograd.topological_order",
    hints=(
        "A node can be placed only once everything it was computed from has been placed. Which "
        "way of walking the graph from the root reaches a node's inputs before the node is "
        "written down? And what stops a node that is used twice from being placed twice?",
        "Write a small inner function place(node) that does nothing if the node is already in the "
        "set; otherwise it adds it, calls itself on each of node.inputs, and only then appends the "
        "node to the list. Call it on the root and return the list.",
    ),
)
def check_topological_order():
    """every node the root depends on, the root included, each exactly once
    every node after all of its inputs, the root last; returns a list
    on a diamond with a node used twice, and on a chain with a skip connection
    the same order when called twice; nothing carried over from one graph to the next"""
    earlier = []  # the nodes of the graphs already ordered
    for description, (root, nodes) in _graphs():
        what = f"topological_order(root) on {description}"
        got = call(what, topological_order, root)
        kind = type(got).__name__
        expect(isinstance(got, list), f"{what} returned {kind}; return a list of Tensors, leaves "
               "first, the root last." + (" (A yield makes the function a generator: append to a "
               "list instead, and return the list.)" if kind == "generator" else ""))
        names = [getattr(node, "name", "?") for node in got]
        expect(all(isinstance(node, Tensor) for node in got), f"{what} returned {names}; the list "
               "must hold the Tensors themselves.")
        for node in nodes:
            times = sum(other is node for other in got)
            expect(times <= 1, f"{what} returned {names}: node {node.name} appears {times} times. "
                   "A node used twice must be placed once: keep a set of the nodes already placed "
                   "and skip them. (Placed twice, it would pass its gradient back twice.)")
        missing = [node.name for node in nodes if not any(other is node for other in got)]
        if root.name in missing:
            expect(False, f"{what} returned {names}: the root {root.name} itself is missing. It "
                   "belongs in the order too, last.")
        expect(not missing, f"{what} returned {names}: nodes {missing} are missing. Place the "
               "inputs' inputs too, recursively, down to the leaves.")
        stale = [node.name for node in got if any(node is old for old in earlier)]
        expect(not stale, f"{what} returned {names}: {stale} are nodes of the graph of an earlier "
               "call.\n  Likely mistake: a list or set that outlives one call - a default argument "
               "such as order=[] or placed=set(), or a global - carries nodes over. Create them "
               "inside the function, afresh on every call.")
        expect(len(got) == len(nodes), f"{what} returned {names}, which holds nodes that are not in "
               "the graph.")
        expect(got[0] is not root or not _is_order(got[::-1]), f"{what} returned {names}: that is "
               "the order read backwards, the root first. Return it leaves first and the root last; "
               "Tensor.backward walks it backwards itself, with reversed(order).")
        position = {id(node): i for i, node in enumerate(got)}
        for node in nodes:
            for inp in node.inputs:
                expect(position[id(inp)] < position[id(node)],
                       f"{what} returned {names}: {node.name} comes before its input {inp.name}. "
                       "Append a node only after all of its inputs have been placed (after the "
                       "recursive calls, not before them).")
        again = call(what, topological_order, root)
        expect_same_again(names, [getattr(node, "name", "?") for node in again], what)
        earlier += nodes


# --- 9.8 the backward pass -------------------------------------------------------------------------


class _Square(Operation):
    symbol = "square"

    def forward(self, a):
        self.a = a
        return a**2

    def backward(self, grad):
        return (2 * self.a * grad,)


class _Times(Operation):
    symbol = "times"

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, grad):
        return grad * self.b, grad * self.a


class _Plus(Operation):
    symbol = "plus"

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad  # of the output's shape: Tensor.backward reduces them with unbroadcast


class _Sin(Operation):
    symbol = "sin"

    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, grad):
        return (grad * np.cos(self.a),)


class _Total(Operation):
    symbol = "total"

    def forward(self, a):
        self.shape = a.shape
        return np.asarray(a.sum())

    def backward(self, grad):
        return (np.full(self.shape, grad),)


def _own_unbroadcast(grad, shape):
    """The checks' own unbroadcast (stands in for yours while backward is judged)."""
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape))))
    return grad.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True)


def _own_order(root):
    """The checks' own topological order (stands in for yours while backward is judged)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((inp, False) for inp in reversed(node.inputs))
    return order


def _chain(x):
    """L = total(sin(square(x))): no node used twice, no broadcasting."""
    h = apply(_Square(), x)
    return apply(_Total(), apply(_Sin(), h)), {"h": h}


def _reused(x, w):
    """h = sin(x * w); L = total(h * h + square(h)) : h is used three times, x and w once each."""
    h = apply(_Sin(), apply(_Times(), x, w))
    return apply(_Total(), apply(_Plus(), apply(_Times(), h, h), apply(_Square(), h))), {"h": h}


def _broadcast(x, b):
    """L = total(sin(x + b)) with x of shape (4, 3) and a bias b of shape (3,)."""
    return apply(_Total(), apply(_Sin(), apply(_Plus(), x, b))), {}


def _elementwise(x, w):
    """y = sin(x) * w, left as it is: the root is not a scalar but an array of shape (2, 3)."""
    return apply(_Times(), apply(_Sin(), x), w), {}


SEED = ("you seeded the output's gradient with a number (self.grad = 1). That works for a "
        "scalar loss, but the gradient of a root with several elements - y.backward() for y of "
        "shape (2, 3) - is one 1 per element: self.grad = np.ones_like(self.data).")


def _seeded_wrongly(root):
    """True if the root's grad was set to something other than an array of its shape."""
    grad = root.grad
    return grad is not None and (not isinstance(grad, np.ndarray) or grad.shape != root.data.shape)


def _backward_hint(error, root):
    text = str(error)
    if _seeded_wrongly(root):
        return SEED
    if isinstance(error, AttributeError) and "NoneType" in text and "backward" in text:
        return ("a leaf (an input or a parameter) has no operation: node.op is None. Skip leaves "
                "in the loop; only nodes made by an operation pass gradients on.")
    if "non-broadcastable output" in text or "could not be broadcast" in text:
        return ("an operation's gradient has the shape of its output, and an input that was "
                "broadcast is smaller. Sum it back first: inp.grad += unbroadcast(g, inp.data.shape).")
    if isinstance(error, TypeError) and "NoneType" in text:
        return ("a gradient is None. Set every node's grad to np.zeros_like(node.data) before the "
                "loop, and make sure nothing assigns the result of a function that returns None.")
    return ""


def _run_backward(root, what):
    try:
        root.backward()
    except (CheckFailed, ExerciseTodo):
        raise
    except Exception as error:
        raise CheckFailed(describe_error(what, error, _backward_hint(error, root))) from None


def _expect_seeded(root, what):
    """After backward, the root's own gradient is the seed: ones of the root's shape."""
    grad, shape = root.grad, root.data.shape
    if isinstance(grad, np.ndarray) and grad.shape == shape and np.all(grad == 1):
        return
    shown = f"{short(grad)} ({type(grad).__name__})" if not isinstance(grad, np.ndarray) else short(grad)
    expect(False, f"after {what}, the output's own grad is {shown}; it should be ones of the "
           f"output's shape {shape}, the gradient of the output with respect to itself.\n"
           "  Likely mistake: " + (SEED if _seeded_wrongly(root) else "the seed was changed "
           "after it was set: seed with self.grad = np.ones_like(self.data) after zeroing, and "
           "never pass gradients to the output itself."))


def _judge_graph(build, arrays, names, what, chain_passed=False, reused=False, copies=None):
    """Build the graph on `arrays`, run your backward, compare every leaf's gradient with the
    numerical one; returns the leaves. `copies` ({"b": 4}) says how often a broadcast leaf was used."""
    leaves = [Tensor(x, name=n) for x, n in zip(arrays, names)]
    root, inner = build(*leaves)
    _run_backward(root, what)
    for leaf, x in zip(leaves, arrays):
        f = lambda: float(np.sum(build(*[Tensor(v) for v in arrays])[0].data))  # noqa: E731
        right = central_differences(f, x)
        got = leaf.grad
        expect(isinstance(got, np.ndarray), f"after {what}, {leaf.name}.grad is "
               f"{type(got).__name__}; it should be an array of the shape of {leaf.name}.")
        if got.shape != right.shape:
            expect(False, f"after {what}, {leaf.name}.grad has shape {got.shape}, but "
                   f"{leaf.name} has shape {right.shape}. It was broadcast: sum its gradient "
                   "back with inp.grad += unbroadcast(g, inp.data.shape).")
        if not np.any(got) and np.any(right):
            seeded = root.grad is not None and np.any(root.grad)
            expect(False, f"after {what}, {leaf.name}.grad is all 0. " + (
                "The output's own inputs got gradients but nothing further down: walk the order "
                "*backwards*, from the output to the leaves (reversed(order)), so that each "
                "node's gradient is complete before it is passed on." if seeded else
                "Nothing started the chain: after zeroing every gradient, seed the output with "
                "self.grad = np.ones_like(self.data) - the gradient of the output with respect "
                "to itself."))
        mistakes = []
        if copies and leaf.name in copies:
            mistakes.append(Mistake(right / copies[leaf.name], f"{leaf.name} was broadcast to "
                            f"{copies[leaf.name]} copies, and its gradient is the sum over them, not "
                            "the mean: reduce with unbroadcast (exercise 9.1)."))
        if reused and chain_passed:
            mistakes.append(Mistake(lambda g: True, "this graph uses a node more than once, and a "
                            "node used twice gets a gradient along each path: add them up, "
                            "inp.grad += ..., never inp.grad = ..."))
        expect_close(got, right, f"{leaf.name}.grad after {what}", inputs={leaf.name: x},
                     mistakes=mistakes, **TOLERANCE)
    _expect_seeded(root, what)
    return root, leaves


@check_for(
    "9.8", "autograd.Tensor.backward",
    hints=(
        "Gradients flow from the output back to the leaves. In which order must the nodes be "
        "visited so that a node's gradient is complete before it is passed on? What is the "
        "output's gradient with respect to itself, and what must every other gradient start from?",
        "Order the nodes with topological_order; start every node's grad at zeros and the root's at "
        "ones; walk the order backwards and, for each node made by an operation, add (+=) each "
        "input's share from op.backward(node.grad), summed back to the input's shape with "
        "unbroadcast.",
    ),
)
def check_backward():
    """every leaf's gradient agrees with a numerical gradient: a chain of operations
    a node used three times gets the sum of the gradients along every path (+=)
    a broadcast bias gets its gradient summed back to its own shape (unbroadcast)
    a root that is not a scalar is seeded with ones of its shape (np.ones_like)
    calling backward twice gives the same gradients, not twice them; float32 stays float32
    (judged on stand-in operations, with the checks' own unbroadcast and topological order)"""
    rng = np.random.default_rng(8)
    with substitute("9.1", _own_unbroadcast), substitute("9.7", _own_order):
        x = rng.normal(size=(2, 3))
        _judge_graph(_chain, [x], ["x"], "backward() on L = total(sin(square(x)))")

        x, w = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
        what = "backward() on h = sin(x * w), L = total(h * h + square(h)), which uses h three times"
        root, (tx, tw) = _judge_graph(_reused, [x, w], ["x", "w"], what, chain_passed=True, reused=True)

        first = (tx.grad.copy(), tw.grad.copy())
        what = "a second backward() on the same graph"
        _run_backward(root, what)
        for leaf, before in zip((tx, tw), first):
            same = np.isclose(leaf.grad, before, **TOLERANCE)
            expect(same.all(), "\n".join(
                [f"{what} changed {leaf.name}.grad; it must give the same gradients, not add to them."]
                + differences(before, leaf.grad, ~same)
                + ["  Likely mistake: the first call's gradients were still there and were added to "
                   "(PyTorch accumulates; this course's backward does not, as its docstring says). "
                   "Set every node's grad to zeros (np.zeros_like(node.data)) at the start of every "
                   "call, before seeding."]))
        _expect_seeded(root, what)

        x, w = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
        _judge_graph(_elementwise, [x, w], ["x", "w"], "y.backward() on y = sin(x) * w, of shape (2, 3)")

        x, b = rng.normal(size=(4, 3)), rng.normal(size=(3,))
        _judge_graph(_broadcast, [x, b], ["x", "b"],
                     "backward() on L = total(sin(x + b)), x of shape (4, 3), b of shape (3,)", copies={"b": 4})

        x = Tensor(rng.normal(size=(2, 3)).astype(np.float32), name="x")
        root, _ = _chain(x)
        what = "backward() on L = total(sin(square(x))) for float32 x"
        _run_backward(root, what)
        likely = ("np.zeros(node.data.shape) and np.ones(self.data.shape) are float64 whatever the "
                  "data: np.zeros_like(node.data) and np.ones_like(self.data) keep the data's dtype.")
        expect_dtype_kept(x.grad, np.float32, f"{what}: x.grad", likely)
        expect_dtype_kept(root.grad, np.float32, f"{what}: L.grad, the seed", likely)
