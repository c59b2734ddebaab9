"""Chapter 10 demos: overfitting on a small MNIST subset and what L2 and dropout do about it;
Adam with an L2 term against AdamW's decoupled decay; a deep MLP with and without batch norm.

Every network here is made of your layers - Dense, ReLU, your Dropout and BatchNorm - and trained
by fit with your L2 term. Every plot_ function returns its figure.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.layers import Activation, Dense
from scratchdl.network import Network
from scratchdl.optimizers import Adam
from scratchdl.regularization import L2, BatchNorm, Dropout, add_l2_gradients
from scratchdl.tools.monitor import layer_statistics
from scratchdl.training import TrainingDiverged, fit


# --- overfitting and two cures ------------------------------------------------------------------


def small_mlp(seed=0, dropout=0.0, width=256):
    """784 → width → width → 10 with ReLU (He initialisation), float32; Dropout(rate) after each ReLU if asked."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in in (784, width):
        layers += [Dense(fan_in, width, rng, init="he_normal", dtype=np.float32), Activation("relu")]
        if dropout:
            layers.append(Dropout(dropout, rng))
    return Network(layers + [Dense(width, 10, rng, dtype=np.float32)])


def regularisation_runs(X, y, X_val, y_val, l2=3e-3, dropout=0.5, epochs=40, seed=0):
    """Train the same MLP four ways - plain, L2, dropout, both - from the same starting weights.

    Returns:
        dict of run name -> history (with "val_accuracy").
    """
    settings = {"plain": (0.0, None), f"L2({l2:g})": (0.0, L2(l2)), f"dropout {dropout:g}": (dropout, None),
                "both": (dropout, L2(l2))}
    histories = {}
    for name, (rate, regularizer) in settings.items():
        model = small_mlp(seed, dropout=rate)
        histories[name] = fit(model, X, y, epochs=epochs, batch_size=64, optimizer=Adam(1e-3), rng=seed,
                              validation_data=(X_val, y_val), regularizer=regularizer, verbose=0)
    return histories


def plot_train_and_validation(histories, title="1,000 training images"):
    """Training accuracy (left) and validation accuracy (right) per epoch, one line per run."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for i, (name, history) in enumerate(histories.items()):
        epochs = np.arange(1, len(history["accuracy"]) + 1)
        left.plot(epochs, history["accuracy"], color=f"C{i}", label=name)
        right.plot(epochs, history["val_accuracy"], color=f"C{i}", label=name)
    left.set_title(f"{title}: training accuracy")
    right.set_title("validation accuracy (images not trained on)")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- L2 in the loss versus decoupled decay -------------------------------------------------------


def your_l2_gradient(decay):
    """g + decay * w, computed by your add_l2_gradients (10.2) on a one-layer network holding w: the
    l2_gradient of scratchdl.tools.decay.decay_comparison."""
    layer = Dense(1, 2, np.random.default_rng(0))
    model = Network([layer])

    def gradient(w, g):
        layer.params["W"], layer.grads["W"] = w.reshape(1, 2), g.reshape(1, 2).copy()
        add_l2_gradients(model, decay)
        return layer.grads["W"].reshape(w.shape)
    return gradient


# --- batch normalisation in a deep network --------------------------------------------------------


def deep_mlp(batchnorm, depth=8, width=64, seed=0):
    """depth Dense layers of `width` units with ReLU (He initialisation), BatchNorm before each ReLU if asked."""
    rng = np.random.default_rng(seed)
    layers, fan_in = [], 784
    for _ in range(depth - 1):
        layers.append(Dense(fan_in, width, rng, init="he_normal", dtype=np.float32))
        if batchnorm:
            layers.append(BatchNorm(width, dtype=np.float32))
        layers.append(Activation("relu"))
        fan_in = width
    return Network(layers + [Dense(fan_in, 10, rng, dtype=np.float32)])


def deep_runs(X, y, X_val, y_val, optimizer, epochs=5, seed=0):
    """The deep MLP trained with and without batch norm; returns {name: (model, history)}."""
    runs = {}
    for name, batchnorm in (("plain", False), ("batch norm", True)):
        model = deep_mlp(batchnorm, seed=seed)
        try:
            history = fit(model, X, y, epochs=epochs, batch_size=64, optimizer=optimizer(), rng=seed,
                          validation_data=(X_val, y_val), verbose=0)
        except TrainingDiverged as stopped:  # the loss blew up
            history = {"diverged": str(stopped).splitlines()[0]}
        runs[name] = (model, history)
    return runs


def relu_statistics(model, X):
    """(std of each ReLU layer's output, share of dead units) from the live view's layer table."""
    rows = [row for row in layer_statistics(model, X) if row["dead_share"] is not None]
    return [row["output_std"] for row in rows], [row["dead_share"] for row in rows]


def plot_relu_statistics(runs, X):
    """The std of every ReLU layer's output, layer by layer, with and without batch norm."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i, (name, (model, _)) in enumerate(runs.items()):
        stds, _ = relu_statistics(model, X)
        ax.plot(np.arange(1, len(stds) + 1), stds, "o-", color=f"C{i}", label=name)
    ax.set_xlabel("ReLU layer")
    ax.set_ylabel("std of its outputs")
    ax.set_yscale("log")
    ax.set_title("After training: the spread of each layer's outputs")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    fig.tight_layout()
    return fig
