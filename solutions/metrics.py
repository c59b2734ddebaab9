"""Reference bodies for scratchdl/metrics.py (chapter 7)."""

import numpy as np


def one_hot(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes))
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def accuracy(y_pred, y_true):
    return float(np.mean(y_pred == y_true))
