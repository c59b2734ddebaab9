"""Chapter 7 demos: a look at MNIST, and at what a classifier gets right and wrong.

The plots take the images as loaded by scratchdl.tools.mnist.load_mnist - shape (n, 1, 28, 28),
(n, 28, 28) or flattened rows (n, 784) - with pixel values from 0 (paper) to 1 (ink). The
classifiers that make the predictions are yours: NearestMean (exercises 7.3, 7.4) and the
network built from your layers, loss and optimizer. Every plot_ function returns its figure.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from scratchdl.layers import Dense
from scratchdl.tools.models import mean_and_std

# --- looking at the data ----------------------------------------------------------------


def pixel_statistics(X):
    """Numbers that describe the pixels of a set of images (values in [0, 1]).

    Args:
        X: float array of shape (n, ...), n images.

    Returns:
        dict of Python numbers:
            "mean", "std":      over every pixel of every image;
            "zero":             the share of pixels that are exactly 0 (blank paper);
            "full":             the share that are exactly 1 (full ink);
            "ink_per_image":    the average number of pixels above 0 in one image;
            "never_inked":      how many pixel positions are 0 in every image.
    """
    pixels = np.asarray(X).reshape(len(X), -1)
    mean, std = mean_and_std(pixels)  # without a float64 copy of every pixel
    return {
        "mean": mean,
        "std": std,
        "zero": float(np.mean(pixels == 0)),
        "full": float(np.mean(pixels == 1)),
        "ink_per_image": float(np.mean(np.count_nonzero(pixels, axis=1))),
        "never_inked": int(np.sum(pixels.max(axis=0) == 0)),
    }


def grey_level_counts(X):
    """How many pixels have each of the 256 grey levels of the original files.

    Args:
        X: float array of pixel values k / 255, any shape.

    Returns:
        int array of shape (256,): entry k counts the pixels equal to k / 255.
    """
    pixels = np.asarray(X).reshape(len(X), -1)
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, len(pixels), 5000):  # 5,000 images at a time: no copy of all the pixels
        levels = np.rint(pixels[start:start + 5000] * 255).astype(np.uint8)
        counts += np.bincount(levels.ravel(), minlength=256)
    return counts


def plot_pixel_statistics(X, y, n_classes=10):
    """Two panels: how often each pixel value occurs (log scale), and how many images per class.

    Args:
        X: float array of shape (n, ...), n images with pixel values k / 255.
        y: int array of shape (n,), their labels.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    counts = grey_level_counts(X)
    left.bar(np.arange(256) / 255, counts, width=1 / 255, color="C0")
    left.set_yscale("log")  # 0 is so common that everything else would vanish on a linear scale
    left.set_xlabel("pixel value (0 = paper, 1 = full ink)")
    left.set_ylabel("number of pixels (log scale)")
    left.set_title(f"Pixel values of {len(X):,} images")
    per_class = np.bincount(y, minlength=n_classes)
    right.bar(np.arange(n_classes), per_class, color="C2")
    for k, count in enumerate(per_class):
        right.text(k, count, str(count), ha="center", va="bottom", fontsize=7)
    right.set_xticks(np.arange(n_classes))
    right.set_ylim(0, per_class.max() * 1.12)
    right.set_xlabel("digit")
    right.set_ylabel("number of images")
    right.set_title("Images per class")
    fig.tight_layout()
    return fig


# --- the baseline ---------------------------------------------------------------------------


def nearest_mean_layer(means):
    """A Dense layer that makes the nearest-mean classifier's decisions.

    Expanding the square, ||x - m_k||^2 = ||x||^2 - 2 x . m_k + ||m_k||^2. The first term is the
    same for every class, so the nearest mean is the class with the largest

        x . m_k - ||m_k||^2 / 2     =  x @ W + b   with  W[:, k] = m_k,  b[k] = -||m_k||^2 / 2.

    Args:
        means: float array of shape (n_classes, n_features), e.g. NearestMean().fit(...).means.

    Returns:
        Dense(n_features, n_classes) holding that W and b (float64).
    """
    means = np.asarray(means, dtype=np.float64)
    n_classes, n_features = means.shape
    # Start from zeros: no random numbers are needed, since every weight is overwritten below.
    layer = Dense(n_features, n_classes, np.random.default_rng(0), init="zeros")
    layer.params["W"][...] = means.T  # in place: the layer keeps its own arrays
    layer.params["b"][...] = -0.5 * np.sum(means**2, axis=1)
    return layer


# --- training curves ------------------------------------------------------------------------


def plot_runs(histories, title="Two training runs"):
    """Compare runs: loss (training dashed, validation solid) and validation accuracy per epoch.

    Args:
        histories: dict of run name -> the history returned by fit (with validation data).
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for i, (name, history) in enumerate(histories.items()):
        epochs = np.arange(1, len(history["loss"]) + 1)
        color = f"C{i}"
        left.plot(epochs, history["loss"], "--", color=color, label=f"{name}: training")
        left.plot(epochs, history["val_loss"], color=color, label=f"{name}: validation")
        right.plot(epochs, history["val_accuracy"], color=color, label=name)
    left.set_yscale("log")
    left.set_title(f"{title}: loss")
    left.set_ylabel("cross-entropy (log scale)")
    right.set_title(f"{title}: validation accuracy")
    right.set_ylabel("accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- what a classifier gets wrong -----------------------------------------------------------


