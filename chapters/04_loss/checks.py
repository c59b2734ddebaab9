"""Checks for scratchdl/losses.py (chapter 4): each loss's value and its gradient.

Expected values come from Python's `math` module, one example at a time. Batches of different
sizes catch a forgotten average; extreme inputs catch log(0) and overflow (numpy reporting
them is an error while checks run). Every forward is called twice on the same arrays (they must
come back unchanged, and the answer must not change); every backward must leave what forward
kept as it was, and keep float32 as float32.
"""

import math

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    CheckFailed, Mistake, call, call_twice, expect, expect_array, expect_close, expect_dtype_kept,
    expect_same_again, short, where,
)
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy


def _scalar(value, what, mistakes=()):
    """The loss as one number; `mistakes` are (predicate of the array, explanation) for the
    arrays that a known mistake returns instead."""
    if np.ndim(value) != 0 or isinstance(value, (str, bytes)):
        lines = [f"{what} should return one number; it returned {type(value).__name__} with shape "
                 f"{np.shape(value)}. Average over the batch to get a single value."]
        for matches, explanation in mistakes:
            try:
                if matches(np.asarray(value, dtype=float)):
                    lines.append(f"  Likely mistake: {explanation}")
                    break
            except (ValueError, TypeError, IndexError):
                pass
        expect(False, "\n".join(lines))
    return float(value)


def _forward_twice(what, forward, *args, in_place=None, numeric_hint=""):
    """call_twice (the arrays come back unchanged, the same answer twice), with what to do
    instead when one argument was written into: `in_place` maps an argument's name to it."""
    try:
        return call_twice(what, forward, *args, numeric_hint=numeric_hint)
    except CheckFailed as failed:
        message = str(failed)
        for name, hint in (in_place or {}).items():
            if f"(argument {name}) changed its input array in place" in message:
                raise CheckFailed(f"{message}\n  Likely mistake: {hint}") from None
        raise


def _expect_value(got, expected, what, mistakes=(), shapes=()):
    """A loss value: one number, close to expected; otherwise name the mistake if it is known.
    A mistake is (the value such code returns, or a predicate of it; explanation)."""
    got = _scalar(got, what, shapes)
    if math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
        return
    lines = [f"{what} returned {got:.6g}; expected {expected:.6g}."]
    for value, explanation in mistakes:
        if value(got) if callable(value) else math.isclose(got, value, rel_tol=1e-4, abs_tol=1e-9):
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


def _backward_once(loss, what, kept, copy_hint):
    """Call backward and check that it left what forward kept (`kept`: {name: value}) as it was:
    a second backward, or another loss on the same forward, reads it again."""
    got = call(what, loss.backward)
    for name, before in kept.items():
        now = getattr(loss, name, None)
        expect(isinstance(now, np.ndarray) and now.shape == before.shape and np.array_equal(now, before),
               f"{what} changed self.{name} in place: forward kept it for every backward that follows.\n"
               f"  Likely mistake: {copy_hint}")
    return got


def _expect_an_array(got, what, shape):
    """A gradient: an array of the input's shape, not a number that sums it up."""
    if np.ndim(got) == 0 and not isinstance(got, (str, bytes)):
        expect(False, f"{what} returned one number, {short(got)}; it must return the gradient for "
               f"every element of the loss's input, an array of shape {shape}.\n  Likely mistake: the "
               "gradient was summed or averaged away; the 1 / n already is the average's share: "
               "return the whole array.")
    expect_array(got, what, shape=shape)


def _expect_again(loss, first, what):
    """A second backward on the same kept values gives the same gradient."""
    again = call(f"{what}, called a second time", loss.backward)
    expect_same_again(first, again, f"{what} (called twice)")


def _expect_float32(loss, state, what, likely):
    """backward on float32 values kept by forward returns float32 (chapter 7 trains in float32)."""
    loss.__dict__.update(state)
    expect_dtype_kept(call(what, loss.backward), np.float32, what, likely)


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
        "A mean over what, exactly: the rows, or every number in the batch? And which "
        "intermediate result will backward want to reuse?",
        "Keep the difference y_pred - y in self.diff (backward needs it), then take np.mean of its "
        "square over every element. Return the loss as a Python float with float().",
    ),
)
def check_mse_forward():
    """the mean of (y_pred - y)**2 over every element, as one number
    keeps y_pred - y in self.diff for backward; 0 for a perfect prediction
    leaves y_pred and y unchanged, the same answer twice; float32 kept in self.diff"""
    loss = MeanSquaredError()
    what = "MeanSquaredError.forward(y_pred, y) for a (3, 2) batch"
    got = _forward_twice(what, loss.forward, Y_PRED.copy(), Y_TRUE.copy(), in_place={
        "y_pred": "y_pred -= y (or diff = y_pred, then diff -= y: the same array) writes into the "
                  "caller's predictions; compute a new array: self.diff = y_pred - y."})
    squares = (Y_PRED - Y_TRUE) ** 2
    per_axis = ("np.mean with an axis gives one mean per {}; call np.mean with no axis, so that it "
                "averages every element into one number.")
    _expect_value(got, _mse(Y_PRED, Y_TRUE), what, mistakes=[
        (squares.sum(), "you summed the squares; average them (divide by the number of elements)."),
        (squares.sum() / len(Y_PRED), "you divided by the number of rows n; the mean is over every "
         "element, N = y_pred.size."),
        (math.sqrt(squares.mean()), "that is the root of the mean squared error; drop the square root."),
        (np.abs(Y_PRED - Y_TRUE).mean(), "that is the mean absolute error; square the differences."),
        ((Y_PRED - Y_TRUE).mean() ** 2, "the mean was taken before squaring - np.mean(y_pred - y) ** 2; "
         "square each difference first: np.mean((y_pred - y) ** 2)."),
    ], shapes=[
        (lambda a: a.shape == (2,) and np.allclose(a, squares.mean(axis=0)), per_axis.format("column (axis=0)")),
        (lambda a: a.shape == (3,) and np.allclose(a, squares.mean(axis=1)), per_axis.format("example (axis=1)")),
        (lambda a: a.shape == squares.shape and np.allclose(a, squares), "the squares were returned "
         "as they are; average them into one number with np.mean."),
    ])
    _expect_kept(loss, "diff", Y_PRED - Y_TRUE, what, mistakes=[
        Mistake(Y_TRUE - Y_PRED, "self.diff must be y_pred - y (backward's gradient 2 * diff / N has that sign)."),
        Mistake(squares, "keep the difference y_pred - y itself in self.diff, not its square.")])
    perfect = call("MeanSquaredError.forward(y, y)", loss.forward, Y_TRUE.copy(), Y_TRUE.copy())
    _expect_value(perfect, 0.0, "MeanSquaredError.forward(y, y) (a perfect prediction)")
    what = "self.diff after MeanSquaredError.forward on float32 arrays"
    call(what, loss.forward, Y_PRED.astype(np.float32), Y_TRUE.astype(np.float32))
    expect_dtype_kept(getattr(loss, "diff", None), np.float32, what)


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
    leaves self.diff as it was: the same answer when called twice
    float32 in, float32 out; uses the batch of the latest forward"""
    loss = MeanSquaredError()
    diff, N = Y_PRED - Y_TRUE, Y_PRED.size
    loss.diff = diff.copy()  # what forward keeps: set directly, so this check needs only backward
    what = "MeanSquaredError.backward() with self.diff of a (3, 2) batch"
    got = _backward_once(loss, what, {"diff": diff},
                         "self.diff *= ... (or grad = self.diff, then grad *= ..., the same array) "
                         "scaled forward's difference itself; compute a new array: 2 * self.diff / self.diff.size.")
    _expect_an_array(got, what, diff.shape)
    expect_close(got, 2 * diff / N, what, mistakes=[
        Mistake(diff / N, "the derivative of (y_pred - y)**2 is 2 * (y_pred - y): the factor 2 is missing."),
        Mistake(-2 * diff / N, "wrong sign: the gradient is 2 * (y_pred - y) / N, pointing towards larger loss."),
        Mistake(2 * diff, "you forgot the 1 / N from the mean."),
        Mistake(2 * diff / len(Y_PRED), "divide by N = y_pred.size, the number of elements averaged, not by n rows."),
    ])
    _expect_again(loss, got, what)
    _expect_float32(loss, {"diff": diff.astype(np.float32)}, "MeanSquaredError.backward() with a float32 self.diff",
                    "a numpy number as a constant makes the result float64 - N = np.prod(self.diff.shape) "
                    "is an np.int64 - and so does an array built with np.zeros; divide by self.diff.size, a Python int.")
    _expect_latest(loss, {"diff": (Y_PRED - Y_TRUE)[:2]}, (2, 2), "MeanSquaredError")


# --- binary cross-entropy ------------------------------------------------------------------

EPS = BinaryCrossEntropy.EPS
P = np.array([[0.9], [0.2], [0.6], [0.5]])
Y = np.array([[1.0], [0.0], [0.0], [1.0]])
# Perfectly confident answers: log(0) unless p is clipped, at 0 (P_LOW) and at 1 (P_HIGH)
P_LOW, Y_LOW = np.array([[0.0], [0.0], [0.3]]), np.array([[1.0], [0.0], [1.0]])
P_HIGH, Y_HIGH = np.array([[1.0], [1.0], [0.3]]), np.array([[1.0], [0.0], [0.0]])
# and both, right and wrong
P_EDGE = np.array([[1.0], [0.0], [0.0], [1.0]])
Y_EDGE = np.array([[1.0], [0.0], [1.0], [0.0]])


CLIPPED_IN_PLACE = {
    "p": "np.clip(p, ..., out=p) or p[p < self.EPS] = self.EPS writes into the caller's p; keep the "
         "clipped values in a new array: p = np.clip(p, self.EPS, 1 - self.EPS)."}


def _bce(p, y):
    terms = []
    for pi, yi in zip(p.ravel(), y.ravel()):
        pc = min(max(pi, EPS), 1 - EPS)
        terms.append(-(yi * math.log(pc) + (1 - yi) * math.log(1 - pc)))
    return sum(terms) / len(terms)


@check_for(
    "4.3", "losses.BinaryCrossEntropy.forward",
    hints=(
        "What is log(0)? Some p will be exactly 0 or 1: make sure no log ever sees 0, and keep "
        "what backward will read.",
        "Clip p into [self.EPS, 1 - self.EPS] with np.clip, and keep the clipped p in self.p and y "
        "in self.y: backward uses both. Use np.log on the clipped p, np.mean over the batch for the "
        "average, and return the loss as a Python float.",
    ),
)
def check_bce_forward():
    """-mean(y log p + (1 - y) log(1 - p)) over the batch, as one number
    finite for p = 0 and p = 1 (p is clipped to [EPS, 1 - EPS]); leaves p and y unchanged
    keeps the clipped p in self.p and y in self.y for backward; float32 kept in self.p"""
    loss = BinaryCrossEntropy()
    what = "BinaryCrossEntropy.forward(p, y) for 4 examples"
    got = _forward_twice(what, loss.forward, P.copy(), Y.copy(), in_place=CLIPPED_IN_PLACE)
    terms = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    _expect_value(got, _bce(P, Y), what, mistakes=[
        (terms.sum(), "you summed over the batch; average instead."),
        (-terms.mean(), "the minus sign is missing: log p is negative, and the loss must be positive."),
        (float(-(Y * np.log(1 - P) + (1 - Y) * np.log(P)).mean()), "y and 1 - y are swapped: y multiplies log p."),
        (float(-(Y * np.log(P)).mean()), "the (1 - y) * log(1 - p) term is missing: an example of "
         "class 0 must cost something too. Add it inside the mean."),
        (float(terms.mean() / math.log(10)), "use the natural logarithm np.log, not np.log10."),
    ])
    what = "BinaryCrossEntropy.forward(p, y) with p exactly 0"
    got = _forward_twice(what, loss.forward, P_LOW.copy(), Y_LOW.copy(), in_place=CLIPPED_IN_PLACE,
                     numeric_hint="log(0) is -inf (and 0 * log(0) is nan). Clip p to [self.EPS, "
                     "1 - self.EPS] with np.clip before taking logs.")
    _expect_value(got, _bce(P_LOW, Y_LOW), what)
    what = "BinaryCrossEntropy.forward(p, y) with p exactly 1"
    got = _forward_twice(what, loss.forward, P_HIGH.copy(), Y_HIGH.copy(), in_place=CLIPPED_IN_PLACE,
                     numeric_hint="p = 1 makes 1 - p zero, and log(1 - p) is log(0): p was kept away "
                     "from 0 but not from 1. Clip it at both ends: np.clip(p, self.EPS, 1 - self.EPS).")
    _expect_value(got, _bce(P_HIGH, Y_HIGH), what)
    what = "BinaryCrossEntropy.forward(p, y) with p exactly 0 or 1"
    got = _forward_twice(what, loss.forward, P_EDGE.copy(), Y_EDGE.copy(), in_place=CLIPPED_IN_PLACE)
    _expect_value(got, _bce(P_EDGE, Y_EDGE), what)
    _expect_kept(loss, "p", np.clip(P_EDGE, EPS, 1 - EPS), what, mistakes=[
        Mistake(P_EDGE, "keep the clipped p in self.p: backward divides by p * (1 - p), which is 0 at p = 0 or 1.")])
    _expect_kept(loss, "y", Y_EDGE, what)
    what = "self.p after BinaryCrossEntropy.forward on float32 arrays"
    call(what, loss.forward, P.astype(np.float32), Y.astype(np.float32))
    expect_dtype_kept(getattr(loss, "p", None), np.float32, what)


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
    shape (n, 1); leaves self.p and self.y as they were: the same answer when called twice
    float32 in, float32 out; uses the batch of the latest forward"""
    loss = BinaryCrossEntropy()
    loss.p, loss.y = P.copy(), Y.copy()  # what forward keeps: set directly, so this check needs only backward
    what = "BinaryCrossEntropy.backward() with self.p and self.y of 4 examples"
    got = _backward_once(loss, what, {"p": P, "y": Y},
                         "grad = self.p is forward's array itself, so grad -= ... (or grad /= ...) "
                         "wrote into it; compute a new array: (self.p - self.y) / (self.p * (1 - self.p)) / n.")
    _expect_an_array(got, what, P.shape)
    n = len(P)
    right = (P - Y) / (P * (1 - P)) / n
    expect_close(got, right, what, mistakes=[
        Mistake((P - Y) / n, "(p - y) / n is the gradient with respect to the sigmoid's input z; "
                "this loss's input is p itself: divide by p * (1 - p)."),
        Mistake(-right, "wrong sign: the gradient is (p - y) / (p (1 - p)) / n."),
        Mistake(right * n, "you forgot the 1 / n from the average over the batch."),
        Mistake((-Y / P - (1 - Y) / (1 - P)) / n, "the sign of the second term: the derivative of "
                "-(1 - y) log(1 - p) is +(1 - y) / (1 - p), so dL/dp = (-y / p + (1 - y) / (1 - p)) / n."),
    ])
    _expect_again(loss, got, what)
    pc = np.clip(P_EDGE, EPS, 1 - EPS)
    loss.p, loss.y = pc.copy(), Y_EDGE.copy()
    got = call("BinaryCrossEntropy.backward() with self.p clipped from p = 0 and 1", loss.backward,
               numeric_hint="use the clipped p kept by forward in self.p: p * (1 - p) is 0 at p = 0 or 1.")
    expect_close(got, (pc - Y_EDGE) / (pc * (1 - pc)) / len(P_EDGE),
                 "BinaryCrossEntropy.backward() with self.p clipped from p = 0 and 1", rtol=1e-5)
    _expect_float32(loss, {"p": P.astype(np.float32), "y": Y.astype(np.float32)},
                    "BinaryCrossEntropy.backward() with float32 self.p and self.y",
                    "an array built with np.zeros (or np.ones, np.empty) is float64 unless given "
                    "dtype=self.p.dtype; a whole-array formula needs no such array, or loop.")
    _expect_latest(loss, {"p": P[:3].copy(), "y": Y[:3].copy()}, (3, 1), "BinaryCrossEntropy")


# --- softmax cross-entropy -----------------------------------------------------------------

LOGITS = np.array([[2.0, 1.0, 0.1, -1.0], [0.5, 0.5, 3.0, 0.0], [-2.0, 4.0, 1.0, 1.0]])
LABELS = np.array([0, 2, 3])
EXTREME = np.array([[1000.0, 0.0, -1000.0], [0.0, -1000.0, 1000.0]])  # exp overflows, softmax hits 0
EXTREME_LABELS = np.array([1, 1])
# Rows 2000 apart: one maximum for the whole batch sends every exp of the second row to 0.
FAR_APART = np.array([[1000.0, 998.0, 999.0], [-1000.0, -999.0, -998.0]])
FAR_APART_LABELS = np.array([0, 2])


SHIFTED_IN_PLACE = {
    "logits": "logits -= logits.max(...) shifts the caller's logits; write the shift into a new "
              "array: shifted = logits - logits.max(axis=1, keepdims=True)."}


def _ce_with_axes(max_axis, sum_axis):
    """The loss on LOGITS when the maximum or the sum of the log-sum-exp runs along another axis."""
    shifted = LOGITS - LOGITS.max(axis=max_axis, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=sum_axis, keepdims=True))
    return float(-log_p[np.arange(len(LABELS)), LABELS].mean())


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
        "Softmax, then log, breaks for large logits: exp overflows, and a probability can round "
        "to 0. Look for a way to write log softmax(z) that never does either - the docstring "
        "has one.",
        "Shift each row by its own maximum, logits.max(axis=1, keepdims=True); the "
        "log-probabilities are then the shifted logits minus the log of the row's sum of their "
        "exp (keepdims=True again, so that (n, k) minus (n, 1) broadcasts). Average the negatives "
        "of log_probs[np.arange(n), y]. Backward needs the probabilities (np.exp of the "
        "log-probabilities) and the labels, in self.probs and self.y; return the loss as a float.",
    ),
)
def check_softmax_ce_forward():
    """the mean over the batch of logsumexp(z) - z[label], as one number
    finite and exact for logits of ±1000, in float64 and float32 (no overflow, no log of 0)
    each row shifted by its own maximum; leaves the logits unchanged, the same answer twice
    keeps softmax(logits) in self.probs (float32 kept) and the labels in self.y for backward"""
    loss = SoftmaxCrossEntropy()
    what = "SoftmaxCrossEntropy.forward(logits, y) for 3 examples of 4 classes"
    got = _forward_twice(what, loss.forward, LOGITS.copy(), LABELS.copy(), in_place=SHIFTED_IN_PLACE)
    log_p = np.array([_log_softmax(list(row)) for row in LOGITS])
    picked = log_p[np.arange(3), LABELS]
    _expect_value(got, _softmax_ce(LOGITS, LABELS), what, mistakes=[
        (-picked.sum(), "you summed over the batch; average instead."),
        (picked.mean(), "the minus sign is missing: the loss is -log p(label), which is positive."),
        (-log_p[:, LABELS].mean(), "log_probs[:, y] picks every label for every row; pick one per "
         "row with log_probs[np.arange(n), y]."),
        (-log_p.max(axis=1).mean(), "you used the largest log-probability of each row; use the one "
         "of the row's own label."),
        (_ce_with_axes(0, 1), "the maximum was taken down the columns (axis=0); each row is one "
         "example, so shift each row by its own: logits.max(axis=1, keepdims=True)."),
        (_ce_with_axes(1, 0), "the sum inside the log ran down the columns (axis=0); sum each row, "
         "one example's classes: np.exp(shifted).sum(axis=1, keepdims=True)."),
        (-picked.mean() - LOGITS.max(axis=1).mean(), "the log-sum-exp lost its maximum: "
         "log(sum(exp(z - m))) is logsumexp(z) - m. Add m back (or subtract the shifted logit "
         "z[label] - m instead of z[label])."),
    ])
    _expect_kept(loss, "probs", _softmax(LOGITS), what, mistakes=[
        Mistake(np.log(_softmax(LOGITS)), "self.probs must hold the probabilities softmax(logits), not their logarithms: "
                "np.exp of the log-probabilities."),
        Mistake(LOGITS, "self.probs must hold softmax(logits), not the logits themselves.")])
    kept_y = getattr(loss, "y", None)
    expect(kept_y is not None and np.array_equal(np.asarray(kept_y), LABELS),
           f"{what} did not keep the labels in self.y (backward reads them); it kept {kept_y!r}.")

    what = "SoftmaxCrossEntropy.forward(logits, y) for logits of ±1000"
    got = _forward_twice(what, loss.forward, EXTREME.copy(), EXTREME_LABELS.copy(), in_place=SHIFTED_IN_PLACE,
                     numeric_hint="exp(1000) overflows, and log(softmax) hits log(0) when a probability "
                     "rounds to 0. Subtract each row's maximum, and compute log-probabilities as "
                     "shifted - log(sum(exp(shifted))) instead of taking the log of softmax.")
    _expect_value(got, _softmax_ce(EXTREME, EXTREME_LABELS), what, mistakes=[
        (lambda value: 0 < value < 100, "the log of a probability that rounds to 0 was kept finite with "
         "an epsilon (log(p + eps)) or np.clip, which caps each example's loss near -log(eps); here "
         "the true losses are 1000 and 2000. Compute log-probabilities as shifted - "
         "log(sum(exp(shifted))): they are exact."),
    ])
    _expect_kept(loss, "probs", _softmax(EXTREME), what)

    what = "SoftmaxCrossEntropy.forward(logits, y) for rows around +1000 and -1000"
    got = call(what, loss.forward, FAR_APART.copy(), FAR_APART_LABELS.copy(),
               numeric_hint="every exp of the row around -1000 rounded to 0, so it was shifted by more "
               "than its own maximum: one maximum for the whole batch (np.max(logits)) is not "
               "enough. Subtract each row's own: logits.max(axis=1, keepdims=True).")
    _expect_value(got, _softmax_ce(FAR_APART, FAR_APART_LABELS), what)

    what = "SoftmaxCrossEntropy.forward(logits, y) for float32 logits of ±1000"
    got = call(what, loss.forward, EXTREME.astype(np.float32), EXTREME_LABELS.copy(),
               numeric_hint="float32 overflows sooner than float64 (exp(89) already does): subtract "
               "each row's maximum before any exp.")
    _expect_value(got, _softmax_ce(EXTREME, EXTREME_LABELS), what)
    expect_dtype_kept(getattr(loss, "probs", None), np.float32, f"self.probs after {what}")


@check_for(
    "4.6", "losses.SoftmaxCrossEntropy.backward",
    hints=(
        "The docstring's one_hot(y) differs from zero in only one entry per row. Which entries of "
        "the probabilities does it change? And forward's self.probs must stay as it was.",
        "Copy self.probs with .copy() so that forward's array stays as it was, subtract 1 at the "
        "indices [np.arange(n), self.y] (one element per row), and divide the whole array by the "
        "batch size n.",
    ),
)
def check_softmax_ce_backward():
    """(softmax(logits) - one_hot(y)) / n, shape (n, k), from self.probs and self.y
    leaves forward's self.probs as it was: the same answer when called twice
    float32 in, float32 out; uses the batch of the latest forward"""
    loss = SoftmaxCrossEntropy()
    probs, one_hot, n = _softmax(LOGITS), np.eye(4)[LABELS], len(LABELS)
    loss.probs, loss.y = probs.copy(), LABELS.copy()  # what forward keeps: set directly
    what = "SoftmaxCrossEntropy.backward() with self.probs and self.y of 3 examples of 4 classes"
    got = _backward_once(loss, what, {"probs": probs, "y": LABELS},
                         "grad = self.probs is forward's array itself, so grad[...] -= 1 wrote into "
                         "the probabilities. Work on a copy: grad = self.probs.copy().")
    _expect_an_array(got, what, probs.shape)
    right = (probs - one_hot) / n
    every_column = probs.copy()
    every_column[:, LABELS] -= 1
    expect_close(got, right, what, mistakes=[
        Mistake(every_column / n, "grad[:, y] -= 1 subtracts 1 in every row, in the column of every "
                "label; subtract one entry per row: grad[np.arange(n), y] -= 1."),
        Mistake(probs - one_hot, "you forgot to divide by n: the loss is an average over the batch."),
        Mistake(-right, "wrong sign: it is (softmax(logits) - one_hot(y)) / n."),
        Mistake(probs / n, "subtract 1 at each row's true label: (softmax - one_hot(y)) / n."),
        Mistake((probs - 1) / n, "1 was subtracted from every entry; subtract it only at each row's "
                "true label: grad[np.arange(n), y] -= 1."),
        Mistake((probs - one_hot) / probs.shape[1], "you divided by the number of classes k "
                "(shape[1]); divide by the number of examples n = len(self.y)."),
    ])
    _expect_again(loss, got, what)
    _expect_float32(loss, {"probs": probs.astype(np.float32), "y": LABELS.copy()},
                    "SoftmaxCrossEntropy.backward() with float32 self.probs",
                    "np.eye(k) for the one-hot rows (or np.zeros) builds float64; give it "
                    "dtype=self.probs.dtype, or subtract 1 at [np.arange(n), self.y] on a copy of self.probs.")
    _expect_latest(loss, {"probs": _softmax(LOGITS[:2]), "y": LABELS[:2].copy()}, (2, 4), "SoftmaxCrossEntropy")


# --- sigmoid cross-entropy, from the logit -------------------------------------------------

Z = np.array([[2.0], [-1.0], [0.5], [-3.0], [1.25]])
Z_LABELS = np.array([[1.0], [0.0], [0.0], [1.0], [0.0]])
# Logits far out on both sides, labels right and wrong: exp(800) overflows float64, sigmoid(±800)
# and (in float64 already from 37 on) sigmoid(40) round to exactly 0 or 1.
Z_FAR, Z_FAR_LABELS = np.array([[800.0], [-800.0], [800.0], [-800.0]]), np.array([[1.0], [0.0], [0.0], [1.0]])
Z_40 = np.array([[40.0], [-40.0], [40.0], [-40.0]])  # in float32, exp(100) overflows, sigmoid(±40) is 0 or 1
Z_100 = np.array([[100.0], [-100.0], [100.0], [-100.0]])


def _softplus(t):
    """log(1 + e^t) for one number, exactly, for any t."""
    return t + math.log1p(math.exp(-t)) if t > 0 else math.log1p(math.exp(t))


def _sigmoid_ce(z, y):
    """-[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], averaged: -log sigmoid(z) = log(1 + e^-z)
    and -log(1 - sigmoid(z)) = log(1 + e^z)."""
    terms = [yi * _softplus(-zi) + (1 - yi) * _softplus(zi) for zi, yi in zip(z.ravel(), y.ravel())]
    return sum(terms) / len(terms)


def _sigmoid_of(z):
    return np.array([[1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))] for v in z.ravel()])


def _sigmoid_ce_numerics(error):
    """What a numpy error in SigmoidCrossEntropy.forward most likely comes from, by its message
    and the line it came from."""
    message, line = str(error), where(error)
    if "where" in line:
        return ("np.where evaluates both of its branches for every z, so exp overflows in the one "
                "that is not kept: keep self.p = sigmoid(z), your chapter 2 sigmoid (imported in losses.py).")
    if "overflow" in message and "exp" in message and "log" not in line:
        return ("exp(-z) overflows for z = -800, so 1 / (1 + np.exp(-z)) cannot give self.p: keep "
                "self.p = sigmoid(z), your chapter 2 sigmoid (imported in losses.py), which never overflows.")
    if "overflow" in message and "exp" in message:
        return ("exp only ever needs numbers <= 0 here: log(1 + exp(-|z|)), with the absolute value "
                "np.abs(z); exp(-z) overflows for z = -800 (exp(z) for z = 800).")
    if "log" in message or "log" in line or "invalid value" in message:
        return ("log(sigmoid(z)) and log(1 - sigmoid(z)) take log(0) once sigmoid(z) rounds to 0 or "
                "1 (1 - sigmoid(40) is exactly 0 in float64): do not take the log of a probability. Use the docstring's "
                "formula in z, max(z, 0) - y * z + log(1 + exp(-|z|)), which has no log of 0 in it.")
    return ""


LOGIT_IN_PLACE = {
    "z": "np.abs(z, out=z), np.maximum(z, 0, out=z) or z *= ... writes into the caller's logits; "
         "compute new arrays: np.maximum(z, 0), np.abs(z)."}


@check_for(
    "4.7", "losses.SigmoidCrossEntropy.forward",
    hints=(
        "Never form a probability to take the log of: write the loss in terms of z alone "
        "(log sigmoid(z) = -log(1 + e^-z)). Then ask what e^-z does for z = -800, and how to take "
        "it out of the log when z < 0.",
        "Per example, max(z, 0) - y * z + log(1 + exp(-|z|)): np.maximum(z, 0), np.abs(z), "
        "np.log1p(np.exp(-np.abs(z))); np.mean over the batch and float(). Keep self.p = "
        "sigmoid(z) (the chapter 2 sigmoid, imported in losses.py) and self.y = y for backward.",
    ),
)
def check_sigmoid_ce_forward():
    """the mean over the batch of max(z, 0) - y z + log(1 + exp(-|z|)), as one number
    exact for logits of ±800 (float64) and ±40, ±100 (float32): no overflow, no log of 0
    leaves z and y unchanged, the same answer twice
    keeps sigmoid(z) in self.p (float32 kept) and the labels in self.y for backward"""
    loss = SigmoidCrossEntropy()
    what = "SigmoidCrossEntropy.forward(z, y) for 5 examples"
    got = _forward_twice(what, loss.forward, Z.copy(), Z_LABELS.copy(), in_place=LOGIT_IN_PLACE,
                         numeric_hint=_sigmoid_ce_numerics)
    z, y = Z.ravel(), Z_LABELS.ravel()
    soft = np.log1p(np.exp(-np.abs(z)))
    terms = np.maximum(z, 0) - y * z + soft
    _expect_value(got, _sigmoid_ce(Z, Z_LABELS), what, mistakes=[
        (terms.sum(), "you summed over the batch; average instead."),
        (float(np.mean(np.maximum(z, 0) + y * z + soft)), "the sign of y * z: the loss is max(z, 0) "
         "- y * z + log(1 + exp(-|z|)) (for y = 1 a large positive z must cost nothing)."),
        (float(np.mean(z - y * z + soft)), "z where max(z, 0) belongs: with exp(-|z|) in the log, "
         "the first term is np.maximum(z, 0) (for z < 0, log(1 + e^-z) = -z + log(1 + e^z), and "
         "that -z cancels the leading z)."),
        (float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-z)))), "exp(-z) where exp(-|z|) "
         "belongs: for z < 0 the |z| was already taken out of the log into max(z, 0), so the log "
         "is log(1 + exp(-np.abs(z)))."),
        (_sigmoid_ce(Z, 1 - Z_LABELS), "that is the loss of the other class for every example: y "
         "and 1 - y swapped, or z's sign turned. For y = 1 the loss is -log sigmoid(z) = "
         "max(z, 0) - z + log(1 + exp(-|z|))."),
        (float(np.mean(-y * z + soft)), "the max(z, 0) term is missing: max(z, 0) - y * z + log(1 + exp(-|z|))."),
        (float(np.mean(np.maximum(z, 0) - y * z)), "the log(1 + exp(-|z|)) term is missing (it is "
         "log 2 at z = 0): max(z, 0) - y * z + log(1 + exp(-|z|))."),
        (float(np.mean(np.maximum(Z, 0) - y * Z + np.log1p(np.exp(-np.abs(Z))))), "labels of shape "
         "(n,) against logits of shape (n, 1) broadcast to an (n, n) array, and the mean ran over "
         "n * n pairs: here y is (n, 1), like z (y.ravel() or y.reshape(-1) makes it (n,))."),
    ], shapes=[
        (lambda a: a.size == len(z) and np.allclose(a.ravel(), terms), "the per-example losses were "
         "returned as they are; average them into one number with np.mean."),
    ])
    _expect_kept(loss, "p", _sigmoid_of(Z), what, mistakes=[
        Mistake(Z, "self.p must hold the probabilities sigmoid(z), not the logits z: backward "
                "computes (self.p - self.y) / n."),
        Mistake(1 - _sigmoid_of(Z), "self.p must be sigmoid(z), the probability of class 1; this is 1 - sigmoid(z).")])
    _expect_kept(loss, "y", Z_LABELS, what)

    what = "SigmoidCrossEntropy.forward(z, y) for logits of ±800"
    got = _forward_twice(what, loss.forward, Z_FAR.copy(), Z_FAR_LABELS.copy(), in_place=LOGIT_IN_PLACE,
                         numeric_hint=_sigmoid_ce_numerics)
    _expect_value(got, _sigmoid_ce(Z_FAR, Z_FAR_LABELS), what, mistakes=[
        (lambda value: 0 < value < 100, "the probability was kept away from 0 and 1 with a clip or an "
         "epsilon (as BinaryCrossEntropy does), which caps each example's loss near -log(eps); here "
         "the wrong answers cost exactly 800 each. Compute from z: max(z, 0) - y * z + log(1 + exp(-|z|))."),
    ])
    _expect_kept(loss, "p", _sigmoid_of(Z_FAR), what)

    for extreme in (Z_40, Z_100):
        what = f"SigmoidCrossEntropy.forward(z, y) for float32 logits of ±{extreme.max():.0f}"
        got = call(what, loss.forward, extreme.astype(np.float32), Z_FAR_LABELS.astype(np.float32),
                   numeric_hint=_sigmoid_ce_numerics)
        _expect_value(got, _sigmoid_ce(extreme, Z_FAR_LABELS), what, mistakes=[
            (lambda value: 0 < value < extreme.max() / 3, "the probability was kept away from 0 and 1 "
             "with a clip or an epsilon, which caps each example's loss; compute from z."),
        ])
        expect_dtype_kept(getattr(loss, "p", None), np.float32, f"self.p after {what}")


@check_for(
    "4.8", "losses.SigmoidCrossEntropy.backward",
    hints=(
        "Differentiate max(z, 0) - y z + log(1 + e^-|z|) with respect to z (or, quicker, "
        "z - y z + log(1 + e^-z)): it is a short expression in sigmoid(z), which forward kept. "
        "And the average's 1 / n.",
        "dL/dz = (sigmoid(z) - y) / n: (self.p - self.y) / len(self.y). No p * (1 - p) factor: "
        "the sigmoid's derivative has already cancelled against BinaryCrossEntropy's 1 / (p (1 - p)).",
    ),
)
def check_sigmoid_ce_backward():
    """(sigmoid(z) - y) / n, shape (n, 1), from self.p = sigmoid(z) and self.y
    leaves self.p and self.y as they were: the same answer when called twice
    float32 in, float32 out; uses the batch of the latest forward"""
    loss = SigmoidCrossEntropy()
    p, n = _sigmoid_of(Z), len(Z)
    loss.p, loss.y = p.copy(), Z_LABELS.copy()  # what forward keeps: set directly
    what = "SigmoidCrossEntropy.backward() with self.p and self.y of 5 examples"
    got = _backward_once(loss, what, {"p": p, "y": Z_LABELS},
                         "grad = self.p is forward's array itself, so grad -= self.y (or grad /= n) "
                         "wrote into it; compute a new array: (self.p - self.y) / n.")
    _expect_an_array(got, what, p.shape)
    right = (p - Z_LABELS) / n
    expect_close(got, right, what, mistakes=[
        Mistake(p - Z_LABELS, "you forgot the 1 / n from the average over the batch."),
        Mistake(-right, "wrong sign: the gradient is (sigmoid(z) - y) / n."),
        Mistake(right / (p * (1 - p)), "that is BinaryCrossEntropy's gradient with respect to p; "
                "with respect to the logit z the sigmoid's derivative p (1 - p) cancels the division: "
                "(p - y) / n."),
        Mistake(right * p * (1 - p), "the sigmoid's derivative p (1 - p) was applied again: (p - y) "
                "/ n is already the gradient with respect to z, through the sigmoid. This loss has no "
                "sigmoid layer after it."),
        Mistake((_sigmoid_of(p) - Z_LABELS) / n, "self.p is already sigmoid(z) (forward kept the "
                "probability, not the logit): do not apply the sigmoid again."),
    ])
    _expect_again(loss, got, what)
    _expect_float32(loss, {"p": p.astype(np.float32), "y": Z_LABELS.astype(np.float32)},
                    "SigmoidCrossEntropy.backward() with float32 self.p and self.y",
                    "a numpy number as a constant makes the result float64 - n = np.prod(self.y.shape) "
                    "is an np.int64 - and so does an array built with np.zeros; divide by len(self.y), a Python int")
    _expect_latest(loss, {"p": p[:3].copy(), "y": Z_LABELS[:3].copy()}, (3, 1), "SigmoidCrossEntropy")
