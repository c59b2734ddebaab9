"""Checks of chapter 3, the forward pass: the dense layer (3.1) and a network's forward pass (3.2).

The layers are built with fixed weights (not with your initialisers), the network of stand-in
layers that record what they are given, and the expected values come from an independent
formula: each check judges one exercise only.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    CheckFailed, Mistake, call, call_and_keep_failure, expect, expect_array, expect_close,
    expect_dtype_kept, expect_same_again, expect_unchanged, short,
)
from scratchdl.course.numeric import affine
from scratchdl.course.standins import FAN_IN, FAN_OUT, N, SIZES, known_dense, stand_in_network
from scratchdl.layers import Dense


def _square_dense():
    """A Dense(3 → 3) and a batch of 3: every transpose and misplaced bias fits these shapes and
    runs, so the answer shows which mistake made the real (3 → 4, batch of 5) case crash."""
    rng = np.random.default_rng(11)
    layer = Dense(3, 3, rng, init="zeros")
    layer.params["W"][...] = rng.normal(size=(3, 3))
    layer.params["b"][...] = rng.normal(size=3)
    return layer, rng.normal(size=(3, 3))


def _square_mistakes(x, W, b):
    """What each typical wrong formula gives on the square case, and what to tell its author."""
    return [
        (x @ W.T + b, "you multiplied by W.T. W is stored as (fan_in, fan_out) already, so "
         "x @ W gives (n, fan_out): drop the .T."),
        (x @ W + b[:, None], "the bias was made a column (b.reshape(-1, 1) or b[:, None]), so it "
         "is added down the rows. Add b of shape (fan_out,) as it is: it broadcasts along every row."),
        ((x + b) @ W, "the bias was added to x before the product; add it after: x @ W + b."),
        (W @ x + b, "the product is the wrong way round: x @ W (examples are rows), not W @ x."),
        (x.T @ W + b, "x should not be transposed: x @ W, with x of shape (n, fan_in)."),
    ]


def _name_the_crash(crash):
    """The forward crashed on the 3 → 4 layer: run it on a square layer, where a transposed
    matrix or a misplaced bias runs, and name the mistake if its answer shows one."""
    layer, x = _square_dense()
    try:
        with np.errstate(all="ignore"):
            out = layer.forward(x.copy())
        out = np.asarray(out, dtype=float)
    except Exception:  # noqa: BLE001 - it crashes there too: nothing more to learn from it
        raise crash from None
    for wrong, explanation in _square_mistakes(x, layer.params["W"], layer.params["b"]):
        if out.shape == wrong.shape and np.allclose(out, wrong):
            verdict = str(crash).split("\n  Likely mistake:")[0]
            raise CheckFailed(f"{verdict}\n  Likely mistake: {explanation}") from None
    raise crash from None


@check_for(
    "3.1", "layers.Dense.forward",
    hints=(
        "Follow the shapes: x is (n, fan_in), W is (fan_in, fan_out) and the answer must be "
        "(n, fan_out). And backward, later, will need something from this call.",
        "The weighted sums are x @ W with the weight matrix W (fan_in, fan_out) from self.params; "
        "adding the bias b (fan_out,) broadcasts it to every row. Keep the input in self.x first: "
        "backward needs it.",
    ),
)
def check_dense_forward():
    """out = x @ W + b for a batch of 5 examples, shape (n, fan_out)
    keeps its input in self.x for backward
    the same answer on a second call; changes neither x nor the parameters
    works for a batch of one (shape (1, fan_out)); float32 in, float32 out"""
    layer, x = known_dense()
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    given = x.copy()
    what = f"Dense({FAN_IN} → {FAN_OUT}).forward(x) for x of shape {x.shape}"
    out, crash = call_and_keep_failure(what, layer.forward, given)
    if crash:
        _name_the_crash(crash)
    expect_unchanged(x, given, what)
    expect(np.array_equal(layer.params["W"], W) and np.array_equal(layer.params["b"], b),
           f"{what} changed the layer's parameters; forward only reads them (no += or -= on W or b).")
    if isinstance(out, list):
        expect(False, f"{what} returned a list; return one numpy array of shape (n, fan_out).\n"
               "  Likely mistake: rows collected in a loop; np.array(rows) would do, but x @ W + b "
               "needs no loop.")
    expect_array(out, what)
    if out.shape == (FAN_OUT, N):
        expect(False, f"{what} returned shape {out.shape}, which is (fan_out, n): one row per unit "
               f"instead of one row per example. Compute x @ W, giving (n, fan_out) = ({N}, {FAN_OUT}).")
    expect_close(
        out, affine(x, W, b), what, inputs={"x": x},
        mistakes=[Mistake(x @ W, "you forgot to add the bias b: x @ W + b."),
                  Mistake(x @ W - b, "the bias is added, not subtracted: x @ W + b.")],
    )
    kept = getattr(layer, "x", None)
    if isinstance(kept, np.ndarray) and kept.shape == out.shape and np.allclose(kept, out):
        expect(False, f"{what} kept its output in self.x; self.x must be the input x: backward "
               "computes dW = x.T @ grad_out from it. Set self.x = x.")
    expect(kept is not None and np.shape(kept) == x.shape and np.array_equal(kept, x),
           f"{what} did not keep its input in self.x; backward (chapter 5) needs it to compute "
           "dW = x.T @ grad_out. Set self.x = x.")
    again = call(f"{what}, a second time", layer.forward, given)
    expect_same_again(out, again, what)

    one_what = "Dense.forward for a batch of one example (x of shape (1, 3))"
    one = call(one_what, layer.forward, x[:1].copy())
    if np.shape(one) == (FAN_OUT,):
        expect(False, f"{one_what} should have shape (1, {FAN_OUT}); it has shape ({FAN_OUT},).\n"
               "  Likely mistake: squeeze(), ravel() or [0] dropped the batch axis; return "
               "x @ W + b as it is, shape (n, fan_out) even for n = 1.")
    expect_array(one, one_what, shape=(1, FAN_OUT))
    expect_close(one, affine(x[:1], W, b), one_what)

    layer32, x32 = known_dense(np.float32)
    what32 = "Dense.forward on a float32 layer"
    out32 = call(what32, layer32.forward, x32)
    expect_dtype_kept(out32, np.float32, what32)


@check_for(
    "3.2", "network.Network.forward",
    hints=(
        "Picture the layers as a pipeline: what does the second layer take in, and which "
        "layer's output is the network's?",
        "A layer is called like a function, layer(x). Give x each layer's output in turn "
        "(x = layer(x) in a loop over self.layers); after the loop, x is the network's output.",
    ),
)
def check_network_forward():
    """calls every layer once, first to last, each on the previous layer's output
    returns the last layer's output, one array
    the same answer on a second call"""
    net, (M0, M1, M2), log, rng = stand_in_network()
    x = rng.normal(size=(5, SIZES[0]))
    what = "Network.forward(x) through three layers (2 → 3 → 4 → 1)"
    out, crash = call_and_keep_failure(what, net.forward, x.copy())
    calls = [i for _, i, _ in log]
    expect(calls, f"{what} called none of the layers; call each one: x = layer(x).")
    if calls[0] != 0:
        start = ("it started at the last layer: forward runs first to last (reversed() belongs "
                 "in backward)" if calls[0] == 2 else
                 f"it started at layer {calls[0]}: self.layers[1:] or range(1, ...) skips layer 0 "
                 "(Python counts from 0)")
        expect(False, f"{what} called the layers as {calls}; it must call each layer once, in "
               f"order: 0, 1, 2.\n  Likely mistake: {start}. Loop over self.layers as it is.")
    expect(calls == [0, 1, 2][: len(calls)],
           f"{what} called the layers as {calls}; it must call each layer once, in order: 0, 1, 2.")
    for (_, i, given), expected in zip(log[1:], (x @ M0, x @ M0 @ M1)):
        if given.shape == expected.shape and np.allclose(given, expected):
            continue
        if given.shape == x.shape and np.array_equal(given, x):
            expect(False, f"layer {i} was given the network's input x, not the output of layer "
                   f"{i - 1}.\n  Likely mistake: layer(x) on its own throws the output away; "
                   "keep it for the next layer: x = layer(x).")
        expect(False, f"layer {i} was given {short(given)}, not the output of layer {i - 1}. "
               "Each layer's output must be the next layer's input: x = layer(x).")
    if crash:
        raise crash
    if calls == [0]:
        expect(False, f"{what} ran only layer 0 and returned its output.\n  Likely mistake: the "
               "`return` is inside the loop (indented one level too far), or only self.layers[0] "
               "is called; return after the loop, once every layer has run.")
    if calls == [0, 1]:
        expect(False, f"{what} called only layers {calls}: the last layer never ran.\n  Likely "
               "mistake: self.layers[:-1] or range(len(self.layers) - 1) stops one short; loop "
               "over every layer.")
    expect(calls == [0, 1, 2], f"{what} called only layers {calls}; call every layer, in order.")
    expect(out is not None, f"{what} returned None; return the last layer's output (x, after the loop).")
    if isinstance(out, (list, tuple)):
        expect(False, f"{what} returned a {type(out).__name__} of {len(out)} items; return one "
               "array, the last layer's output.\n  Likely mistake: every layer's output collected "
               "in a list; return only the last one.")
    expect_array(out, what)
    expect_close(out, x @ M0 @ M1 @ M2, what, inputs={"x": x})
    again = call(f"{what}, a second time", net.forward, x.copy())
    expect_same_again(out, again, what)
