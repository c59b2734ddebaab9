"""Yours to write - chapter 7: 7.1 one_hot, 7.2 accuracy.

Chapter 7 - measuring a classifier: one-hot labels, accuracy, the confusion matrix, and
precision, recall and F1 per class."""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.tools.inputs import class_labels, two_label_arrays  # checked before your code runs


@exercise("7.1", arguments=class_labels)
def one_hot(labels, n_classes):
    """Integer class labels as one-hot rows: row i is all zeros except a 1 in column labels[i].

    Example: one_hot(np.array([2, 0]), 3) -> [[0., 0., 1.], [1., 0., 0.]].
    The width comes from n_classes, not from the labels: a batch without any 9s still needs
    10 columns.

    Args:
        labels:    int array of shape (n,), values in 0..n_classes-1.
        n_classes: int, the number of classes.

    Returns:
        float array of shape (n, n_classes).
    """
    raise ExerciseTodo("7.1")


@exercise("7.2", arguments=two_label_arrays)
def accuracy(y_pred, y_true):
    """The fraction of predictions that are right: a number from 0 to 1 (not a percentage).

    Args:
        y_pred: int array of shape (n,), predicted class labels.
        y_true: int array of shape (n,), the true labels.

    Returns:
        a Python float in [0, 1].
    """
    raise ExerciseTodo("7.2")


def confusion_matrix(y_true, y_pred, n_classes):
    """counts[i, j] = how many examples of true class i were predicted as class j.

    The diagonal holds the right answers; everything off it is a mistake, and where it sits
    says which classes are mixed up.
    """
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)  # add.at counts repeated (i, j) pairs correctly
    return counts


def per_class_report(y_true, y_pred, n_classes):
    """Precision, recall, F1 and support for every class, from the confusion matrix.

    precision_k = of the examples predicted k, the share that are k
    recall_k    = of the examples that are k, the share predicted k
    F1_k        = the harmonic mean of the two, 2 p r / (p + r)

    Returns:
        dict of arrays of shape (n_classes,): "precision", "recall", "f1", "support".
    """
    counts = confusion_matrix(y_true, y_pred, n_classes)
    right = np.diag(counts).astype(float)
    predicted, actual = counts.sum(axis=0), counts.sum(axis=1)
    precision = np.divide(right, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = np.divide(right, actual, out=np.zeros(n_classes), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(n_classes), where=total > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": actual}


def format_report(report, class_names=None):
    """The per-class report as a table of text."""
    n = len(report["support"])
    names = class_names or [str(k) for k in range(n)]
    lines = [f"{'class':>6} {'precision':>10} {'recall':>8} {'F1':>8} {'support':>8}"]
    for k in range(n):
        lines.append(f"{names[k]:>6} {report['precision'][k]:>10.4f} {report['recall'][k]:>8.4f} "
                     f"{report['f1'][k]:>8.4f} {int(report['support'][k]):>8d}")
    return "\n".join(lines)
