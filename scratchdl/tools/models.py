"""The two MNIST models of chapters 7 and 8, built from your layers.

    mnist_mlp(rng)   784-64-64-10, ReLU, softmax cross-entropy          (chapter 7)
    lenet5(rng)      LeNet-5 as in a well-known Keras comparison:        (chapter 8)
                     conv 3x3 -> 6, ReLU, avg-pool 2x2; conv 3x3 -> 16, ReLU, avg-pool 2x2;
                     flatten (400); dense 120, ReLU; dense 84, ReLU; dense 10, softmax
"""

import numpy as np

from scratchdl.conv import AvgPool2D, Conv2D, Flatten
from scratchdl.layers import Activation, Dense
from scratchdl.network import Network

MLP_ARCHITECTURE = [
    {"input_dim": 784, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
]


def mnist_mlp(rng, dtype=np.float32):
    """Chapter 7's MLP; takes images flattened to rows of 784."""
    return Network.from_architecture(MLP_ARCHITECTURE, rng, dtype=dtype)


def lenet5(rng, dtype=np.float32):
    """LeNet-5 for 28 x 28 images of shape (n, 1, 28, 28): 28 -> 26 -> 13 -> 11 -> 5."""
    return Network([
        Conv2D(1, 6, 3, rng, dtype=dtype, input_gradient=False), Activation("relu"), AvgPool2D(),
        Conv2D(6, 16, 3, rng, dtype=dtype), Activation("relu"), AvgPool2D(),
        Flatten(),
        Dense(400, 120, rng, init="he_normal", dtype=dtype), Activation("relu"),
        Dense(120, 84, rng, init="he_normal", dtype=dtype), Activation("relu"),
        Dense(84, 10, rng, init="xavier_normal", dtype=dtype),
    ], loss="softmax_cross_entropy")
