"""Checks for scratchdl/layers.py: the dense layer (3.1 forward, 5.2 backward), activations (5.3).

The layers are built with fixed weights (not with your initialisers), and the expected values
come from an independent formula or from the checks' own numerical gradient, so each check
judges one exercise only.
"""

import numpy as np

from scratchdl.checks import check_for
from scratchdl.checks.expect import Mistake, call, expect, expect_array, expect_close, expect_unchanged
from scratchdl.checks.numeric import affine, numeric_gradient
from scratchdl.layers import Activation, Dense

N, FAN_IN, FAN_OUT = 5, 3, 4  # all different, so that a transposed matrix cannot go unnoticed


def _dense(dtype=np.float64, seed=0):
    """A Dense(3 → 4) with known random weights and a non-zero bias, and a batch for it."""
    rng = np.random.default_rng(seed)
    layer = Dense(FAN_IN, FAN_OUT, rng, init="zeros", dtype=dtype)
    layer.params["W"][...] = rng.normal(size=(FAN_IN, FAN_OUT))
    layer.params["b"][...] = rng.normal(size=FAN_OUT)
    x = rng.normal(size=(N, FAN_IN)).astype(dtype)
    return layer, x


@check_for(
    "3.1",
    hints=(
        "One matrix product gives every unit's weighted sum for every example: (n, fan_in) @ "
        "(fan_in, fan_out) -> (n, fan_out). Then add the bias to every row, and remember x.",
        "The weighted sums are x @ W with the weight matrix W (fan_in, fan_out) from self.params; "
        "adding the bias b (fan_out,) broadcasts it to every row. Keep the input in self.x first: "
        "backward needs it.",
    ),
)
def check_dense_forward():
    """out = x @ W + b for a batch of 5 examples, shape (n, fan_out)
    keeps its input in self.x for backward
    works for a batch of one; keeps float32; changes neither x nor the parameters"""
    layer, x = _dense()
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    given = x.copy()
    what = f"Dense({FAN_IN} → {FAN_OUT}).forward(x) for x of shape {x.shape}"
    out = call(what, layer.forward, given)
    expect_array(out, what)
    if out.shape == (FAN_OUT, N):
        expect(False, f"{what} returned shape {out.shape}, which is (fan_out, n): one row per unit "
               f"instead of one row per example. Compute x @ W, giving (n, fan_out) = ({N}, {FAN_OUT}).")
    expect_close(
        out, affine(x, W, b), what, inputs={"x": x},
        mistakes=[Mistake(x @ W, "you forgot to add the bias b."),
                  Mistake(x @ W - b, "the bias is added, not subtracted: x @ W + b.")],
    )
    expect_unchanged(x, given, what)
    expect(np.array_equal(layer.params["W"], W) and np.array_equal(layer.params["b"], b),
           f"{what} changed the layer's parameters; forward only reads them.")
    expect(getattr(layer, "x", None) is not None and np.array_equal(layer.x, x),
           f"{what} did not keep its input in self.x; backward (chapter 5) needs it to compute dW = x.T @ grad_out.")

    one = call("Dense.forward for a batch of one example", layer.forward, x[:1].copy())
    expect_array(one, "Dense.forward for one example (x of shape (1, 3))", shape=(1, FAN_OUT))

    layer32, x32 = _dense(np.float32)
    out32 = call("Dense.forward on float32", layer32.forward, x32)
    expect(out32.dtype == np.float32, f"a float32 Dense layer given float32 input returned {out32.dtype}; keep float32 (chapter 7 relies on it).")


def _backward_truth(x, W, b, G):
    """dW, db, dx from numerical differentiation of sum(affine(x, W, b) * G)."""
    x, W, b = x.copy(), W.copy(), b.copy()
    f = lambda: float(np.sum(affine(x, W, b) * G))  # noqa: E731
    return numeric_gradient(f, W), numeric_gradient(f, b), numeric_gradient(f, x)


@check_for(
    "5.2",
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
    layer, x = _dense()
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

    layer32, x32 = _dense(np.float32)
    layer32.x = x32
    dx32 = call("Dense.backward on float32", layer32.backward, G.astype(np.float32))
    expect(dx32.dtype == np.float32 and layer32.grads["W"].dtype == np.float32,
           "a float32 Dense layer turned float32 gradients into float64; keep float32.")


@check_for(
    "5.3",
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
