"""The two MNIST models of chapters 7 and 8, built from your layers, and chapter 7's recipe.

    mnist_mlp(rng)   784-64-64-10, ReLU, softmax cross-entropy          (chapter 7)
    train_mnist_mlp  chapter 7's recipe, in one call (chapter 8 compares LeNet with it); its
                     network starts with Standardize, so it takes raw images
    lenet5(rng)      LeNet-5 as in a well-known Keras comparison:        (chapter 8)
                     conv 3x3 -> 6, ReLU, avg-pool 2x2; conv 3x3 -> 16, ReLU, avg-pool 2x2;
                     flatten (400); dense 120, ReLU; dense 84, ReLU; dense 10, softmax
"""

import math

import numpy as np

from scratchdl.conv import AvgPool2D, Conv2D, Flatten
from scratchdl.layers import Activation, Dense, Layer
from scratchdl.network import Network
from scratchdl.optimizers import AdamW
from scratchdl.training import fit

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


def mean_and_std(X, rows_at_a_time=5000):
    """The mean and standard deviation of every value in X, in float64 - a few thousand rows at a
    time, because np.std would make a temporary copy of all of X (188 MB for MNIST)."""
    total = squares = 0.0
    for start in range(0, len(X), rows_at_a_time):
        part = np.asarray(X[start:start + rows_at_a_time], dtype=np.float64)
        total += float(part.sum())
        squares += float(np.square(part).sum())
    mean = total / X.size
    return mean, math.sqrt(max(squares / X.size - mean**2, 0.0))


class Standardize(Layer):
    """Chapter 7's preparation as the first layer of a network: each image flattened to a row,
    minus the training pixels' mean, divided by their standard deviation (two numbers).

    With it inside, the network takes raw images - from load_mnist or from draw_digit - and no
    standardised copy of a whole data set is ever made: each batch is prepared as it comes.
    """

    def __init__(self, mean, std):
        super().__init__()
        self.mean, self.std = float(mean), float(std)
        self.x_shape = None

    def __repr__(self):
        return f"Standardize(mean={self.mean:.4f}, std={self.std:.4f})"

    def forward(self, x):
        self.x_shape = x.shape
        return (x.reshape(len(x), -1) - self.mean) / self.std  # Python floats: float32 stays float32

    def output_shape(self):
        return None if self.x_shape is None else (self.x_shape[0], int(np.prod(self.x_shape[1:])))

    def backward(self, grad_out):
        self.check_grad_out(grad_out)
        return (grad_out / self.std).reshape(self.x_shape)


def train_mnist_mlp(X_train, y_train, epochs=20, seed=0, **options):
    """Chapter 7's recipe: mnist_mlp behind a Standardize layer (the training images' mean and
    standard deviation), AdamW(0.002, weight decay 0.2) with the cosine schedule, minibatches of
    128. Returns (the network, which takes raw images, and the history). `options` go to fit
    (verbose, live, validation_data, ...)."""
    mlp = mnist_mlp(np.random.default_rng(seed))
    model = Network([Standardize(*mean_and_std(X_train)), *mlp.layers], loss=mlp.loss)
    history = fit(model, X_train, y_train, epochs=epochs, batch_size=128, rng=seed,
                  optimizer=AdamW(0.002, weight_decay=0.2), schedule="cosine", **options)
    return model, history
