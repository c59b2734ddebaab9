"""Checks for scratchdl/baseline.py: the nearest-mean classifier (7.3 fit, 7.4 predict).

Tiny hand-made "images" with known class averages, so the answers can be worked out by hand.
"""

import numpy as np

from scratchdl.baseline import NearestMean
from scratchdl.checks import check_for
from scratchdl.checks.expect import Mistake, call, expect, expect_array, expect_close

# Six 2x2 "images" of three classes. Class 0's mean is [[1, 0], [0, 0]], and so on.
IMAGES = np.array([
    [[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]],   # class 0
    [[0.0, 3.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]],   # class 1
    [[0.0, 0.0], [4.0, 4.0]], [[0.0, 0.0], [2.0, 2.0]],   # class 2
])[:, None]  # (6, 1, 2, 2), shaped like MNIST's (n, 1, 28, 28)
LABELS = np.array([0, 0, 1, 1, 2, 2])
MEANS = np.array([[1.0, 0, 0, 0], [0, 2.0, 0, 1.0], [0, 0, 3.0, 3.0]])


@check_for(
    "7.3",
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
    "7.4",
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
