"""Checks of chapter 5, backpropagation: the numerical gradient (5.1), the backward passes of the
dense layer (5.2) and of an activation (5.3), and a network's backward pass (5.4).

Expected values come from the checks' own numerical gradient (not your 5.1) or an independent
formula; layers with fixed weights and stand-in layers keep each check to one exercise.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, call_and_keep_failure, expect, expect_array, expect_close, show
from scratchdl.course.numeric import affine, central_differences
from scratchdl.course.standins import FAN_IN, FAN_OUT, N, SIZES, known_dense, stand_in_network
from scratchdl.gradcheck import numerical_gradient
from scratchdl.layers import Activation


def _f_and_gradient(shape, seed):
    """f(x) = sum(C * sin(x)) + sum(x**3) / 3, and its exact gradient C * cos(x) + x**2."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=shape)
    x = rng.normal(size=shape)
    return (lambda v: float(np.sum(C * np.sin(v)) + np.sum(v**3) / 3)), x, C * np.cos(x) + x**2


def _one_sided(f, x, eps):
    """The forward difference (f(x + eps) - f(x)) / eps, a typical wrong answer."""
    x = x.copy()
    base, grad = f(x), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (f(x) - base) / eps
        x[i] = saved
    return grad


@check_for(
    "5.1", "gradcheck.numerical_gradient",
    hints=(
        "Loop over every position with `for i in np.ndindex(x.shape):`. At each: remember x[i], "
        "set it to x[i] + eps and call f(x), set it to x[i] - eps and call f(x), put the original "
        "back, and divide the difference by 2 * eps.",
        "Start from an array of zeros shaped like x, and fill one position per pass of the "
        "np.ndindex loop with the central difference (f at x[i] + eps minus f at x[i] - eps) / (2 * "
        "eps). x is changed in place, so restore x[i] before moving on, or every later value is "
        "wrong.",
    ),
)
def check_numerical_gradient():
    """matches the exact gradient of a known function to 1e-7, for 1-D and 2-D x
    central differences (a one-sided difference is not accurate enough)
    leaves x exactly as it was; returns an array of x's shape"""
    for shape in ((6,), (3, 4)):
        f, x, exact = _f_and_gradient(shape, seed=len(shape))
        given = x.copy()
        what = f"numerical_gradient(f, x) for x of shape {shape}"
        got = call(what, numerical_gradient, f, given, 1e-6)
        expect(np.array_equal(given, x),
               f"{what} left x changed, by up to {float(np.max(np.abs(given - x))):.2g}: put each "
               "element back to its original value after evaluating f (x[i] += eps and then "
               "x[i] -= eps need not give the original number back: remember it and assign it).")
        expect_array(got, what, shape=x.shape)
        expect_close(got, exact, what, rtol=1e-7, atol=1e-7, mistakes=[
            Mistake(lambda g: np.allclose(g, 2 * exact, rtol=1e-5), "divide by 2 * eps: the two "
                    "evaluations are 2 * eps apart."),
            Mistake(lambda g: np.allclose(g, exact / 2, rtol=1e-5), "the difference f(x + eps) - "
                    "f(x - eps) is divided by 2 * eps, not 4 * eps - or is x[i] nudged by only "
                    "eps / 2 each way?"),
            Mistake(lambda g: np.allclose(g, _one_sided(f, x, 1e-6), rtol=1e-6, atol=1e-8),
                    "that is a one-sided difference (f(x + eps) - f(x)) / eps, whose error is "
                    "proportional to eps; the central difference (f(x + eps) - f(x - eps)) / (2 eps) "
                    "is accurate to eps**2."),
            Mistake(lambda g: np.allclose(g, -exact, rtol=1e-5), "wrong sign: f(x + eps) comes first."),
            Mistake(lambda g: g.ndim == 2 and np.allclose(g, g[:, :1]), "every element of a row got "
                    "the same value: loop over every position with np.ndindex(x.shape); "
                    "range(len(x)) only visits whole rows."),
        ])


def _backward_truth(x, W, b, G):
    """dW, db, dx from numerical differentiation of sum(affine(x, W, b) * G)."""
    x, W, b = x.copy(), W.copy(), b.copy()
    f = lambda: float(np.sum(affine(x, W, b) * G))  # noqa: E731
    return central_differences(f, W), central_differences(f, b), central_differences(f, x)


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
    uses the x kept by forward (self.x); keeps float32"""
    layer, x = known_dense()
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    G = np.random.default_rng(1).normal(size=(N, FAN_OUT))
    layer.x = x.copy()  # what forward keeps: set directly, so this check needs only backward
    layer.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
    what = f"Dense({FAN_IN} → {FAN_OUT}).backward(grad_out) for grad_out of shape {G.shape}"
    dx = call(what, layer.backward, G.copy())
    dW_true, db_true, dx_true = _backward_truth(x, W, b, G)
    expect(dx is not None, f"{what} returned None; it must return the gradient for x, dx = grad_out @ W.T.")
    expect_array(dx, what)
    expect_close(dx, dx_true, f"{what}: the returned dx", inputs={"W": W},
                 mistakes=[Mistake(dx_true / N, "dx should not be divided by n: the loss already "
                                   "averaged over the batch.")], atol=1e-6, rtol=1e-6)
    dW, db = layer.grads.get("W"), layer.grads.get("b")
    expect(not np.array_equal(dW, np.zeros_like(W)) and not np.array_equal(db, np.zeros_like(b)),
           f"{what} did not store the parameter gradients: set self.grads['W'] and self.grads['b'].")
    dW, db = np.asarray(dW), np.asarray(db)
    if dW.shape == (FAN_OUT, FAN_IN):
        expect(False, f"self.grads['W'] has shape {dW.shape}, the transpose of W's {W.shape}: dW = x.T @ grad_out.")
    expect_close(dW, dW_true, "self.grads['W'] after backward",
                 mistakes=[Mistake(dW_true / N, "dW should not be divided by n: the loss already averaged.")],
                 atol=1e-6, rtol=1e-6)
    expect_close(db, db_true, "self.grads['b'] after backward",
                 mistakes=[Mistake(db_true / N, "db is the sum of grad_out over the batch (the bias is "
                                   "added to every example), not the mean: grad_out.sum(axis=0).")],
                 atol=1e-6, rtol=1e-6)

    layer32, x32 = known_dense(np.float32)
    layer32.x = x32
    dx32 = call("Dense.backward on float32", layer32.backward, G.astype(np.float32))
    expect(dx32.dtype == np.float32 and layer32.grads["W"].dtype == np.float32,
           "a float32 Dense layer turned float32 gradients into float64; keep float32.")


@check_for(
    "5.3", "layers.Activation.backward",
    hints=(
        "out = g(z) elementwise, so d out / d z is g'(z) at the same position, and the chain rule "
        "multiplies: element by element, not a matrix product. The layer kept z in self.z and "
        "has its derivative in self.g_prime.",
        "Multiply grad_out element by element (*) by the derivative at the kept pre-activation, "
        "self.g_prime applied to self.z; the result has the shape of z.",
    ),
)
def check_activation_backward():
    """grad_z = grad_out * g'(z), elementwise, at the z kept by forward (self.z)
    uses the layer's own derivative, self.g_prime; shape of z"""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3))
    G = rng.normal(size=(4, 3))
    layer = Activation("linear")
    # Stand-ins for g and g' that no real activation has, so that the check judges the chain
    # rule alone, and so that a derivative taken at the output g(z) instead of z shows.
    layer.g = lambda v: v**2 + 1
    layer.g_prime = lambda v: 3 * v - 1
    layer.z = z.copy()
    what = "Activation.backward(grad_out), with g(z) = z**2 + 1 and g'(z) = 3z - 1 standing in"
    got = call(what, layer.backward, G.copy(),
               error_hint="out = g(z) works element by element, so its backward is the elementwise "
               "product grad_out * g'(z), not a matrix product (@).")
    expect(got is not None, f"{what} returned None; return grad_out * g'(z).")
    expect_array(got, what, shape=z.shape)
    expect_close(
        got, G * (3 * z - 1), what, inputs={"z": z},
        mistakes=[Mistake(3 * z - 1, "you returned g'(z) without multiplying by grad_out."),
                  Mistake(G * (3 * (z**2 + 1) - 1), "you took the derivative at the output g(z); "
                          "it belongs at the input z (self.z)."),
                  Mistake(G, "you returned grad_out unchanged; multiply by g'(z).")],
    )

@check_for(
    "5.4", "network.Network.backward",
    hints=(
        "The same loop as forward, run backwards: reversed(self.layers). Each layer's backward "
        "returns the gradient that the layer before it needs.",
        "Walk reversed(self.layers) and replace grad_out with what each layer's backward returns "
        "for it. After the first layer, that is the gradient with respect to the network's input: "
        "return it.",
    ),
)
def check_network_backward():
    """calls every layer's backward once, last to first, each on the gradient the layer above returned
    returns the gradient with respect to the network's input"""
    net, (M0, M1, M2), log, rng = stand_in_network()
    G = rng.normal(size=(5, SIZES[-1]))
    what = "Network.backward(grad_out) through three layers (2 → 3 → 4 → 1)"
    got, crash = call_and_keep_failure(what, net.backward, G.copy())
    calls = [(kind, i) for kind, i, _ in log]
    right = [("backward", 2), ("backward", 1), ("backward", 0)]
    expect(calls, f"{what} called no layer's backward; call each one: grad_out = layer.backward(grad_out).")
    expect(all(kind == "backward" for kind, _ in calls),
           f"{what} ran forward passes; backward only calls each layer's backward.")
    expect(calls == right[: len(calls)],
           f"{what} called backward on layers {[i for _, i in calls]}; it must go from the last "
           "layer to the first: 2, 1, 0 (reversed(self.layers)).")
    for (_, i, given), expected in zip(log[1:], (G @ M2.T, G @ M2.T @ M1.T)):
        expect(given.shape == expected.shape and np.allclose(given, expected),
               f"layer {i}'s backward was given {show(given)}, not what layer {i + 1}'s backward "
               "returned. Pass each result on: grad_out = layer.backward(grad_out).")
    if crash:
        raise crash
    expect(calls == right, f"{what} called backward only on layers {[i for _, i in calls]}; call every layer's.")
    expect(got is not None, f"{what} returned None; return the gradient for the network's input.")
    expect_array(got, what)
    expect_close(got, G @ M2.T @ M1.T @ M0.T, what)
