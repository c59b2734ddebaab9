"""Plots shared by the chapters: decision regions, training curves, boundaries over epochs."""

import matplotlib.pyplot as plt
import numpy as np

from scratchdl.tools.callbacks import Callback

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
VANISHING = 0.01  # a derivative below this passes on less than 1% of the gradient (shaded in plots)


def grid_around(X, resolution=150, margin=0.5):
    """A grid of points covering the data: (xx, yy, points of shape (resolution**2, 2))."""
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _draw_regions(ax, xx, yy, probabilities, X, y, title):
    """Shade each point of the grid by its predicted class (darker where the model is surer)."""
    n_classes = probabilities.shape[1]
    labels = probabilities.argmax(axis=1).reshape(xx.shape)
    confidence = probabilities.max(axis=1).reshape(xx.shape)
    colors = np.array([plt.matplotlib.colors.to_rgb(CLASS_COLORS[k % len(CLASS_COLORS)])
                        for k in range(n_classes)])
    # Blend each class colour with white: white where the model is unsure (confidence 1/k).
    strength = ((confidence - 1 / n_classes) / (1 - 1 / n_classes))[..., None] * 0.45
    image = 1 - strength * (1 - colors[labels])
    ax.imshow(image, origin="lower", extent=(xx.min(), xx.max(), yy.min(), yy.max()), aspect="auto")
    if n_classes == 2:
        ax.contour(xx, yy, probabilities[:, 1].reshape(xx.shape), levels=[0.5], colors="k", linewidths=1)
    size = 10 if len(X) > 50 else 40  # a handful of points (XOR) must still be easy to see
    for k in range(n_classes):
        ax.scatter(*X[y == k].T, s=size, color=CLASS_COLORS[k % len(CLASS_COLORS)], edgecolor="white",
                   linewidth=0.3, label=f"class {k}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)


def plot_decision_boundary(model, X, y, ax=None, title="Decision regions", resolution=150):
    """The model's predicted class over the plane, with the data on top (2-D inputs only)."""
    if X.shape[1] != 2:
        raise ValueError(f"decision regions can only be drawn for 2 input features; X has {X.shape[1]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.2))
    xx, yy, points = grid_around(X, resolution)
    _draw_regions(ax, xx, yy, model.predict_proba(points), X, np.ravel(y), title)
    ax.legend(loc="lower right", fontsize=7)
    ax.figure.tight_layout()
    return ax.figure


def plot_history(history, title="Training"):
    """Loss (and accuracy, for a classifier) per epoch, training and validation."""
    metrics = [m for m in ("loss", "accuracy") if m in history]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.6), squeeze=False)
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, metric in zip(axes[0], metrics):
        ax.plot(epochs, history[metric], label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))  # whole epochs: 1, 2, ..., not 2.5
        ax.set_ylabel(metric)
        ax.set_title(f"{title}: {metric}")
        if metric == "loss" and min(history["loss"]) > 0:
            ax.set_yscale("log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


class BoundarySnapshots(Callback):
    """Remembers the predicted class probabilities over a grid at chosen epochs of a fit."""

    def __init__(self, X, epochs, resolution=100):
        self.xx, self.yy, self.points = grid_around(X, resolution)
        self.epochs = set(epochs)
        self.snapshots = {}  # epoch -> class probabilities over the grid

    def on_train_begin(self, model, epochs, n_batches):
        self.model = model
        if 0 in self.epochs:
            self.snapshots[0] = model.predict_proba(self.points)

    def on_epoch_end(self, epoch, logs):
        if epoch in self.epochs:
            self.snapshots[epoch] = self.model.predict_proba(self.points)

    def plot(self, X, y, title="Decision regions during training", columns=4):
        """One panel per remembered epoch."""
        epochs = sorted(self.snapshots)
        rows = -(-len(epochs) // columns)
        fig, axes = plt.subplots(rows, columns, figsize=(3.3 * columns, 3.0 * rows), squeeze=False)
        for ax in axes.flat[len(epochs):]:
            ax.set_visible(False)
        for ax, epoch in zip(axes.flat, epochs):
            _draw_regions(ax, self.xx, self.yy, self.snapshots[epoch], X, np.ravel(y), f"after epoch {epoch}")
        fig.suptitle(title)
        fig.tight_layout()
        return fig
