"""Checks of chapter 7, MNIST: one-hot labels (7.1), accuracy (7.2) and the nearest-mean
classifier (7.3 fit, 7.4 predict)."""

import numpy as np

from scratchdl.baseline import NearestMean
from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, expect, expect_array, expect_close, expect_unchanged
from scratchdl.metrics import accuracy, one_hot


@check_for(
    "7.1", "metrics.one_hot",
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
    "7.2", "metrics.accuracy",
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


IMAGES = np.array([
    [[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]],   # class 0
    [[0.0, 3.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]],   # class 1
    [[0.0, 0.0], [4.0, 4.0]], [[0.0, 0.0], [2.0, 2.0]],   # class 2
])[:, None]  # (6, 1, 2, 2), shaped like MNIST's (n, 1, 28, 28)
LABELS = np.array([0, 0, 1, 1, 2, 2])
MEANS = np.array([[1.0, 0, 0, 0], [0, 2.0, 0, 1.0], [0, 0, 3.0, 3.0]])


@check_for(
    "7.3", "baseline.NearestMean.fit",
    hints=(
        "Flatten the images to rows, then average the rows of each class. With Y = one_hot(y, "
        "self.n_classes), the sum of each class's rows is Y.T @ X and the count is Y.sum(axis=0).",
        "X.reshape(len(X), -1) flattens each image to a row. Y.T @ X is (n_classes, n_pixels), one "
        "sum per class, and Y.sum(axis=0) is (n_classes,): give the counts a new last axis ([:, "
        "None]) to divide row by row. Store the result in self.means and return self.",
    ),
)
def check_fit():
    """self.means holds each class's average image, flattened: shape (n_classes, n_features)
    works for images of any shape (n, 1, 28, 28) as well as rows (n, 784); returns self"""
    model = NearestMean(n_classes=3)
    what = "NearestMean(3).fit(X, y) on six 2x2 images"
    returned = call(what, model.fit, IMAGES.copy(), LABELS.copy())
    expect(returned is model, f"{what} should return self (so that NearestMean().fit(X, y).predict(X) works).")
    means = model.means
    expect(means is not None, f"{what} did not set self.means.")
    expect_array(means, "self.means")
    if np.shape(means) == (3, 1, 2, 2):
        expect(False, "self.means has shape (3, 1, 2, 2); flatten the images first, so it is (n_classes, n_features) = (3, 4).")
    totals = MEANS * 2
    expect_close(means, MEANS, "self.means after fit", mistakes=[
        Mistake(totals, "these are the sums of each class's images; divide by how many there are."),
        Mistake(np.tile(MEANS.mean(axis=0), (3, 1)), "every class got the average of all images; average each class separately."),
    ])
    rows = NearestMean(n_classes=3)
    call("NearestMean.fit on flattened rows", rows.fit, IMAGES.reshape(6, -1), LABELS)
    expect_close(rows.means, MEANS, "self.means after fit on rows of shape (6, 4)")


@check_for(
    "7.4", "baseline.NearestMean.predict",
    hints=(
        "For each class mean m (a row of self.means), the distance of every image is "
        "((X - m)**2).mean(axis=1) on the flattened images. Stack the ten columns and take the "
        "argmin along the classes.",
        "After flattening X to (n, n_pixels), compute one column of n distances per class mean, put "
        "the columns side by side with np.stack(..., axis=1) into (n, n_classes), and take the "
        "argmin along axis 1: the index of the nearest mean is the predicted class.",
    ),
)
def check_predict():
    """the class whose mean is nearest by the mean squared error, shape (n,)
    flattens the images like fit; uses the means, not the training images"""
    model = NearestMean(n_classes=3)
    model.means = MEANS.copy()  # set directly, so this check needs only predict
    tests = np.array([
        [[0.9, 0.0], [0.0, 0.2]],   # near class 0
        [[0.0, 2.5], [0.0, 0.5]],   # near class 1
        [[0.0, 0.5], [2.0, 2.5]],   # near class 2
        [[0.2, 1.0], [1.5, 1.2]],   # nearest class 1, though its dot product with class 2's mean is larger
    ])[:, None]
    flat = tests.reshape(len(tests), -1)
    distances = ((flat[:, None, :] - MEANS[None]) ** 2).mean(axis=2)
    right = distances.argmin(axis=1)
    what = "NearestMean.predict(X) for four 2x2 images"
    got = call(what, model.predict, tests.copy())
    got = np.asarray(got)
    expect(got.shape == (4,), f"{what} should return one label per image, shape (4,); got shape {got.shape}.")
    expect(got.dtype.kind in "iu", f"{what} should return integer labels; got dtype {got.dtype}.")
    expect(not np.array_equal(got, distances.argmax(axis=1)),
           f"{what} picked the farthest mean; take the argmin of the distances.")
    expect(not np.array_equal(got, (flat @ MEANS.T).argmax(axis=1)),
           f"{what} picked the mean with the largest dot product x · m, which favours bright means; "
           "use the mean squared error, ((x - m)**2).mean(), and take the smallest.")
    expect(np.array_equal(got, right), f"{what} returned {got.tolist()}; expected {right.tolist()} "
           f"(the nearest mean by mean squared error; the distances are {np.round(distances, 3).tolist()}).")
