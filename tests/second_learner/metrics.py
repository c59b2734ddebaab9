"""Second learner's bodies for scratchdl/metrics.py (chapter 7): rows of an identity matrix,
and a count of matches."""

import numpy as np


def one_hot(labels, n_classes):
    # pick rows of the identity matrix
    return np.eye(n_classes)[np.asarray(labels, dtype=np.intp)]


def accuracy(y_pred, y_true):
    # count the matches, divide by how many there are
    hits = np.count_nonzero(np.ravel(y_pred) == np.ravel(y_true))
    return hits / np.size(y_true)
