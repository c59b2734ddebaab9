"""Checks of chapter 5, backpropagation: the numerical gradient (5.1), the backward passes of the
dense layer (5.2) and of an activation (5.3), and a network's backward pass (5.4).

Expected values come from the checks' own numerical gradient (not your 5.1) or an independent
formula; layers with fixed weights and stand-in layers keep each check to one exercise.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    CheckFailed,
    Mistake,
    call,
    expect,
    expect_array,
    expect_close,
    expect_dtype_kept,
    expect_same_again,
    expect_unchanged,
    short,
)
from scratchdl.course.numeric import affine, central_differences
from scratchdl.course.standins import FAN_IN, FAN_OUT, N, SIZES, known_dense, stand_in_network
from scratchdl.gradcheck import numerical_gradient
from scratchdl.layers import Activation


# --- 5.1 numerical gradient -------------------------------------------------------------------


def _f_and_gradient(shape, seed):
    """f(x) = sum(C * sin(x)) + sum(x**3) / 3, and its exact gradient C * cos(x) + x**2."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=shape)
    x = rng.normal(size=shape)
    return (lambda v: float(np.sum(C * np.sin(v)) + np.sum(v**3) / 3)), x, C * np.cos(x) + x**2


def _one_sided(f, x, eps, divisor=1):
    """The forward difference (f(x + eps) - f(x)) / (divisor * eps), a typical wrong answer."""
    x = x.copy()
    base, grad = f(x), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (f(x) - base) / (divisor * eps)
        x[i] = saved
    return grad


def _gradient_restoring_x(what, f, x, eps):
    """numerical_gradient(f, x, eps); x must come back holding exactly its original values."""
    original = x.copy()
    got = call(what, numerical_gradient, f, x, eps)
    expect(np.array_equal(x, original),
           f"{what} left x changed, by up to {float(np.max(np.abs(x - original))):.2g}: put each "
           "element back to its original value after evaluating f (x[i] += eps and then "
           "x[i] -= eps need not give the original number back: remember it and assign it).")
    expect(got is not None, f"{what} returned None; return the array of gradients, shaped like x.")
    if isinstance(got, np.ndarray) and got.size == x.size and got.shape != x.shape:
        expect(False, f"{what} returned shape {got.shape}, with x's {x.size} entries but not x's "
               f"shape {x.shape}.\n  Likely mistake: the values were collected in a list (or a "
               "flat array); make grad = np.zeros(x.shape) and fill grad[i] at each position i.")
    expect_array(got, what, shape=x.shape)
    return got


def _expect_eps_used(what, got, x, eps):
    """For f = sum(x**3) / 3 the central difference is exactly x**2 + eps**2 / 3: an answer that
    is x**2 + (the same number everywhere) shows the nudge that was really used."""
    offset = got - x**2
    if np.isclose(offset, eps**2 / 3, rtol=1e-6, atol=1e-10).all():
        return
    if np.ptp(offset) > 1e-7 or offset.min() < -1e-7:
        return  # some other mistake: the test with a known gradient names it
    used = float(np.sqrt(3 * max(offset.mean(), 0.0)))
    if used < 1e-3:
        expect(False, f"{what} returned x**2, as if eps were tiny; with eps={eps} the central "
               f"difference of sum(x**3) / 3 is x**2 + eps**2 / 3 (x**2 + {eps**2 / 3:.4g}).\n"
               "  Likely mistake: a step size of your own (h = 1e-5, say) in place of the eps "
               "argument. Nudge by the eps you are given: x[i] = saved + eps, then saved - eps.")
    expect(False, f"{what} nudged each element by about {used:.2g}, not by the eps it was given "
           f"({eps}): the answer is x**2 + {offset.mean():.4g}, the central difference of "
           f"sum(x**3) / 3 for a nudge of {used:.2g}.\n  Likely mistake: a step size of your own "
           "(or eps / 2) in place of the eps argument. Nudge by eps itself: x[i] = saved + eps, "
           "then saved - eps, and divide by 2 * eps.")


@check_for(
    "5.1", "gradcheck.numerical_gradient",
    hints=(
        "Change one element of x at a time, a little up and a little down, and see how much f "
        "changes. It is the caller's own x that f looks at, so that is the array to change - and "
        "to leave as you found it.",
        "Start from an array of zeros shaped like x, and fill one position per pass of the "
        "np.ndindex loop with the central difference (f at x[i] + eps minus f at x[i] - eps) / (2 * "
        "eps). x is changed in place, so restore x[i] before moving on, or every later value is "
        "wrong.",
    ),
)
def check_numerical_gradient():
    """matches the exact gradient of a known function to 1e-7, for 1-D and 2-D x
    central differences (a one-sided difference is not accurate enough), with the eps it is given
    nudges the caller's array itself (gradient_check's f reads the network's own weights)
    leaves x exactly as it was; returns a float64 array of x's shape, also for float32 x"""
    rng = np.random.default_rng(5)
    cubed = rng.normal(size=(3, 4))
    what = "numerical_gradient(f, x, eps=0.1) for f(x) = sum(x**3) / 3"
    probe = _gradient_restoring_x(what, lambda v: float(np.sum(v**3) / 3), cubed.copy(), 0.1)
    _expect_eps_used(what, probe, cubed, 0.1)

    for shape in ((6,), (3, 4)):
        f, x, exact = _f_and_gradient(shape, seed=len(shape))
        what = f"numerical_gradient(f, x) for x of shape {shape}"
        got = _gradient_restoring_x(what, f, x.copy(), 1e-6)
        expect_close(got, exact, what, rtol=1e-7, atol=1e-7, mistakes=[
            Mistake(lambda g: np.allclose(g, 2 * exact, rtol=1e-5), "divide by 2 * eps: the two "
                    "evaluations are 2 * eps apart."),
            Mistake(lambda g: np.allclose(g, _one_sided(f, x, 1e-6, divisor=2), rtol=1e-8, atol=1e-10),
                    "f_minus was taken at the original x, not at x[i] - eps (x[i] -= eps after "
                    "x[i] += eps only goes back to the start); set x[i] = saved - eps for f_minus."),
            Mistake(lambda g: np.allclose(g, exact / 2, rtol=1e-5), "the difference f(x + eps) - "
                    "f(x - eps) is divided by 2 * eps, not 4 * eps - or is x[i] nudged by only "
                    "eps / 2 each way?"),
            Mistake(lambda g: np.allclose(g, _one_sided(f, x, 1e-6), rtol=1e-8, atol=1e-10),
                    "that is a one-sided difference (f(x + eps) - f(x)) / eps, whose error is "
                    "proportional to eps; the central difference (f(x + eps) - f(x - eps)) / (2 eps) "
                    "is accurate to eps**2."),
            Mistake(lambda g: np.allclose(g, -exact, rtol=1e-5), "wrong sign: f(x + eps) comes first."),
            Mistake(lambda g: np.all(g == 0), "every entry is 0: either f_plus and f_minus came "
                    "out equal (is x[i] set to saved + eps both times? f_minus needs x[i] = saved - "
                    "eps), or the results never went into grad[i]."),
            Mistake(lambda g: g.ndim == 2 and np.allclose(g, g[:, :1]), "every element of a row got "
                    "the same value: loop over every position with np.ndindex(x.shape); "
                    "range(len(x)) only visits whole rows."),
        ])
    what = "numerical_gradient(f, x, eps=0.1) for f(x) = sum(x**3) / 3"
    expect_close(probe, cubed**2 + 0.1**2 / 3, what, rtol=1e-7, atol=1e-8)

    # gradient_check's f ignores its argument and reads the network's own weights: only nudging
    # the caller's array itself moves what f sees.
    C, weights = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    exact = C * np.cos(weights) + weights**2
    what = "numerical_gradient(f, W) for an f that reads W itself (as gradient_check's does)"
    got = _gradient_restoring_x(what, lambda _: float(np.sum(C * np.sin(weights)) + np.sum(weights**3) / 3),
                                weights, 1e-6)
    expect(not np.allclose(got, 0),
           f"{what} returned zeros, though f does change with W: f ignores its argument and reads "
           "the array W (as gradient_check's f reads the network's weights), and W never moved.\n"
           "  Likely mistake: you nudged a copy of x (x.copy(), np.array(x), x.astype(...)). Nudge "
           "the caller's array itself, x[i] = saved + eps, and put x[i] = saved back afterwards.")
    expect_close(got, exact, what, rtol=1e-7, atol=1e-7)

    x32 = rng.normal(size=(2, 3)).astype(np.float32)
    what = "numerical_gradient(f, x) for float32 x"
    got = _gradient_restoring_x(what, lambda v: float(np.sum(v.astype(np.float64) ** 2)), x32, 1e-2)
    expect(got.dtype == np.float64,
           f"{what} returned {got.dtype}; the docstring asks for float64 whatever x's dtype "
           "(gradient checks compare to 1e-7, beyond float32's precision).\n  Likely mistake: "
           "np.zeros_like(x) copies x's dtype; make the gradient with np.zeros(x.shape) instead.")


# --- 5.2 dense backward -------------------------------------------------------------------------


def _backward_truth(x, W, b, G):
    """dW, db, dx from numerical differentiation of sum(affine(x, W, b) * G)."""
    x, W, b = x.copy(), W.copy(), b.copy()
    f = lambda: float(np.sum(affine(x, W, b) * G))  # noqa: E731
    return central_differences(f, W), central_differences(f, b), central_differences(f, x)


def _bias_shape_mistakes():
    """What a db of the wrong shape says about how it was summed."""
    return [
        Mistake(lambda g: g.shape == (1, FAN_OUT), "keepdims=True keeps a (1, fan_out) row, but b has "
                "shape (fan_out,): grad_out.sum(axis=0), without keepdims."),
        Mistake(lambda g: g.shape == (N,), "that is a sum over axis 1 (the units), one number per "
                "example; the bias gradient sums over the batch: grad_out.sum(axis=0)."),
        Mistake(lambda g: g.shape == (), "np.sum(grad_out) adds up everything into one number; sum "
                "over the batch axis only: grad_out.sum(axis=0)."),
    ]


@check_for(
    "5.2", "layers.Dense.backward",
    hints=(
        "Each gradient has the shape of the thing it is the gradient of: dW like W (fan_in, "
        "fan_out), db like b (fan_out,), dx like x (n, fan_in). Arrange x, G = grad_out and W so "
        "that the matrix shapes fit.",
        "Fit the shapes: dW = x.T @ G is (fan_in, n) @ (n, fan_out); db is G summed over the batch "
        "axis (axis=0); dx = G @ W.T is (n, fan_out) @ (fan_out, fan_in). Store dW and db in "
        "self.grads under the names of the parameters and return dx.",
    ),
)
def check_dense_backward():
    """dW = x.T @ G, db = G.sum(axis=0) and dx = G @ W.T, compared with numerical gradients
    stores dW and db in self.grads, with the shapes of W and b; returns dx
    uses the x kept by forward (self.x); leaves grad_out unchanged; keeps float32
    a second backward after the same forward gives the same gradients (nothing added up)"""
    layer, x = known_dense()
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    G = np.random.default_rng(1).normal(size=(N, FAN_OUT))
    layer.x = x.copy()  # what forward keeps: set directly, so this check needs only backward
    layer.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
    what = f"Dense({FAN_IN} → {FAN_OUT}).backward(grad_out) for grad_out of shape {G.shape}"
    given = G.copy()
    dx = call(what, layer.backward, given)
    expect_unchanged(G, given, f"Dense({FAN_IN} → {FAN_OUT}).backward(grad_out)")
    dW_true, db_true, dx_true = _backward_truth(x, W, b, G)
    expect(dx is not None, f"{what} returned None; it must return the gradient for x, dx = grad_out @ W.T.")
    expect_array(dx, what)
    expect_close(dx, dx_true, f"{what}: the returned dx", inputs={"W": W},
                 mistakes=[Mistake(dx_true / N, "dx should not be divided by n: the loss already "
                                   "averaged over the batch.")], atol=1e-6, rtol=1e-6)
    dW, db = layer.grads.get("W"), layer.grads.get("b")
    expect(not np.array_equal(dW, np.zeros_like(W)) and not np.array_equal(db, np.zeros_like(b)),
           f"{what} did not store the parameter gradients: set self.grads['W'] and self.grads['b'].")
    dW, db = np.array(dW), np.array(db)  # copies: a second backward must not change these
    if dW.shape == (FAN_OUT, FAN_IN):
        expect(False, f"self.grads['W'] has shape {dW.shape}, the transpose of W's {W.shape}: dW = x.T @ grad_out.")
    expect_close(dW, dW_true, "self.grads['W'] after backward",
                 mistakes=[Mistake(dW_true / N, "dW should not be divided by n: the loss already averaged.")],
                 atol=1e-6, rtol=1e-6)
    expect_close(db, db_true, "self.grads['b'] after backward",
                 mistakes=[Mistake(db_true / N, "db is the sum of grad_out over the batch (the bias is "
                                   "added to every example), not the mean: grad_out.sum(axis=0).")]
                 + _bias_shape_mistakes(),
                 atol=1e-6, rtol=1e-6)

    # Training calls backward once per batch; gradients must not pile up from one call to the next.
    again = call(f"{what}, a second time", layer.backward, G.copy())
    for name, first in (("W", dW), ("b", db)):
        second = np.asarray(layer.grads[name])
        expect(not np.allclose(second, 2 * first),
               f"a second backward after the same forward doubled self.grads['{name}']: every "
               "entry is twice what the first call stored.\n  Likely mistake: "
               f"self.grads['{name}'] += "
               "... adds each batch's gradient to all the earlier ones, so training steps grow and "
               f"the loss climbs. Assign instead: self.grads['{name}'] = ...")
    expect_same_again(dx, again, f"{what}: the returned dx")
    for name, first in (("W", dW), ("b", db)):
        expect_same_again(first, np.asarray(layer.grads[name]), f"{what}: self.grads['{name}']")

    layer32, x32 = known_dense(np.float32)
    layer32.x = x32
    what32 = "Dense.backward on float32"
    dx32 = call(what32, layer32.backward, G.astype(np.float32))
    expect_dtype_kept(dx32, np.float32, f"{what32} (the returned dx)")
    expect_dtype_kept(layer32.grads["W"], np.float32, f"{what32} (self.grads['W'])")
    expect_dtype_kept(layer32.grads["b"], np.float32, f"{what32} (self.grads['b'])")


# --- 5.3 activation backward --------------------------------------------------------------------


def _stand_in_activation(z):
    """An Activation whose g and g' no real activation has, so that the check judges the chain
    rule alone, and so that a derivative taken at the output g(z) instead of z shows."""
    layer = Activation("linear")
    layer.g = lambda v: v**2 + 1
    layer.g_prime = lambda v: 3 * v - 1
    layer.z = z.copy()
    return layer


def _elementwise_hint(error):
    text = str(error)
    if "matmul" in text or "not aligned" in text:
        return ("out = g(z) works element by element, so its backward is the elementwise "
                "product grad_out * g'(z), not a matrix product (@).")
    return ""


@check_for(
    "5.3", "layers.Activation.backward",
    hints=(
        "Each output of the layer depends on one input only, the one at the same position. What "
        "does the chain rule make of that? The layer kept what it needs from its forward pass.",
        "Multiply grad_out element by element (*) by the derivative at the kept pre-activation, "
        "self.g_prime applied to self.z; the result has the shape of z.",
    ),
)
def check_activation_backward():
    """grad_z = grad_out * g'(z), elementwise, at the z kept by forward (self.z)
    uses the layer's own derivative, self.g_prime; shape of z; keeps float32
    leaves grad_out unchanged; a second backward gives the same answer"""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3))
    G = rng.normal(size=(4, 3))
    layer = _stand_in_activation(z)
    what = "Activation.backward(grad_out), with g(z) = z**2 + 1 and g'(z) = 3z - 1 standing in"
    given = G.copy()
    got = call(what, layer.backward, given, error_hint=_elementwise_hint)
    expect_unchanged(G, given, "Activation.backward(grad_out)")
    expect(got is not None, f"{what} returned None; return grad_out * g'(z).")
    if isinstance(got, np.ndarray) and got.shape == (z.shape[0], z.shape[0]):
        expect(False, f"{what} returned shape {got.shape}, not z's {z.shape}.\n  Likely mistake: a "
               "matrix product (@ or np.dot) with g'(z).T; the chain rule here is elementwise: "
               "grad_out * g'(z).")
    expect_array(got, what, shape=z.shape)
    expect_close(
        got, G * (3 * z - 1), what, inputs={"z": z},
        mistakes=[Mistake(3 * z - 1, "you returned g'(z) without multiplying by grad_out."),
                  Mistake(G * (3 * (z**2 + 1) - 1), "you took the derivative at the output g(z); "
                          "it belongs at the input z (self.z)."),
                  Mistake(G * (z**2 + 1), "you multiplied by g(z), the activation itself; the chain "
                          "rule needs its derivative, self.g_prime(self.z)."),
                  Mistake(3 * G - 1, "you took the derivative at grad_out; it belongs at the kept "
                          "input z: grad_out * self.g_prime(self.z)."),
                  Mistake(G, "you returned grad_out unchanged; multiply by g'(z).")],
    )
    again = call(f"{what}, a second time", layer.backward, G.copy())
    expect_same_again(got, again, what)

    z32, G32 = z.astype(np.float32), G.astype(np.float32)
    got32 = call("Activation.backward on float32", _stand_in_activation(z32).backward, G32)
    expect_dtype_kept(got32, np.float32, "Activation.backward on float32")


# --- 5.4 network backward -----------------------------------------------------------------------


def _network_error_hint(error):
    if isinstance(error, IndexError):
        return ("the layers are self.layers[0] to self.layers[len(self.layers) - 1]; a range "
                "from len(self.layers) goes one past the end. Walk reversed(self.layers).")
    return ""


@check_for(
    "5.4", "network.Network.backward",
    hints=(
        "Read forward: backward is the same walk through the layers, the other way round, and "
        "what each layer hands back is what the next one visited needs.",
        "Walk reversed(self.layers) and replace grad_out with what each layer's backward returns "
        "for it. After the first layer, that is the gradient with respect to the network's input: "
        "return it.",
    ),
)
def check_network_backward():
    """calls every layer's backward once, last to first, each on the gradient the layer above returned
    returns the gradient with respect to the network's input
    leaves the network's list of layers as it was"""
    net, (M0, M1, M2), log, rng = stand_in_network()
    layers = list(net.layers)
    G = rng.normal(size=(5, SIZES[-1]))
    what = "Network.backward(grad_out) through three layers (2 → 3 → 4 → 1)"
    try:
        got, crash = call(what, net.backward, G.copy(), error_hint=_network_error_hint), None
    except CheckFailed as failed:
        got, crash = None, failed
    calls = [(kind, i) for kind, i, _ in log]
    right = [("backward", 2), ("backward", 1), ("backward", 0)]
    if crash and not calls:
        raise crash
    expect(calls, f"{what} called no layer's backward; call each one: grad_out = layer.backward(grad_out).")
    expect(all(kind == "backward" for kind, _ in calls),
           f"{what} ran forward passes; backward only calls each layer's backward.")
    expect(net.layers == layers,
           f"{what} reordered the network's own list of layers (now {[layer.index for layer in net.layers]}).\n"
           "  Likely mistake: self.layers.reverse() turns the list round in place, so the next "
           "forward runs the layers backwards; reversed(self.layers) walks it without changing it.")
    expect(calls == right[: len(calls)],
           f"{what} called backward on layers {[i for _, i in calls]}; it must go from the last "
           "layer to the first: 2, 1, 0 (reversed(self.layers)).")
    for (_, i, given), expected in zip(log[1:], (G @ M2.T, G @ M2.T @ M1.T)):
        was = "the network's grad_out itself" if given.shape == G.shape and np.allclose(given, G) else short(given)
        expect(given.shape == expected.shape and np.allclose(given, expected),
               f"layer {i}'s backward was given {was}, not what layer {i + 1}'s backward "
               "returned. Pass each result on: grad_out = layer.backward(grad_out).")
    if crash:
        raise crash
    if calls == right[:2]:
        expect(False, f"{what} called backward only on layers 2 and 1: layer 0 was skipped.\n"
               "  Likely mistake: range(len(self.layers) - 1, 0, -1) stops before 0 (a range "
               "leaves out its stop); walk reversed(self.layers), or end the range at -1.")
    expect(calls == right, f"{what} called backward only on layers {[i for _, i in calls]}; call every layer's.")
    expect(got is not None, f"{what} returned None; return the gradient for the network's input "
           "(what the first layer's backward returned).")
    expect_array(got, what)
    expect_close(got, G @ M2.T @ M1.T @ M0.T, what)
