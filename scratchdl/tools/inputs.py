"""Checks of the data handed to a network (fit, predict, evaluate), made before anything changes.

Each returns the data in the form the network computes with, or raises a ValueError that names
the argument, what was expected and what came.
"""

import numpy as np


def whole_number(name, value, at_least=1):
    """An int of at least `at_least` (epochs, batch_size), never a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < at_least:
        raise ValueError(f"{name} must be a whole number of at least {at_least}; got {value!r}")
    return int(value)


def inputs(x, name, dtype):
    """A non-empty array of finite numbers, one row (or image) per example, in `dtype`."""
    array = np.asarray(x)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers; got dtype {array.dtype}"
                         + (f" (for example {array.flat[0]!r})" if array.size else ""))
    if array.ndim < 2:
        raise ValueError(f"{name} must have one row (or image) per example, shape (n_examples, ...); "
                         f"got shape {array.shape}")
    if len(array) == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}): there are no examples in it")
    array = array.astype(dtype, copy=False)
    bad = ~np.isfinite(array)
    if bad.any():
        rows = np.unique(np.argwhere(bad)[:, 0])
        raise ValueError(f"{name} holds {int(bad.sum())} NaN or infinite values, in {len(rows)} of its "
                         f"{len(array)} examples (the first is example {rows[0]}): a problem of the data, not "
                         "of the network. Drop or fill those examples first.")
    return array


def targets(y, name, n_examples, x_name="X"):
    """Numbers (or labels), one per example: as many as `x_name` has examples."""
    array = np.asarray(y)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers (class labels 0, 1, 2, ...); got dtype {array.dtype}. "
                         "Names of classes become numbers with np.unique(y, return_inverse=True).")
    if array.ndim == 0 or len(array) != n_examples:
        raise ValueError(f"{x_name} has {n_examples} examples but {name} has "
                         f"{'one number' if array.ndim == 0 else len(array)} targets")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} holds NaN or infinite targets: a problem of the data. Drop or fill them first.")
    return array


def params_and_grads(optimizer, params, grads):
    """The arguments of an optimizer's step: two lists of float arrays of matching shapes.

    Checked in full before the step, so a bad gradient never leaves some parameters (or the
    optimizer's step count) updated and others not.
    """
    name = f"{type(optimizer).__name__}.step"
    for what, given in (("params", params), ("grads", grads)):
        if not isinstance(given, (list, tuple)):
            raise ValueError(f"{name}: {what} must be a list of arrays; got {type(given).__name__}")
    if len(params) != len(grads):
        raise ValueError(f"{name}: {len(params)} parameters but {len(grads)} gradients; "
                         "expected one gradient per parameter, in the same order")
    for i, (p, g) in enumerate(zip(params, grads)):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise ValueError(f"{name}: params[{i}] must be a float array (changed in place); "
                             f"got {type(p).__name__}{f' of dtype {p.dtype}' if isinstance(p, np.ndarray) else ''}")
        if np.shape(g) != p.shape:
            raise ValueError(f"{name}: grads[{i}] has shape {np.shape(g)}; expected {p.shape}, "
                             f"the shape of params[{i}] (a gradient is never broadcast)")


def class_labels(labels, n_classes):
    """The arguments of one_hot: labels of shape (n,) with whole values in 0..n_classes-1."""
    whole_number("n_classes", n_classes)
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.dtype.kind not in "iuf" or (labels.dtype.kind == "f" and not np.all(labels == np.round(labels))):
        raise ValueError(f"one_hot: labels must be whole numbers in an array of shape (n,); got dtype "
                         f"{labels.dtype}, shape {labels.shape}"
                         + (" (one-hot already? labels.argmax(axis=1) gives the labels)" if labels.ndim == 2 else ""))
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must be in 0..{n_classes - 1} for n_classes={n_classes}; got values "
                         f"from {labels.min()} to {labels.max()}")


def two_label_arrays(y_pred, y_true):
    """The arguments of accuracy: two non-empty arrays of labels of the same shape (n,)."""
    shapes = np.shape(y_pred), np.shape(y_true)
    if len(shapes[0]) != 1 or shapes[0] != shapes[1]:
        raise ValueError(f"accuracy: y_pred and y_true must be labels of the same shape (n,); got shapes "
                         f"{shapes[0]} and {shapes[1]}"
                         + (" (scores? y_pred.argmax(axis=1) gives the labels)" if len(shapes[0]) == 2 else ""))
    if shapes[0] == (0,):
        raise ValueError("accuracy: y_pred and y_true are empty: there is nothing to count")


def schedule_arguments(start, step, total):
    """Refuses bad arguments of cosine_learning_rate before your code runs (given, not an exercise)."""
    a_number = isinstance(start, (int, float, np.integer, np.floating)) and not isinstance(start, bool)
    if not a_number or not 0 <= start < np.inf:
        raise ValueError(f"cosine_learning_rate: start must be a learning rate, a number >= 0; got {start!r}")
    whole_number("cosine_learning_rate: step", step, at_least=0)
    whole_number("cosine_learning_rate: total", total, at_least=1)
