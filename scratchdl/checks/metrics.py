"""Checks for scratchdl/metrics.py: one-hot labels (7.1) and accuracy (7.2)."""

import numpy as np

from scratchdl.checks import check_for
from scratchdl.checks.expect import Mistake, call, expect, expect_array, expect_close, expect_unchanged
from scratchdl.metrics import accuracy, one_hot


@check_for(
    "7.1",
    hints=(
        "Start from an (n, n_classes) array of zeros, then set one element per row: row i, "
        "column labels[i]. Fancy indexing does all rows at once.",
        "np.zeros((n, n_classes)) with n = len(labels) gives the array; fancy indexing with the row "
        "numbers np.arange(n) and the column numbers labels sets one element per row to 1.0 in a "
        "single assignment. Return the array.",
    ),
)
def check_one_hot():
    """a 1 in column labels[i] of row i, zeros elsewhere; shape (n, n_classes), floats
    the width is n_classes even when the largest class is missing from the labels
    leaves the labels unchanged"""
    labels = np.array([2, 0, 1, 2, 0])
    given = labels.copy()
    what = "one_hot(np.array([2, 0, 1, 2, 0]), n_classes=4)"
    got = call(what, one_hot, given, 4)
    expect_unchanged(labels, given, what)
    expect_array(got, what)
    if np.shape(got) == (4, 5):
        expect(False, f"{what} returned shape (4, 5), which is (n_classes, n): one row per example, please - (5, 4).")
    if np.shape(got) == (5, 3):
        expect(False, f"{what} returned shape (5, 3): the width must be n_classes = 4, not the largest label + 1 "
               "(a batch may not contain every class).")
    right = np.eye(4)[labels]
    expect_close(got, right, what, inputs={"labels": labels}, mistakes=[
        Mistake(np.eye(4)[labels - 1], "the columns are off by one: class 0 goes in column 0."),
        Mistake(1 - right, "ones and zeros are swapped: a single 1 per row, at the label."),
    ])


@check_for(
    "7.2",
    hints=(
        "Compare the two arrays element by element (==) and take the mean of the result: True "
        "counts as 1, False as 0.",
        "y_pred == y_true gives a boolean array and np.mean of it is the fraction that are equal; "
        "wrap it in float() to return a Python number.",
    ),
)
def check_accuracy():
    """the fraction of equal labels, from 0 to 1, as one number
    1 for a perfect prediction and 0 for an all-wrong one"""
    y_true = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    y_pred = np.array([3, 1, 4, 0, 5, 9, 0, 0])
    what = "accuracy(y_pred, y_true) with 5 of 8 right"
    got = call(what, accuracy, y_pred, y_true)
    expect(np.ndim(got) == 0, f"{what} should return one number; it returned shape {np.shape(got)}.")
    got = float(got)
    expect(got != 5, f"{what} returned 5, the number right; divide by the number of examples (8).")
    expect(got != 62.5, f"{what} returned 62.5: a percentage. Return the fraction, 0.625.")
    expect(abs(got - 0.625) < 1e-12, f"{what} returned {got}; expected 0.625.")
    for pred, expected in ((y_true, 1.0), ((y_true + 1) % 10, 0.0)):
        got = float(call("accuracy", accuracy, pred, y_true))
        expect(abs(got - expected) < 1e-12, f"accuracy(y_pred, y_true) returned {got} where the answer is {expected}.")
