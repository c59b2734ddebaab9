"""Checks of chapter 7, MNIST: one-hot labels (7.1), accuracy (7.2), the nearest-mean
classifier (7.3 fit, 7.4 predict), AdamW's decoupled weight decay (7.5) and the cosine learning
rate schedule (7.6)."""

import re

import numpy as np

from scratchdl.baseline import NearestMean
from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    CheckFailed, Mistake, call, call_twice, expect, expect_array,
    expect_close, expect_same_again, expect_unchanged, shapes_in, show,
)
from scratchdl.metrics import accuracy, one_hot
from scratchdl.optimizers import AdamW, cosine_learning_rate


# --- helpers of this chapter ------------------------------------------------------------------


def with_likely_mistake(failed, explanation):
    """The message of a CheckFailed with its general "Likely mistake" replaced by `explanation`."""
    lines = [line for line in str(failed).splitlines() if not line.startswith("  Likely mistake:")]
    return "\n".join(lines + [f"  Likely mistake: {explanation}"])


# --- 7.1 one_hot ---------------------------------------------------------------------------------


def _one_hot_error(labels, n_classes):
    """What the errors of one_hot(labels, n_classes) usually mean."""
    n = len(labels)

    def explain(error):
        message = str(error)
        if isinstance(error, TypeError) and "as a data type" in message:
            return ("np.zeros takes the shape as one tuple: np.zeros((n, n_classes)). With two "
                    "arguments, np.zeros(n, n_classes), the second is read as the dtype.")
        if "indexing arrays could not be broadcast" in message:
            if (n_classes,) in shapes_in(message) and (n,) in shapes_in(message):
                return (f"the row numbers, np.arange(n_classes) = {n_classes} of them, do not pair up with "
                        f"the {n} labels: number the rows by example, np.arange(len(labels)).")
            return "the row numbers and the column numbers (the labels) must pair up, one row per label."
        bounds = re.search(r"index (-?\d+) is out of bounds for axis (\d) with size (\d+)", message)
        if bounds and bounds.group(2) == "1" and int(bounds.group(3)) == n_classes:
            return ("a column number ran past the last class: rows and columns are swapped. The row "
                    "numbers are np.arange(len(labels)) and the column numbers are the labels.")
        if bounds and bounds.group(2) == "1":
            return (f"the array is {bounds.group(3)} columns wide: it needs one column per class, "
                    "n_classes, whatever labels this batch happens to hold.")
        if bounds and bounds.group(2) == "0":
            return "the array needs one row per label: np.zeros((len(labels), n_classes))."
        return ""
    return explain


@check_for(
    "7.1", "metrics.one_hot",
    hints=(
        "Each row is all zeros except for a single entry, and the row's label says which one. "
        "numpy can set one chosen entry in every row in a single assignment - no loop needed.",
        "np.zeros((n, n_classes)) with n = len(labels) gives the array. Fancy indexing with two "
        "arrays, the row numbers np.arange(n) and the column numbers labels, picks one element "
        "per row; assign 1.0 to them all at once and return the array.",
    ),
)
def check_one_hot():
    """a 1 in column labels[i] of row i, zeros elsewhere; shape (n, n_classes), floats (a numpy array)
    the width is n_classes even when the largest class is missing from the labels
    leaves the labels unchanged and gives the same answer when called again"""
    labels = np.array([2, 0, 1, 2, 0])
    what = "one_hot(np.array([2, 0, 1, 2, 0]), n_classes=4)"
    got = call_twice(what, one_hot, labels, 4, error_hint=_one_hot_error(labels, 4))
    is_array = isinstance(got, np.ndarray)
    if is_array and got.dtype == bool:
        expect(False, f"{what} returned booleans (dtype bool), as a comparison such as labels[:, None] == "
               "np.arange(n_classes) gives.\n  Likely mistake: the docstring asks for floats; turn the "
               "comparison into 0.0 and 1.0 with .astype(float).")
    if is_array and got.dtype.kind in "iu":
        expect(False, f"{what} returned integers (dtype {got.dtype}); the docstring asks for floats, which "
               "the loss multiplies with probabilities.\n  Likely mistake: np.zeros(..., dtype=int) or "
               ".astype(int); leave out the dtype, floats are np.zeros's default.")
    if isinstance(got, list):
        expect(False, f"{what} returned a list; the docstring asks for a numpy array of shape (n, n_classes).\n"
               "  Likely mistake: rows built as Python lists; start from np.zeros((n, n_classes)), or wrap the "
               "list in np.array(...).")
    expect_array(got, what)
    shape = np.shape(got)
    if shape == (4, 5):
        expect(False, f"{what} returned shape (4, 5), which is (n_classes, n).\n  Likely mistake: the array is "
               "transposed (a .T, or np.zeros((n_classes, n))); one row per example, please - (5, 4).")
    if shape == (5, 3):
        expect(False, f"{what} returned shape (5, 3): the width must be n_classes = 4, not the largest label + 1.\n"
               "  Likely mistake: the width taken from the labels (labels.max() + 1); a batch may not contain "
               "every class, so use n_classes.")
    if shape == (5, 10):
        expect(False, f"{what} returned shape (5, 10): ten columns, MNIST's number of classes, where "
               "n_classes = 4.\n  Likely mistake: a hard-coded 10; take the width from the n_classes argument.")
    right = np.eye(4)[labels]
    every_label = right.max(axis=0)  # [1, 1, 1, 0]: the classes that occur
    expect_close(got, right, what, inputs={"labels": labels}, mistakes=[
        Mistake(np.eye(4)[labels - 1], "the columns are off by one: class 0 goes in column 0."),
        Mistake(1 - right, "ones and zeros are swapped: a single 1 per row, at the label."),
        Mistake(np.tile(every_label, (5, 1)), "every row has a 1 in the column of every label: "
                "encoded[:, labels] = 1 sets whole columns. Pair each row with its own label: "
                "encoded[np.arange(n), labels] = 1."),
        Mistake(np.isin(np.arange(5), labels)[:, None] * np.ones(4), "whole rows are 1: encoded[labels] = 1 "
                "picks rows by the labels. Index rows and columns together: encoded[np.arange(n), labels] = 1."),
    ])


# --- 7.2 accuracy --------------------------------------------------------------------------------


def _accuracy_error(error):
    if "out of bounds for array of dimension 1" in str(error):
        return ("y_pred holds labels already, shape (n,), not one row of scores per example: compare "
                "it with y_true as it is. The argmax belongs where probabilities become labels.")
    return ""


@check_for(
    "7.2", "metrics.accuracy",
    hints=(
        "Score each prediction 1 if it is right and 0 if it is wrong: the accuracy is the average "
        "score. numpy compares whole arrays at once.",
        "y_pred == y_true gives a boolean array and np.mean of it is the fraction that are equal "
        "(True counts as 1); wrap it in float() to return a Python number.",
    ),
)
def check_accuracy():
    """the fraction of equal labels, from 0 to 1, as one Python number (not an array)
    1 for a perfect prediction and 0 for an all-wrong one
    leaves the labels unchanged and gives the same answer when called again"""
    y_true = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    y_pred = np.array([3, 1, 4, 0, 5, 9, 0, 0])
    what = "accuracy(y_pred, y_true) with 5 of 8 right"
    got = call_twice(what, accuracy, y_pred, y_true, error_hint=_accuracy_error)
    if isinstance(got, np.ndarray) and got.shape == (8,):
        expect(False, f"{what} returned an array of shape (8,), one comparison per example.\n  Likely "
               "mistake: the mean is missing; the accuracy is the mean of y_pred == y_true, one number.")
    expect(np.ndim(got) == 0, f"{what} should return one number; it returned shape {np.shape(got)}.")
    expect(not isinstance(got, np.ndarray), f"{what} returned a 0-d numpy array, {got!r}; the docstring asks "
           "for a Python float: wrap it in float().")
    expect(isinstance(got, (float, int, np.floating, np.integer)) and not isinstance(got, (bool, np.bool_)),
           f"{what} should return a Python float; it returned {type(got).__name__} {got!r}.")
    got = float(got)
    expect(got != 5, f"{what} returned 5, the number right; divide by the number of examples (8).")
    expect(got != 62.5, f"{what} returned 62.5: a percentage. Return the fraction, 0.625.")
    expect(got != 0.375, f"{what} returned 0.375, the fraction that is wrong (the error rate).\n  Likely "
           "mistake: != where == belongs; count the predictions equal to the labels.")
    expect(got != 0, f"{what} returned 0 where 5 of 8 are right.\n  Likely mistake: an integer division "
           "(//) or int() rounds the fraction down to 0; divide with / (or take np.mean).")
    expect(got not in (0.6, 0.62, 0.63), f"{what} returned {got}, which is 0.625 rounded.\n  Likely mistake: "
           "round(); return the exact fraction and round only when you print it.")
    expect(abs(got - 0.625) < 1e-12, f"{what} returned {got}; expected 0.625.")
    for pred, expected in ((y_true, 1.0), ((y_true + 1) % 10, 0.0)):
        got = float(call("accuracy", accuracy, pred, y_true))
        expect(abs(got - expected) < 1e-12, f"accuracy(y_pred, y_true) returned {got} where the answer is {expected}.")


# --- 7.3 NearestMean.fit -------------------------------------------------------------------------

IMAGES = np.array([
    [[0.0, 0.0], [4.0, 4.0]],   # class 2
    [[0.0, 3.0], [0.0, 1.0]],   # class 1
    [[2.0, 0.0], [0.0, 0.0]],   # class 0, the only one
    [[0.0, 0.0], [2.0, 2.0]],   # class 2
    [[0.0, 1.0], [0.0, 1.0]],   # class 1
    [[0.0, 0.0], [3.0, 3.0]],   # class 2
])[:, None]  # (6, 1, 2, 2), shaped like MNIST's (n, 1, 28, 28)
LABELS = np.array([2, 1, 0, 2, 1, 2])  # unequal counts 1, 2, 3, and not sorted
MEANS = np.array([[2.0, 0, 0, 0], [0, 2.0, 0, 1.0], [0, 0, 3.0, 3.0]])
COUNTS = np.array([1, 2, 3])


def _fit_error(error):
    """What the errors of NearestMean(3).fit on IMAGES usually mean."""
    message = str(error)
    if "cannot reshape" in message and "784" in message:
        return ("a hard-coded 784 (28 x 28): flatten without assuming the image size, "
                "X.reshape(len(X), -1) - the images here are 2 x 2.")
    if "broadcast" in message and (3, 4) in shapes_in(message):
        others = [s for s in shapes_in(message) if s != (3, 4)]
        if others and others[0] == (1, 3):
            return ("the counts are a row, (1, 3), and must be a column, (3, 1), to divide each class's row "
                    "of sums, (3, 4): Y.sum(axis=0)[:, None].")
        if others and others[0] == (6,):
            return ("the sums are (3, 4), one row per class, but the counts have shape (6,), one per image: "
                    "count per class with Y.sum(axis=0), then make the counts a column with [:, None].")
        return ("the sums are (3, 4), one row per class, and the counts must divide each row by its class's "
                "count: numpy lines up the last axes, so make the counts a column, counts[:, None], shape (3, 1).")
    if isinstance(error, RuntimeWarning) and "empty slice" in message:
        return _EMPTY_CLASS
    return ""


_EMPTY_CLASS = ("0/0: the code averaged a class with no images. All 3 classes, 0 to self.n_classes - 1, "
                "have images here, so it went over others - a hard-coded 10, or classes counted from 1? "
                "Use range(self.n_classes).")


def _fit(model, X, y, what):
    """model.fit(X, y), its errors explained; says so if the images are not flattened."""
    try:
        return call(what, model.fit, X, y, numeric_hint=_EMPTY_CLASS, error_hint=_fit_error)
    except CheckFailed as failed:
        if X.ndim > 2 and _works(lambda: NearestMean(n_classes=model.n_classes).fit(X.reshape(len(X), -1), y)):
            raise CheckFailed(with_likely_mistake(failed, f"fit works on rows but not on images of shape {X.shape}: "
                                                  "flatten each image to a row first, X.reshape(len(X), -1).")) from None
        raise


def _works(attempt):
    """True if attempt() raises nothing (an exercise tried on other input, to diagnose a failure)."""
    try:
        attempt()
    except Exception:
        return False
    return True


@check_for(
    "7.3", "baseline.NearestMean.fit",
    hints=(
        "A class's mean image is the sum of its images divided by how many there are. Work on "
        "images flattened to rows, and do not assume that every class has the same number of images.",
        "X.reshape(len(X), -1) flattens each image to a row. With Y = one_hot(y, self.n_classes), "
        "Y.T @ X is (n_classes, n_pixels), one sum per class, and Y.sum(axis=0) is (n_classes,): "
        "give the counts a new last axis ([:, None]) to divide row by row. Store the result in "
        "self.means and return self.",
    ),
)
def check_fit():
    """self.means holds each class's average image, flattened: shape (n_classes, n_features)
    each class is divided by its own count (here 1, 2 and 3 images, unsorted labels)
    works for images of any shape (n, 1, 28, 28) as well as rows (n, 784); returns self
    leaves X and y unchanged; a second fit on the same data gives the same means"""
    model = NearestMean(n_classes=3)
    X, y = IMAGES.copy(), LABELS.copy()
    what = "NearestMean(3).fit(X, y) on six 2x2 images"
    returned = _fit(model, X, y, what)
    expect_unchanged(IMAGES, X, f"{what} (argument X)")
    expect_unchanged(LABELS, y, f"{what} (argument y)")
    expect(returned is not None, f"{what} returned None; it should return self.\n  Likely mistake: the "
           "`return self` at the end is missing (it lets NearestMean().fit(X, y).predict(X) work).")
    expect(returned is model, f"{what} returned {type(returned).__name__}; it should return self, the model "
           "itself, so that NearestMean().fit(X, y).predict(X) works.")
    means = model.means
    expect(means is not None, f"{what} did not set self.means.")
    if isinstance(means, (list, tuple)):
        expect(False, f"{what} left self.means a {type(means).__name__} of {len(means)} arrays, one per class; the "
               "docstring asks for one array of shape (n_classes, n_features).\n  Likely mistake: the class means "
               "collected but never stacked; np.stack(...) them into one array.")
    expect_array(means, "self.means")
    if np.shape(means) == (3, 1, 2, 2):
        expect(False, "self.means has shape (3, 1, 2, 2), one unflattened image per class.\n  Likely mistake: "
               "flatten the images first, X.reshape(len(X), -1), so that it is (n_classes, n_features) = (3, 4).")
    totals = MEANS * COUNTS[:, None]
    flat = IMAGES.reshape(6, -1)
    expect_close(means, MEANS, "self.means after fit", mistakes=[
        Mistake(totals, "these are the sums of each class's images; divide by how many there are."),
        Mistake(totals / 6, "each class's sum was divided by 6, the number of all images (len(y == k) "
                "is always n); divide by the class's own count, (y == k).sum() or Y.sum(axis=0)."),
        Mistake(totals / 2, "each class's sum was divided by n / n_classes = 2, as if every class had "
                "as many images; divide by each class's own count (1, 2 and 3 here)."),
        Mistake(np.tile(flat.mean(axis=0), (3, 1)), "every class got the average of all images; average each class separately."),
        Mistake(lambda got: got.shape == (3,) and np.allclose(got, MEANS.mean(axis=1)),
                "each class got one number, the mean over all its pixels too: average over the images "
                "only, .mean(axis=0), so that each class keeps one value per pixel."),
    ])
    first = means.copy()
    call(what + ", called a second time", model.fit, IMAGES.copy(), LABELS.copy())
    expect_same_again(first, model.means, "NearestMean(3).fit(X, y), run twice on the same model,")
    rows = NearestMean(n_classes=3)
    _fit(rows, IMAGES.reshape(6, -1), LABELS.copy(), "NearestMean.fit on flattened rows")
    expect_close(rows.means, MEANS, "self.means after fit on rows of shape (6, 4)")


# --- 7.4 NearestMean.predict ---------------------------------------------------------------------

# The means of fit's check in another order: the brightest mean is class 1, neither the first
# class nor the last, so that a prediction that is always one class (as without the square) is
# not taken for an off-by-one or a loop that keeps the last class.
CENTRES = MEANS[[0, 2, 1]]
TESTS = np.array([
    [[0.9, 0.0], [0.0, 0.2]],   # near class 0
    [[0.0, 2.5], [0.0, 0.5]],   # near class 2
    [[0.0, 0.5], [2.0, 2.5]],   # near class 1
    [[0.2, 1.0], [1.5, 1.2]],   # nearest class 2, though its dot product with class 1's mean is larger
    [[1.2, 0.6], [0.4, 0.3]],   # near class 0
])[:, None]  # (5, 1, 2, 2)


def _predict_error(error):
    shapes = shapes_in(str(error))
    if "broadcast" in str(error) and (5, 4) in shapes and (3, 4) in shapes:
        return ("the five images, (5, 4), and the three means, (3, 4), cannot be subtracted as they are. "
                "Take one mean at a time (a loop over self.means), or give them new axes: X[:, None, :] - self.means[None].")
    return ""


@check_for(
    "7.4", "baseline.NearestMean.predict",
    hints=(
        "Compare every image with each class mean, by the distance the docstring gives, and keep "
        "for each image the class that comes closest. The images arrive unflattened, as in fit.",
        "After flattening X to (n, n_pixels), compute one column of n distances per class mean, "
        "((X - m)**2).mean(axis=1), put the columns side by side with np.stack(..., axis=1) into "
        "(n, n_classes), and take the argmin along axis 1: the index of the nearest mean.",
    ),
)
def check_predict():
    """the class whose mean is nearest by the mean squared error: an int array of shape (n,)
    flattens the images like fit, and works on rows too; uses the means, not the training images
    leaves X and self.means unchanged and gives the same answer when called again"""
    model = NearestMean(n_classes=3)
    model.means = CENTRES.copy()  # set directly, so this check needs only predict
    flat = TESTS.reshape(len(TESTS), -1)
    distances = ((flat[:, None, :] - CENTRES[None]) ** 2).mean(axis=2)
    right = distances.argmin(axis=1)
    what = "NearestMean.predict(X) for five 2x2 images"
    X = TESTS.copy()
    try:
        got = call(what, model.predict, X, error_hint=_predict_error)
    except CheckFailed as failed:
        rows = NearestMean(n_classes=3)
        rows.means = CENTRES.copy()
        if _works(lambda: rows.predict(flat.copy())):
            raise CheckFailed(with_likely_mistake(failed, f"predict works on rows but not on images of shape "
                                                  f"{TESTS.shape}: flatten each image to a row first, "
                                                  "X.reshape(len(X), -1), as fit does.")) from None
        raise
    expect_unchanged(TESTS, X, f"{what} (argument X)")
    expect_same_again(got, call(what, model.predict, X, error_hint=_predict_error), what)
    expect_unchanged(CENTRES, model.means, f"{what} (self.means)")
    expect(isinstance(got, np.ndarray), f"{what} should return a numpy array; it returned {type(got).__name__}.\n"
           "  Likely mistake: labels collected in a list; return np.array(labels), or the argmin's result directly.")
    if got.shape == (5, 3):
        expect(False, f"{what} returned shape (5, 3), one distance per class for each image.\n  Likely mistake: "
               "the argmin is missing; the prediction is the index of the nearest mean, argmin along axis 1.")
    if got.shape == (3,):
        expect(False, f"{what} returned 3 labels, one per class, where there are 5 images.\n  Likely mistake: "
               "the distances were stacked classes-first, (n_classes, n); stack them with axis=1, or take "
               "the argmin over the classes' axis.")
    if got.shape == (4,):
        expect(False, f"{what} returned 4 labels, one per pixel, where there are 5 images.\n  Likely mistake: "
               "the distance averaged over the images (axis=0); average over the pixels, axis=1 of (n, n_pixels).")
    expect(got.shape == (5,), f"{what} should return one label per image, shape (5,); got shape {got.shape}.")
    expect(got.dtype.kind in "iu", f"{what} should return integer labels; got dtype {got.dtype}.\n  Likely "
           "mistake: labels written into an array of floats, such as np.zeros(n); use np.zeros(n, dtype=int), or "
           "return the argmin's result.")
    expect(not np.array_equal(got, distances.argmax(axis=1)),
           f"{what} picked the farthest mean.\n  Likely mistake: argmax where argmin belongs; take the "
           "argmin of the distances.")
    expect(not np.array_equal(got, (flat @ CENTRES.T).argmax(axis=1)),
           f"{what} picked the mean with the largest dot product x · m, which favours bright means.\n"
           "  Likely mistake: a similarity where the docstring asks for a distance; use the mean squared error, "
           "((x - m)**2).mean(), and take the smallest (if you expanded the square, keep the |m|² term).")
    expect(not np.array_equal(got, (flat[:, None, :] - CENTRES[None]).mean(axis=2).argmin(axis=1)),
           f"{what} returned {got.tolist()}, expected {right.tolist()}.\n  Likely mistake: the differences x - m "
           "were averaged without squaring, so positive and negative ones cancel; use ((x - m)**2).mean(axis=1).")
    expect(np.array_equal(got, right), f"{what} returned {got.tolist()}; expected {right.tolist()} "
           f"(the nearest mean by mean squared error; the distances are {np.round(distances, 3).tolist()}).")
    on_rows = np.asarray(call("NearestMean.predict on flattened rows of shape (5, 4)", model.predict, flat.copy()))
    expect(np.array_equal(on_rows, right), f"NearestMean.predict on rows of shape (5, 4) returned "
           f"{on_rows.tolist()}; expected {right.tolist()}, as for the same images unflattened.")


# --- 7.5 AdamW.step ------------------------------------------------------------------------------


def _adam_direction(m, v, g, t, b1, b2, eps):
    """Adam's update of m and v (in place) and its step direction m_hat / (sqrt(v_hat) + eps)."""
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g**2
    return (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)


def _adamw_steps(params, steps, rate, decay, b1, b2, eps, form="right"):
    """AdamW worked out step by step; the other forms give the usual wrong answers."""
    p = [x.copy() for x in params]
    m = [np.zeros_like(x) for x in params]
    v = [np.zeros_like(x) for x in params]
    history = []
    for t, grads in enumerate(steps, start=1):
        for i, g in enumerate(grads):
            shrink = {"no learning rate": decay, "fixed decay": rate * 0.01}.get(form, rate * decay)
            if form == "weights only" and p[i].ndim == 1:
                shrink = 0.0
            if form in ("right", "no learning rate", "fixed decay", "weights only", "decay only"):
                p[i] = p[i] - shrink * p[i]
            elif form == "constant":
                p[i] = p[i] - shrink
            elif form == "grows":
                p[i] = p[i] + shrink * p[i]
            if form == "l2":
                g = g + decay * p[i]
            if form != "decay only":
                p[i] = p[i] - rate * _adam_direction(m[i], v[i], g, t, b1, b2, eps)
            if form == "after":
                p[i] = p[i] - shrink * p[i]
        history.append([x.copy() for x in p])
    return history


ADAMW_MISTAKES = {
    "after": "the shrinking came after Adam's step; the docstring (and Loshchilov and Hutter's "
             "paper) shrink p as it was before the step: first p -= learning_rate * weight_decay * "
             "p, then super().step(params, grads). The two differ by learning_rate**2 * "
             "weight_decay * Adam's step: little at the usual rates, but not the same update.",
    "l2": "weight_decay * p was added to the gradient: that is an L2 penalty, which Adam divides by "
          "sqrt(v_hat) like the rest of the gradient. Decoupled decay shrinks p itself, p -= "
          "learning_rate * weight_decay * p, and leaves the gradient alone.",
    "no learning rate": "each step shrank p by weight_decay * p; the shrinking is learning_rate * "
                        "weight_decay * p, so that it scales with the learning rate (and follows a "
                        "schedule).",
    "fixed decay": "the weight decay 0.01 is fixed in your code; use self.weight_decay.",
    "weights only": "the vector was not decayed (a bias?): this AdamW shrinks every parameter, "
                    "biases too (step gets only arrays and cannot tell a weight from a bias).",
    "constant": "each step subtracted the same number, learning_rate * weight_decay, from every "
                "entry: the decay is proportional to p, p -= learning_rate * weight_decay * p.",
    "grows": "wrong sign: the parameters grew by learning_rate * weight_decay * p; weight decay "
             "shrinks them, p -= learning_rate * weight_decay * p.",
    "decay only": "the parameters were only shrunk: Adam's step is missing. After the decay, call "
                  "super().step(params, grads) (your Adam, 6.6).",
    "plain adam": "the parameters moved as with plain Adam: the decay was lost. Shrink each array in "
                  "place, p -= learning_rate * weight_decay * p (`p = p - ...` makes a new array that "
                  "is thrown away, and the layers keep the old one).",
}


def _flat(history):
    """The arrays of a history (a list, per step, of lists of arrays), one after the other."""
    return [array for arrays in history for array in arrays]


def _adamw_problem(seed=4):
    """A (2, 3) matrix and a (3,) vector well away from 0, and gradients for three steps."""
    rng = np.random.default_rng(seed)
    params = [rng.uniform(0.5, 2.0, size=(2, 3)) * rng.choice([-1.0, 1.0], size=(2, 3)),
              rng.uniform(0.5, 2.0, size=3) * rng.choice([-1.0, 1.0], size=3)]
    steps = [[rng.uniform(0.5, 2.0, size=p.shape) * rng.choice([-1.0, 1.0], size=p.shape) for p in params]
             for _ in range(3)]
    return params, steps


def _adamw_hint(error):
    if "broadcast" in str(error):
        return ("an array of another shape than its parameter: p -= learning_rate * weight_decay * p "
                "works on each parameter in turn, inside the loop over params.")
    return ""


@check_for(
    "7.5", "optimizers.AdamW.step",
    hints=(
        "Two things happen, in this order: every parameter shrinks a little towards 0, then Adam's "
        "step runs on the shrunk parameters with the gradients as they are. Adam's step is already "
        "written (6.6): AdamW is a subclass of Adam.",
        "for p in params: p -= self.learning_rate * self.weight_decay * p (in place), then "
        "super().step(params, grads).",
    ),
)
def check_adamw():
    """p <- p - learning_rate * weight_decay * p for every parameter (biases too), in place
    then Adam's step on the shrunk parameters, with the gradients unchanged (not an L2 term)
    the shrinking before Adam's step, from p as it was (the paper's order), over three steps
    uses the optimizer's learning_rate and weight_decay (0.1 and 0.5)"""
    rate, decay, b1, b2, eps = 0.1, 0.5, 0.9, 0.999, 1e-8  # large, so that the order shows
    params, steps = _adamw_problem()
    right = _adamw_steps(params, steps, rate, decay, b1, b2, eps)
    wrong = {form: _adamw_steps(params, steps, rate, decay, b1, b2, eps, form)
             for form in ADAMW_MISTAKES if form != "plain adam"}
    wrong["plain adam"] = _adamw_steps(params, steps, rate, 0.0, b1, b2, eps)
    name = f"AdamW(learning_rate={rate}, weight_decay={decay})"
    optimizer = AdamW(rate, weight_decay=decay, beta1=b1, beta2=b2, eps=eps)
    arrays, after = list(params), []
    for k, grads in enumerate(steps, start=1):
        before = [p.copy() for p in arrays]
        given, given_grads = list(arrays), [g.copy() for g in grads]
        call(f"{name}.step (step {k})", optimizer.step, given, given_grads, error_hint=_adamw_hint)
        if not all(np.array_equal(a, b) for a, b in zip(given_grads, grads)):
            l2 = all(np.allclose(a, b + decay * p) for a, b, p in zip(given_grads, grads, before))
            expect(False, f"{name}.step changed the gradient arrays it was given.\n  Likely mistake: " + (
                "g += weight_decay * p adds an L2 penalty to the layers' gradients (which Adam then divides "
                "by sqrt(v_hat)). Decoupled decay shrinks p itself, p -= learning_rate * weight_decay * p, "
                "and leaves the gradients alone." if l2 else
                "g *= ... (or g -= ...) writes into the layers' gradients; leave them alone and shrink the "
                "parameters."))
        if k == 1 and any(a is not b for a, b in zip(given, arrays)):
            expect(False, f"{name}.step put new arrays into the parameter list.\n  Likely mistake: params[i] = "
                   "params[i] - ... replaces the list's entry, and the layers keep the old array. Change "
                   "the array itself: params[i] -= ...")
        after.append([p.copy() for p in arrays])
    # A wrong answer is named by the mistake that gives all three steps (some agree at step 1:
    # Adam's first step is learning_rate * sign(g) whatever the size of g).
    shown = [Mistake(after, ADAMW_MISTAKES[form]) for form in ADAMW_MISTAKES
             if all(np.allclose(a, w, rtol=1e-4, atol=1e-9) for a, w in zip(_flat(after), _flat(wrong[form])))]
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i], right[k][i], f"{name}.step: {part} after step {k + 1}", rtol=1e-6, atol=1e-9,
                         mistakes=[Mistake(after[k][i], m.explanation) for m in shown])


# --- 7.6 cosine_learning_rate --------------------------------------------------------------------


def _cosine(start, steps, total, form="right"):
    """The schedule at every step of `steps` (before `total`); the other forms give the usual wrong
    answers."""
    fraction = np.asarray(steps, dtype=float) / total
    angle = {"one early": np.pi * (fraction + 1 / total), "one late": np.pi * (fraction - 1 / total),
             "degrees": 180 * fraction, "whole period": 2 * np.pi * fraction,
             "integer division": np.pi * (np.asarray(steps) // total), "rising": np.pi * (1 - fraction),
             "quarter": np.pi / 2 * fraction}.get(form, np.pi * fraction)
    if form == "quarter":
        return start * np.cos(angle)
    if form == "no one plus":
        return start * np.cos(angle)
    if form == "not halved":
        return start * (1 + np.cos(angle))
    if form == "without start":
        return (1 + np.cos(angle)) / 2
    return start * (1 + np.cos(angle)) / 2


COSINE_MISTAKES = {
    "one early": "the schedule is one step ahead: at step 0 it must be start itself, so the "
                 "fraction of the run done is step / total, not (step + 1) / total.",
    "one late": "the schedule is one step behind: at step 0 it must be start itself, so the "
                "fraction of the run done is step / total, not (step - 1) / total.",
    "degrees": "np.cos takes radians: half a cosine is np.cos(np.pi * step / total), not "
               "np.cos(180 * step / total) (180 degrees is pi radians).",
    "whole period": "the schedule came back up to start at the end: that is a whole period, "
                    "cos(2 * pi * step / total). Half a cosine, cos(pi * step / total), falls "
                    "from 1 to -1, and (1 + cos) / 2 from 1 to 0.",
    "climbs again": "past total the cosine climbs again; the run has gone past its planned length "
                    "and the learning rate stays 0 there (return 0.0 when step >= total).",
    "restarts": "past total the schedule started again from start (step % total?); it stays 0 "
                "after the planned run (return 0.0 when step >= total).",
    "integer division": "the rate stays at start until the very end: step // total is 0 for every "
                        "step before total. Divide with /, not //.",
    "rising": "the schedule rises from 0 to start: the fraction of the run done is step / total, "
              "not (total - step) / total.",
    "not halved": "the schedule starts at twice start: (1 + cos) runs from 2 to 0, so divide it by 2.",
    "no one plus": "the schedule goes negative: start * cos(...) runs from start to -start. Add 1 "
                   "and halve, start * (1 + cos(pi * step / total)) / 2, to fall from start to 0.",
    "quarter": "that is a quarter of a cosine, cos(pi / 2 * step / total), which falls fastest at "
               "the end (and goes negative past total); the schedule is half a cosine, start * (1 + "
               "cos(pi * step / total)) / 2, which falls fastest in the middle.",
    "without start": "the schedule starts at 1 whatever start is: multiply (1 + cos(pi * step / "
                     "total)) / 2 by start.",
}


@check_for(
    "7.6", "optimizers.cosine_learning_rate",
    hints=(
        "step / total is the fraction of the run done, from 0 to 1. Turn it into an angle from 0 to "
        "pi: its cosine falls from 1 to -1, and (1 + cos) / 2 from 1 to 0.",
        "return start * (1 + np.cos(np.pi * step / total)) / 2, and 0.0 when step >= total (np.cos "
        "takes radians).",
    ),
)
def check_cosine_learning_rate():
    """start at step 0, start / 2 halfway, 0 at step = total (half a cosine, in radians)
    step / total with true division; one value per step, a float
    0 past total (never negative, never climbing again); start is used as given (0.3 and 3)"""
    for start, total in ((0.3, 8), (3.0, 5)):
        def rate(k):
            what = f"cosine_learning_rate({start}, {k}, {total})"
            got = call(what, cosine_learning_rate, start, k, total)
            expect(got is not None, f"{what} returned None: return the learning rate.")
            expect(np.ndim(got) == 0 and isinstance(got, (int, float, np.integer, np.floating)),
                   f"{what} returned {type(got).__name__} {show(got)}: return one number, a float.")
            return float(got)

        during = list(range(total))
        expect_close([rate(k) for k in during], _cosine(start, during, total),
                     f"cosine_learning_rate({start}, step, {total}) for step = 0, 1, ..., {total - 1}",
                     rtol=1e-9, atol=1e-12,
                     mistakes=[Mistake(_cosine(start, during, total, form), text) for form, text in COSINE_MISTAKES.items()
                               if form not in ("climbs again", "restarts")])
        after = list(range(total, total + 4))
        got = [rate(k) for k in after]
        climbs = start * (1 + np.cos(np.pi * np.array(after) / total)) / 2
        restarts = _cosine(start, np.array(after) % total, total)
        expect_close(got, np.zeros(len(after)),
                     f"cosine_learning_rate({start}, step, {total}) at the end of the run and past it, step = "
                     f"{total}, ..., {after[-1]}", atol=1e-12, mistakes=[
                         Mistake(climbs, COSINE_MISTAKES["climbs again"]),
                         Mistake(restarts, COSINE_MISTAKES["restarts"]),
                         Mistake(lambda got: np.any(got < 0), "the learning rate went negative: past the end of "
                                 "the run it stays 0 (return 0.0 when step >= total).")])
