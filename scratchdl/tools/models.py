"""The two MNIST models of chapters 7 and 8, built from your layers, and chapter 7's recipe.

    mnist_mlp(rng)   784-64-64-10, ReLU, softmax cross-entropy          (chapter 7)
    train_mnist_mlp  chapter 7's recipe, in one call (chapter 8 compares LeNet with it)
    lenet5(rng)      LeNet-5 as in a well-known Keras comparison:        (chapter 8)
                     conv 3x3 -> 6, ReLU, avg-pool 2x2; conv 3x3 -> 16, ReLU, avg-pool 2x2;
                     flatten (400); dense 120, ReLU; dense 84, ReLU; dense 10, softmax
"""

import numpy as np

from scratchdl.conv import AvgPool2D, Conv2D, Flatten
from scratchdl.layers import Activation, Dense
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


def standardizer(X_train):
    """Chapter 7's preparation of images for a dense network, as a function: flatten each image to
    a row, then subtract the training pixels' mean and divide by their standard deviation (two
    numbers from the training set, used for every set)."""
    rows = X_train.reshape(len(X_train), -1)
    mean, std = float(rows.mean()), float(rows.std())
    return lambda X: (X.reshape(len(X), -1) - mean) / std


def train_mnist_mlp(X_train, y_train, epochs=20, seed=0, **options):
    """Chapter 7's recipe: mnist_mlp on standardised rows, AdamW(0.002, weight decay 0.2) with the
    cosine schedule, minibatches of 128. Returns (the network, the function that prepares images
    for it, the history). `options` go to fit (verbose, live, validation_data, ...)."""
    prepare = standardizer(X_train)
    model = mnist_mlp(np.random.default_rng(seed))
    history = fit(model, prepare(X_train), y_train, epochs=epochs, batch_size=128, rng=seed,
                  optimizer=AdamW(0.002, weight_decay=0.2), schedule="cosine", **options)
    return model, prepare, history
