"""Checks for scratchdl/losses.py (chapter 4): each loss's value and its gradient.

Expected values come from Python's `math` module, one example at a time. Batches of different
sizes catch a forgotten average; extreme inputs catch log(0) and overflow (numpy reporting
them is an error while checks run).
"""

import math

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, expect, expect_array, expect_close
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SoftmaxCrossEntropy


def _scalar(value, what):
    expect(np.ndim(value) == 0 and not isinstance(value, (str, bytes)),
           f"{what} should return one number; it returned {type(value).__name__} with shape {np.shape(value)}. "
           "Average over the batch to get a single value.")
    return float(value)


def _expect_value(got, expected, what, mistakes=()):
    """A loss value: one number, close to expected; otherwise name the mistake if it is known."""
    got = _scalar(got, what)
    if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
        return
    lines = [f"{what} returned {got:.6g}; expected {expected:.6g}."]
    for value, explanation in mistakes:
        if math.isclose(got, value, rel_tol=1e-4, abs_tol=1e-9):
            lines.append(f"  Likely mistake: {explanation}")
            break
    expect(False, "\n".join(lines))


def _expect_kept(loss, name, expected, what, mistakes=()):
    """After forward, the attribute `name` must hold `expected`: backward reads it (the contract
    of the pair, in forward's docstring), whoever wrote backward."""
    kept = getattr(loss, name, None)
    expect(kept is not None, f"{what} did not keep self.{name}; backward reads it (see \"Keeps, for "
           f"backward\" in the docstring of forward).")
    expect_close(kept, expected, f"self.{name} after {what}", mistakes=mistakes)


def _expect_latest(loss, state, shape, what):
    """backward must work from what is kept now, not from something computed earlier: set the
    attributes of another batch (as a second forward would) and look at the shape."""
    loss.__dict__.update(state)
    grad = call(f"{what}: backward after the kept values changed to a batch of shape {shape}", loss.backward)
    expect(np.shape(grad) == shape,
           f"{what}.backward returned shape {np.shape(grad)} after forward kept a batch of shape {shape}: "
           "it must use what the latest forward kept.")


# --- mean squared error --------------------------------------------------------------------

Y_PRED = np.array([[0.5, -1.0], [2.0, 0.0], [1.5, 3.0]])
Y_TRUE = np.array([[1.0, -1.0], [0.0, 0.5], [1.0, 1.0]])


def _mse(y_pred, y):
    diffs = [(a - b) ** 2 for a, b in zip(y_pred.ravel(), y.ravel())]
    return sum(diffs) / len(diffs)


@check_for(
    "4.1", "losses.MeanSquaredError.forward",
    hints=(
        "Square the differences, then average over every element (all rows and all columns). "
        "Keep the difference for backward.",
        "Keep the difference y_pred - y in self.diff (backward needs it), then take np.mean of its "
        "square over every element. Return the loss as a Python float with float().",
    ),
)
def check_mse_forward():
    """the mean of (y_pred - y)**2 over every element, as one number
    keeps y_pred - y in self.diff for backward; 0 for a perfect prediction"""
    loss = MeanSquaredError()
    what = "MeanSquaredError.forward(y_pred, y) for a (3, 2) batch"
    got = call(what, loss.forward, Y_PRED.copy(), Y_TRUE.copy())
    squares = (Y_PRED - Y_TRUE) ** 2
    _expect_value(got, _mse(Y_PRED, Y_TRUE), what, mistakes=[
        (squares.sum(), "you summed the squares; average them (divide by the number of elements)."),
        (squares.sum() / len(Y_PRED), "you divided by the number of rows n; the mean is over every "
         "element, N = y_pred.size."),
        (math.sqrt(squares.mean()), "that is the root of the mean squared error; drop the square root."),
        (np.abs(Y_PRED - Y_TRUE).mean(), "that is the mean absolute error; square the differences."),
        ((Y_PRED - Y_TRUE).mean() ** 2, "square each difference first, then average."),
    ])
    _expect_kept(loss, "diff", Y_PRED - Y_TRUE, what, mistakes=[
        Mistake(Y_TRUE - Y_PRED, "self.diff must be y_pred - y (backward's gradient 2 * diff / N has that sign)."),
        Mistake(squares, "keep the difference y_pred - y itself in self.diff, not its square.")])
    perfect = call("MeanSquaredError.forward(y, y)", loss.forward, Y_TRUE.copy(), Y_TRUE.copy())
    _expect_value(perfect, 0.0, "MeanSquaredError.forward(y, y) (a perfect prediction)")


@check_for(
    "4.2", "losses.MeanSquaredError.backward",
    hints=(
        "Differentiate (1/N) * sum((y_pred - y)**2) with respect to one element of y_pred: only one "
        "term of the sum contains it.",
        "The derivative of (1/N) * sum(d**2) with respect to one element is 2 * d / N: d is the "
        "difference forward kept in self.diff, and N the number of its elements (.size), not the "
        "number of rows.",
    ),
)
def check_mse_backward():
    """2 * (y_pred - y) / N, the shape of y_pred, from the self.diff forward kept
    uses the batch of the latest forward"""
    loss = MeanSquaredError()
    loss.diff = Y_PRED - Y_TRUE  # what forward keeps: set directly, so this check needs only backward
    what = "MeanSquaredError.backward() with self.diff of a (3, 2) batch"
    got = call(what, loss.backward)
    expect_array(got, what)
    diff, N = Y_PRED - Y_TRUE, Y_PRED.size
    expect_close(got, 2 * diff / N, what, mistakes=[
        Mistake(diff / N, "the derivative of (y_pred - y)**2 is 2 * (y_pred - y): the factor 2 is missing."),
        Mistake(-2 * diff / N, "wrong sign: the gradient is 2 * (y_pred - y) / N, pointing towards larger loss."),
        Mistake(2 * diff, "you forgot the 1 / N from the mean."),
        Mistake(2 * diff / len(Y_PRED), "divide by N = y_pred.size, the number of elements averaged, not by n rows."),
    ])
    _expect_latest(loss, {"diff": (Y_PRED - Y_TRUE)[:2]}, (2, 2), "MeanSquaredError")


# --- binary cross-entropy ------------------------------------------------------------------

EPS = BinaryCrossEntropy.EPS
P = np.array([[0.9], [0.2], [0.6], [0.5]])
Y = np.array([[1.0], [0.0], [0.0], [1.0]])
# Perfectly confident answers, right and wrong: log(0) unless p is clipped.
P_EDGE = np.array([[1.0], [0.0], [0.0], [1.0]])
Y_EDGE = np.array([[1.0], [0.0], [1.0], [0.0]])


def _bce(p, y):
    terms = []
    for pi, yi in zip(p.ravel(), y.ravel()):
        pc = min(max(pi, EPS), 1 - EPS)
        terms.append(-(yi * math.log(pc) + (1 - yi) * math.log(1 - pc)))
    return sum(terms) / len(terms)


@check_for(
    "4.3", "losses.BinaryCrossEntropy.forward",
    hints=(
        "Clip p into [self.EPS, 1 - self.EPS] first (np.clip), so that log never sees 0. Then "
        "average -(y log p + (1 - y) log(1 - p)) over the batch.",
        "Keep the clipped p in self.p and y in self.y: backward uses both. Use np.log on the "
        "clipped p, np.mean over the batch for the average, and return the loss as a Python float.",
    ),
)
def check_bce_forward():
    """-mean(y log p + (1 - y) log(1 - p)) over the batch, as one number
    finite for p = 0 and p = 1 (p is clipped to [EPS, 1 - EPS])
    keeps the clipped p in self.p and y in self.y for backward"""
    loss = BinaryCrossEntropy()
    what = "BinaryCrossEntropy.forward(p, y) for 4 examples"
    got = call(what, loss.forward, P.copy(), Y.copy())
    terms = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    _expect_value(got, _bce(P, Y), what, mistakes=[
        (terms.sum(), "you summed over the batch; average instead."),
        (-terms.mean(), "the minus sign is missing: log p is negative, and the loss must be positive."),
        (float(-(Y * np.log(1 - P) + (1 - Y) * np.log(P)).mean()), "y and 1 - y are swapped: y multiplies log p."),
        (float(terms.mean() / math.log(10)), "use the natural logarithm np.log, not np.log10."),
    ])
    what = "BinaryCrossEntropy.forward(p, y) with p exactly 0 or 1"
    got = call(what, loss.forward, P_EDGE.copy(), Y_EDGE.copy(),
               numeric_hint="log(0) is -inf (and 0 * log(0) is nan). Clip p to [self.EPS, 1 - self.EPS] "
               "with np.clip before taking logs.")
    _expect_value(got, _bce(P_EDGE, Y_EDGE), what)
    _expect_kept(loss, "p", np.clip(P_EDGE, EPS, 1 - EPS), what, mistakes=[
        Mistake(P_EDGE, "keep the clipped p in self.p: backward divides by p * (1 - p), which is 0 at p = 0 or 1.")])
    _expect_kept(loss, "y", Y_EDGE, what)


@check_for(
    "4.4", "losses.BinaryCrossEntropy.backward",
    hints=(
        "Differentiate -(y log p + (1 - y) log(1 - p)) with respect to p, at the clipped p, and "
        "remember the 1 / n of the average.",
        "For one example, dL/dp = (p - y) / (p * (1 - p)). Use the clipped p and the y kept by "
        "forward in self.p and self.y, and divide by the number of examples, len(self.y), for the "
        "average.",
    ),
)
def check_bce_backward():
    """(p - y) / (p (1 - p)) / n at the clipped p (self.p) and the labels (self.y) forward kept
    shape (n, 1); uses the batch of the latest forward"""
    loss = BinaryCrossEntropy()
    loss.p, loss.y = P.copy(), Y.copy()  # what forward keeps: set directly, so this check needs only backward
    what = "BinaryCrossEntropy.backward() with self.p and self.y of 4 examples"
    got = call(what, loss.backward)
    expect_array(got, what)
    n = len(P)
    right = (P - Y) / (P * (1 - P)) / n
    expect_close(got, right, what, mistakes=[
        Mistake((P - Y) / n, "(p - y) / n is the gradient with respect to the sigmoid's input z; "
                "this loss's input is p itself: divide by p * (1 - p)."),
        Mistake(-right, "wrong sign: the gradient is (p - y) / (p (1 - p)) / n."),
        Mistake(right * n, "you forgot the 1 / n from the average over the batch."),
    ])
    pc = np.clip(P_EDGE, EPS, 1 - EPS)
    loss.p, loss.y = pc.copy(), Y_EDGE.copy()
    got = call("BinaryCrossEntropy.backward() with self.p clipped from p = 0 and 1", loss.backward,
               numeric_hint="use the clipped p kept by forward in self.p: p * (1 - p) is 0 at p = 0 or 1.")
    expect_close(got, (pc - Y_EDGE) / (pc * (1 - pc)) / len(P_EDGE),
                 "BinaryCrossEntropy.backward() with self.p clipped from p = 0 and 1", rtol=1e-5)
    _expect_latest(loss, {"p": P[:3].copy(), "y": Y[:3].copy()}, (3, 1), "BinaryCrossEntropy")


# --- softmax cross-entropy -----------------------------------------------------------------

LOGITS = np.array([[2.0, 1.0, 0.1, -1.0], [0.5, 0.5, 3.0, 0.0], [-2.0, 4.0, 1.0, 1.0]])
LABELS = np.array([0, 2, 3])
EXTREME = np.array([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]])  # exp overflows, softmax hits 0
EXTREME_LABELS = np.array([1, 1])


def _log_softmax(row):
    top = max(row)
    log_total = top + math.log(sum(math.exp(v - top) for v in row))
    return [v - log_total for v in row]


def _softmax_ce(logits, labels):
    return sum(-_log_softmax(list(row))[c] for row, c in zip(logits, labels)) / len(labels)


def _softmax(logits):
    return np.exp(np.array([_log_softmax(list(row)) for row in logits]))


@check_for(
    "4.5", "losses.SoftmaxCrossEntropy.forward",
    hints=(
        "Shift each row by its maximum, then log_probs = shifted - log(sum(exp(shifted))) along the "
        "row. Pick each example's log-probability of its own label with "
        "log_probs[np.arange(n), y], and average their negatives.",
        "Use logits.max(axis=1, keepdims=True) for the shift and .sum(axis=1, keepdims=True) inside "
        "np.log, so that (n, k) minus (n, 1) broadcasts. Backward needs the probabilities (np.exp "
        "of the log-probabilities) and the labels: keep them in self.probs and self.y, and return "
        "the loss as a float.",
    ),
)
def check_softmax_ce_forward():
    """the mean over the batch of logsumexp(z) - z[label], as one number
    finite and exact for logits of ±1000 (no overflow, no log of 0)
    keeps softmax(logits) in self.probs and the labels in self.y for backward"""
    loss = SoftmaxCrossEntropy()
    what = "SoftmaxCrossEntropy.forward(logits, y) for 3 examples of 4 classes"
    got = call(what, loss.forward, LOGITS.copy(), LABELS.copy())
    log_p = np.array([_log_softmax(list(row)) for row in LOGITS])
    picked = log_p[np.arange(3), LABELS]
    _expect_value(got, _softmax_ce(LOGITS, LABELS), what, mistakes=[
        (-picked.sum(), "you summed over the batch; average instead."),
        (picked.mean(), "the minus sign is missing: the loss is -log p(label), which is positive."),
        (-log_p[:, LABELS].mean(), "log_probs[:, y] picks every label for every row; pick one per "
         "row with log_probs[np.arange(n), y]."),
        (-log_p.max(axis=1).mean(), "you used the largest log-probability of each row; use the one "
         "of the row's own label."),
    ])
    _expect_kept(loss, "probs", _softmax(LOGITS), what, mistakes=[
        Mistake(np.log(_softmax(LOGITS)), "self.probs must hold the probabilities softmax(logits), not their logarithms: "
                "np.exp of the log-probabilities."),
        Mistake(LOGITS, "self.probs must hold softmax(logits), not the logits themselves.")])
    kept_y = getattr(loss, "y", None)
    expect(kept_y is not None and np.array_equal(np.asarray(kept_y), LABELS),
           f"{what} did not keep the labels in self.y (backward reads them); it kept {kept_y!r}.")
    what = "SoftmaxCrossEntropy.forward(logits, y) for logits of ±1000"
    got = call(what, loss.forward, EXTREME.copy(), EXTREME_LABELS.copy(),
               numeric_hint="exp(1000) overflows, and log(softmax) hits log(0) when a probability "
               "rounds to 0. Subtract each row's maximum, and compute log-probabilities as "
               "shifted - log(sum(exp(shifted))) instead of taking the log of softmax.")
    _expect_value(got, _softmax_ce(EXTREME, EXTREME_LABELS), what)
    _expect_kept(loss, "probs", _softmax(EXTREME), what)


@check_for(
    "4.6", "losses.SoftmaxCrossEntropy.backward",
    hints=(
        "The gradient with respect to the logits is the predicted probabilities minus 1 at each "
        "row's true label, divided by n. Work on a copy of the probabilities kept by forward.",
        "Copy self.probs with .copy() so that forward's array stays as it was, subtract 1 at the "
        "indices [np.arange(n), self.y] (one element per row), and divide the whole array by the "
        "batch size n.",
    ),
)
def check_softmax_ce_backward():
    """(softmax(logits) - one_hot(y)) / n, shape (n, k), from self.probs and self.y
    the same answer when called twice (forward's probabilities left intact); the latest batch"""
    loss = SoftmaxCrossEntropy()
    loss.probs, loss.y = _softmax(LOGITS), LABELS.copy()  # what forward keeps: set directly
    what = "SoftmaxCrossEntropy.backward() with self.probs and self.y of 3 examples of 4 classes"
    got = call(what, loss.backward)
    expect_array(got, what)
    probs, one_hot, n = _softmax(LOGITS), np.eye(4)[LABELS], len(LABELS)
    right = (probs - one_hot) / n
    expect_close(got, right, what, mistakes=[
        Mistake(probs - one_hot, "you forgot to divide by n: the loss is an average over the batch."),
        Mistake(-right, "wrong sign: it is (softmax(logits) - one_hot(y)) / n."),
        Mistake(probs / n, "subtract 1 at each row's true label: (softmax - one_hot(y)) / n."),
    ])
    again = call(f"{what}, called a second time", loss.backward)
    expect(np.shape(again) == right.shape and np.allclose(again, right),
           "a second call of backward gave a different answer: the first call changed the "
           "probabilities that forward kept (grad = self.probs, then grad[...] -= 1 writes into "
           "them). Work on a copy: grad = self.probs.copy().")
    _expect_latest(loss, {"probs": _softmax(LOGITS[:2]), "y": LABELS[:2].copy()}, (2, 4), "SoftmaxCrossEntropy")
