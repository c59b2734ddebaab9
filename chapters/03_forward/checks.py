"""Checks of chapter 3, the forward pass: the dense layer (3.1) and a network's forward pass (3.2).

The layers are built with fixed weights (not with your initialisers), the network of stand-in
layers that record what they are given, and the expected values come from an independent
formula: each check judges one exercise only.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, call_and_keep_failure, expect, expect_array, expect_close, expect_unchanged, show
from scratchdl.course.numeric import affine
from scratchdl.course.standins import FAN_IN, FAN_OUT, N, SIZES, known_dense, stand_in_network


@check_for(
    "3.1", "layers.Dense.forward",
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
    layer, x = known_dense()
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

    layer32, x32 = known_dense(np.float32)
    out32 = call("Dense.forward on float32", layer32.forward, x32)
    expect(out32.dtype == np.float32, f"a float32 Dense layer given float32 input returned {out32.dtype}; keep float32 (chapter 7 relies on it).")



@check_for(
    "3.2", "network.Network.forward",
    hints=(
        "A loop over self.layers, in order; each layer's output becomes the input of the next. "
        "Return what comes out of the last one.",
        "A layer is called like a function, layer(x). Give x each layer's output in turn; after the "
        "loop, x is the network's output.",
    ),
)
def check_network_forward():
    """calls every layer once, first to last, each on the previous layer's output
    returns the last layer's output"""
    net, (M0, M1, M2), log, rng = stand_in_network()
    x = rng.normal(size=(5, SIZES[0]))
    what = "Network.forward(x) through three layers (2 → 3 → 4 → 1)"
    out, crash = call_and_keep_failure(what, net.forward, x.copy())
    calls = [(kind, i) for kind, i, _ in log]
    right = [("forward", 0), ("forward", 1), ("forward", 2)]
    expect(calls, f"{what} called none of the layers; call each one: x = layer(x).")
    expect(calls == right[: len(calls)],
           f"{what} called the layers as {[i for _, i in calls]}; it must call each layer once, "
           "in order: 0, 1, 2.")
    for (_, i, given), expected in zip(log[1:], (x @ M0, x @ M0 @ M1)):
        expect(given.shape == expected.shape and np.allclose(given, expected),
               f"layer {i} was given {show(given)}, not the output of layer {i - 1}. Each layer's "
               "output must be the next layer's input: x = layer(x).")
    if crash:
        raise crash
    expect(calls == right, f"{what} called only layers {[i for _, i in calls]}; call every layer, in order.")
    expect(out is not None, f"{what} returned None; return the last layer's output.")
    expect_array(out, what)
    expect_close(out, x @ M0 @ M1 @ M2, what, inputs={"x": x})


