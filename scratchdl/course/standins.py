"""Layers and networks for checks that must judge one exercise alone.

A Dense layer with known weights (not drawn by your initialisers), and stand-in layers that
multiply by a fixed matrix and write down what they were given: the checks of chapters 3 and 5
judge a network's forward and backward passes with them, not your dense layer or activations.
"""

import numpy as np

from scratchdl.layers import Dense, Layer
from scratchdl.losses import MeanSquaredError
from scratchdl.network import Network

N, FAN_IN, FAN_OUT = 5, 3, 4  # all different, so that a transposed matrix cannot go unnoticed
SIZES = (2, 3, 4, 1)  # feature sizes through three stand-in layers: a wrong order cannot fit


def known_dense(dtype=np.float64, seed=0):
    """A Dense(3 → 4) with known random weights and a non-zero bias, and a batch for it."""
    rng = np.random.default_rng(seed)
    layer = Dense(FAN_IN, FAN_OUT, rng, init="zeros", dtype=dtype)
    layer.params["W"][...] = rng.normal(size=(FAN_IN, FAN_OUT))
    layer.params["b"][...] = rng.normal(size=FAN_OUT)
    x = rng.normal(size=(N, FAN_IN)).astype(dtype)
    return layer, x


class StandIn(Layer):
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


def stand_in_network():
    """(a Network of three StandIn layers, their matrices, the log of their calls, a generator)."""
    rng = np.random.default_rng(3)
    log = []
    matrices = [rng.normal(size=(a, b)) for a, b in zip(SIZES, SIZES[1:])]
    layers = [StandIn(i, M, log) for i, M in enumerate(matrices)]
    return Network(layers, loss=MeanSquaredError()), matrices, log, rng
