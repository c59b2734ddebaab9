"""Checks for scratchdl/network.py: the forward (3.2) and backward (5.4) passes of a network.

The network is made of stand-in layers that multiply by a fixed matrix and write down what
they were given, so the checks judge only how the network passes data through its layers -
not your dense layer or your activations.
"""

import numpy as np

from scratchdl.checks import CheckFailed, check_for
from scratchdl.checks.expect import call, expect, expect_array, expect_close, show
from scratchdl.layers import Layer
from scratchdl.losses import MeanSquaredError
from scratchdl.network import Network

SIZES = (2, 3, 4, 1)  # feature sizes through three stand-in layers: a wrong order cannot fit


class _StandIn(Layer):
    """out = x @ M; backward returns grad_out @ M.T. Records every call, in order."""

    def __init__(self, index, M, log):
        super().__init__()
        self.index, self.M, self.log = index, M, log

    def __repr__(self):
        return f"layer {self.index} ({self.M.shape[0]} → {self.M.shape[1]})"

    def forward(self, x):
        self.log.append(("forward", self.index, x.copy()))
        return x @ self.M

    def backward(self, grad_out):
        self.log.append(("backward", self.index, grad_out.copy()))
        return grad_out @ self.M.T


def _call_and_keep_failure(what, func, *args):
    """(result, None), or (None, the CheckFailed) if it crashed: the calls made so far often
    say more about the mistake (layers in the wrong order) than the crash itself."""
    try:
        return call(what, func, *args), None
    except CheckFailed as failed:
        return None, failed


def _network():
    rng = np.random.default_rng(3)
    log = []
    matrices = [rng.normal(size=(a, b)) for a, b in zip(SIZES, SIZES[1:])]
    layers = [_StandIn(i, M, log) for i, M in enumerate(matrices)]
    return Network(layers, loss=MeanSquaredError()), matrices, log, rng


@check_for(
    "3.2",
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
    net, (M0, M1, M2), log, rng = _network()
    x = rng.normal(size=(5, SIZES[0]))
    what = "Network.forward(x) through three layers (2 → 3 → 4 → 1)"
    out, crash = _call_and_keep_failure(what, net.forward, x.copy())
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


@check_for(
    "5.4",
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
    net, (M0, M1, M2), log, rng = _network()
    G = rng.normal(size=(5, SIZES[-1]))
    what = "Network.backward(grad_out) through three layers (2 → 3 → 4 → 1)"
    got, crash = _call_and_keep_failure(what, net.backward, G.copy())
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
