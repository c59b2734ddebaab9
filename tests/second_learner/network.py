"""Second learner's bodies for scratchdl/network.py (chapters 3 and 5): folds with
functools.reduce instead of for-loops."""

import numpy as np  # noqa: F401


class Network:
    def forward(self, x):
        # fold the batch through the layers, calling each layer (which checks its input)
        from functools import reduce

        return reduce(lambda signal, layer: layer(signal), self.layers, x)

    def backward(self, grad_out):
        # the same fold, over the layers in reverse, with each layer's backward
        from functools import reduce

        return reduce(lambda g, layer: layer.backward(g), reversed(self.layers), grad_out)
