"""Looking at a classifier of digits: the images, its surest mistakes, confusion matrices, recall
per class, and two classifiers compared. Chapters 7 and 8 use them.

The plots take the images as loaded by scratchdl.tools.mnist.load_mnist - shape (n, 1, 28, 28),
(n, 28, 28) or flattened rows (n, 784) - with pixel values from 0 (paper) to 1 (ink). Every
plot_ function returns its figure.
"""

import matplotlib.pyplot as plt
import numpy as np

SIDE = 28  # MNIST images are 28 x 28 pixels


def as_images(X):
    """Any of (n, 784), (n, 28, 28) or (n, 1, 28, 28) -> (n, 28, 28), for drawing."""
    return np.asarray(X).reshape(len(X), SIDE, SIDE)


def first_of_each_class(y, n_classes=10):
    """The index of the first example of each class.

    Args:
        y: int array of shape (n,), labels in 0..n_classes-1 (every class present).

    Returns:
        int array of shape (n_classes,): entry k is the smallest i with y[i] == k.
    """
    y = np.asarray(y)
    missing = [k for k in range(n_classes) if not np.any(y == k)]
    if missing:
        raise ValueError(f"no example of class {missing} in the labels")
    return np.array([np.flatnonzero(y == k)[0] for k in range(n_classes)])


def plot_digits(images, titles, suptitle, columns=10):
    """A gallery: one small picture per image, each with its own title.

    Args:
        images:   float array of shape (n, 784), (n, 28, 28) or (n, 1, 28, 28).
        titles:   n strings, one per image.
        suptitle: the title of the whole figure.
    """
    images = as_images(images)
    if len(titles) != len(images):
        raise ValueError(f"{len(images)} images but {len(titles)} titles")
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(1.25 * columns, 1.6 * rows + 0.5), squeeze=False)
    for ax in axes.flat[len(images):]:
        ax.set_visible(False)
    for ax, image, title in zip(axes.flat, images, titles):
        # Ink dark on light paper; a fixed range, so that a faint average digit looks faint.
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=max(1.0, float(image.max())))
        ax.set_title(title, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def most_confident_mistakes(probabilities, y_true, k=20):
    """The k wrong predictions the classifier was surest of, surest first.

    Args:
        probabilities: float array of shape (n, n_classes), each row summing to 1.
        y_true:        int array of shape (n,).
        k:             how many to return (fewer if there are fewer mistakes).

    Returns:
        int array of at most k indices into the n examples, all of them mistakes, sorted by the
        probability given to the (wrong) predicted class, highest first.
    """
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    order = np.argsort(-confidence[wrong], kind="stable")  # ties keep the data's order
    return wrong[order[:k]]


def plot_mistakes(images, y_true, probabilities, indices, suptitle, columns=10):
    """A gallery of examples, each titled with its true label, the prediction and its probability.

    Args:
        images:        the n images (any shape plot_digits takes).
        y_true:        int array of shape (n,).
        probabilities: float array of shape (n, n_classes).
        indices:       which examples to show, e.g. from most_confident_mistakes.
    """
    indices = np.asarray(indices)
    predicted = probabilities[indices].argmax(axis=1)
    titles = [f"true {y_true[i]}, predicted {p}\np = {probabilities[i, p]:.4f}" for i, p in zip(indices, predicted)]
    return plot_digits(images[indices], titles, suptitle, columns)


def plot_confusion_matrices(matrices, suptitle="Confusion matrices on the test set"):
    """One panel per classifier: counts[i, j] = test images of digit i predicted as j.

    The diagonal (right answers) is printed in bold on grey; the mistakes off it are coloured by
    their count, so the pairs of digits a classifier mixes up stand out. Every panel uses the
    same colour scale, from 0 to the largest off-diagonal count of all the matrices, shown by
    one colour bar: the same shade means the same number of mistakes in every panel.

    Args:
        matrices: dict of classifier name -> int array of shape (n_classes, n_classes).
    """
    off_diagonal = {name: np.where(np.eye(len(counts), dtype=bool), 0, counts) for name, counts in matrices.items()}
    top = max(1, max(int(m.max()) for m in off_diagonal.values()))  # one scale for every panel
    fig, axes = plt.subplots(1, len(matrices), figsize=(5.2 * len(matrices) + 1.2, 5.8), squeeze=False,
                             layout="constrained")
    for ax, (name, counts) in zip(axes[0], matrices.items()):
        n_classes = len(counts)
        diagonal = np.eye(n_classes, dtype=bool)
        mistakes = off_diagonal[name]
        shading = ax.imshow(np.where(diagonal, np.nan, mistakes), cmap="Reds", vmin=0, vmax=top)
        ax.imshow(np.where(diagonal, 1.0, np.nan), cmap="Greys", vmin=0, vmax=4)  # light grey diagonal
        for i in range(n_classes):
            for j in range(n_classes):
                dark = not diagonal[i, j] and counts[i, j] > 0.6 * top
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=7,
                        fontweight="bold" if diagonal[i, j] else "normal", color="white" if dark else "black")
        ax.set_xticks(np.arange(n_classes))
        ax.set_yticks(np.arange(n_classes))
        ax.set_xlabel("predicted digit")
        ax.set_ylabel("true digit")
        ax.set_title(f"{name}: {int(mistakes.sum())} mistakes in {int(counts.sum()):,}")
    colorbar = fig.colorbar(shading, ax=axes[0].tolist(), shrink=0.8, pad=0.02)
    colorbar.set_label("mistakes: test images of the row's digit predicted as the column's\n"
                       "(one scale for every panel; the right answers, on the diagonal, are grey)")
    colorbar.ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    fig.suptitle(suptitle)
    return fig


def compare_predictions(y_true, predictions):
    """Who gets which examples right, for two classifiers.

    Args:
        y_true:      int array of shape (n,).
        predictions: dict of two classifier names -> int array of shape (n,).

    Returns:
        dict of counts: "both right", "only <first> right", "only <second> right", "both wrong".
    """
    if len(predictions) != 2:
        raise ValueError(f"compare_predictions compares two classifiers; got {len(predictions)}")
    (name_a, pred_a), (name_b, pred_b) = predictions.items()
    a, b = pred_a == y_true, pred_b == y_true
    return {
        "both right": int(np.sum(a & b)),
        f"only {name_a} right": int(np.sum(a & ~b)),
        f"only {name_b} right": int(np.sum(~a & b)),
        "both wrong": int(np.sum(~a & ~b)),
    }


def plot_per_class(reports, metric="recall", title=None):
    """Grouped bars: one per-class metric for several classifiers.

    Args:
        reports: dict of classifier name -> scratchdl.metrics.per_class_report(...).
        metric:  "precision", "recall" or "f1".
    """
    fig, ax = plt.subplots(figsize=(10, 3.6))
    width = 0.8 / len(reports)
    lowest = 1.0
    for i, (name, report) in enumerate(reports.items()):
        values = report[metric]
        classes = np.arange(len(values))
        ax.bar(classes + (i - (len(reports) - 1) / 2) * width, values, width, label=name, color=f"C{i}")
        lowest = min(lowest, float(values.min()))
    ax.set_ylim(max(0.0, lowest - 0.05), 1.0)  # start near the lowest bar: the differences matter
    ax.set_xticks(classes)
    ax.set_xlabel("digit")
    ax.set_ylabel(metric)
    ax.set_title(title or f"{metric} per digit")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig
