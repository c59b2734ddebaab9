"""Yours to write - chapter 4: 4.1 MeanSquaredError.forward, 4.2 MeanSquaredError.backward, 4.3
BinaryCrossEntropy.forward, 4.4 BinaryCrossEntropy.backward, 4.5 SoftmaxCrossEntropy.forward,
4.6 SoftmaxCrossEntropy.backward, 4.7 SigmoidCrossEntropy.forward, 4.8 SigmoidCrossEntropy.backward.

Chapter 4 - loss functions: one number that says how wrong the network is, and its gradient.

Every loss has the same interface as a layer, except that forward also takes the targets:

    loss_value = loss(y_pred, y)    checks the targets, then forward: returns a float
    grad = loss.backward()          the gradient of that value with respect to y_pred

Losses are averaged over the batch, so that neither the value nor the gradient grows with the
batch size (the best learning rate still depends on it, through the gradient's noise); the
gradient therefore carries a factor 1 / n.
"""

import numpy as np

from scratchdl.activations import sigmoid
from scratchdl.course.exercises import ExerciseTodo, exercise


class Loss:
    KEPT = ""  # the attribute forward keeps for backward

    def __call__(self, y_pred, y):
        y = self.check_targets(self.check_predictions(y_pred), y)
        return self.forward(y_pred, y)

    def check_predictions(self, y_pred):
        """The network's output must be a non-empty 2-D float array (one row per example)."""
        if not isinstance(y_pred, np.ndarray) or y_pred.dtype.kind != "f":
            raise ValueError(f"{self}: the predictions must be a float array; got {type(y_pred).__name__}"
                             + (f" of dtype {y_pred.dtype}" if isinstance(y_pred, np.ndarray) else ""))
        if y_pred.ndim != 2 or len(y_pred) == 0:
            raise ValueError(f"{self}: the predictions must have shape (n, outputs) with n >= 1, one row "
                             f"per example; got shape {y_pred.shape}")
        return y_pred

    def check_targets(self, y_pred, y):
        """Return the targets in the form forward expects, or raise a clear error."""
        raise NotImplementedError

    def check_forward_ran(self):
        """backward needs what forward kept: a clear error if forward has not run yet."""
        if getattr(self, self.KEPT) is None:
            raise ValueError(f"{self}.backward was called before forward: compute the loss first, "
                             "loss(y_pred, y), then its gradient.")


def _numbers(y, what):
    """Targets as an array of numbers (not strings, not booleans), or a clear error."""
    y = np.asarray(y)
    if y.dtype.kind not in "iuf":
        raise ValueError(f"{what} must be numbers; got dtype {y.dtype}"
                         + (" (turn booleans into 0 and 1 with y.astype(int))" if y.dtype == bool else ""))
    return y


class MeanSquaredError(Loss):
    """L = mean((y_pred - y)**2), over every element: for regression."""

    KEPT = "diff"

    def __init__(self):
        self.diff = None  # y_pred - y of the last forward, kept for backward

    def __repr__(self):
        return "MeanSquaredError()"

    def check_targets(self, y_pred, y):
        y = _numbers(y, "MeanSquaredError: targets").astype(y_pred.dtype)
        if y.shape != y_pred.shape:
            if y.ndim == 1 and y_pred.shape == (len(y), 1):
                return y.reshape(-1, 1)  # a 1-D target for a single output column
            raise ValueError(f"MeanSquaredError: targets of shape {y.shape} do not match predictions of shape {y_pred.shape}")
        return y

    @exercise("4.1")
    def forward(self, y_pred, y):
        """The mean squared error, averaged over every element of y_pred.

            L = (1 / N) * sum((y_pred - y)**2),   N = y_pred.size

        Args:
            y_pred: float array of shape (n, k), the network's outputs.
            y:      float array of shape (n, k), the targets.

        Returns:
            L: a Python float.

        Keeps, for backward:
            self.diff: y_pred - y, float array of shape (n, k) (so N is self.diff.size).
        """
        raise ExerciseTodo("4.1")

    @exercise("4.2", arguments=Loss.check_forward_ran)
    def backward(self):
        """The gradient of the last forward's L with respect to y_pred: 2 * (y_pred - y) / N.

        Uses self.diff = y_pred - y, which forward kept; N = self.diff.size.

        Returns:
            float array of the shape of y_pred.
        """
        raise ExerciseTodo("4.2")


class BinaryCrossEntropy(Loss):
    """Cross-entropy for one probability per example (a sigmoid output): for two classes.

    Probabilities are clipped to [EPS, 1 - EPS] first: log(0) is -inf, and one confident wrong
    answer would make the loss (and every gradient after it) infinite. (EPS is the clip, not
    machine epsilon.) backward evaluates the gradient at the clipped p: a straight-through choice,
    since where the clip is active the clipped loss is flat and its true derivative is 0.
    """

    EPS = 1e-7
    KEPT = "p"

    def __init__(self):
        self.p = None  # the clipped probabilities of the last forward, kept for backward
        self.y = None  # its labels

    def __repr__(self):
        return "BinaryCrossEntropy()"

    def check_targets(self, p, y):
        y = _numbers(y, "BinaryCrossEntropy: labels")
        if not ((p >= 0) & (p <= 1)).all():
            raise ValueError(f"BinaryCrossEntropy: probabilities must be in [0, 1] (a sigmoid's output); "
                             f"got values from {p.min():.3g} to {p.max():.3g}")
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        if y.shape != p.shape:
            raise ValueError(f"BinaryCrossEntropy: labels of shape {y.shape} do not match probabilities of shape {p.shape}")
        if not ((y == 0) | (y == 1)).all():
            raise ValueError(f"BinaryCrossEntropy: labels must be 0 or 1; got values {np.unique(y)[:10]}")
        return y.astype(p.dtype)

    @exercise("4.3")
    def forward(self, p, y):
        """Binary cross-entropy, averaged over the batch.

            p_c = clip(p, EPS, 1 - EPS)
            L = -(1 / n) * sum(y * log(p_c) + (1 - y) * log(1 - p_c))

        Args:
            p: float array of shape (n, 1), probabilities that each example is of class 1.
            y: float array of shape (n, 1), labels 0.0 or 1.0.

        Returns:
            L: a Python float.

        Keeps, for backward:
            self.p: p_c, the clipped probabilities, float array of shape (n, 1).
            self.y: y, float array of shape (n, 1) (so n is len(self.y)).
        """
        raise ExerciseTodo("4.3")

    @exercise("4.4", arguments=Loss.check_forward_ran)
    def backward(self):
        """The gradient of L with respect to p (at the clipped p_c of the last forward):

            dL/dp = (p_c - y) / (p_c * (1 - p_c)) / n

        Uses self.p = p_c and self.y, which forward kept; n = len(self.y). Where the clip is
        active (p < EPS or p > 1 - EPS) this is not the derivative of the clipped loss, which is 0
        there: it is a straight-through gradient, as if the clip were not there, kept finite.

        Returns:
            float array of shape (n, 1).
        """
        raise ExerciseTodo("4.4")


class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy in one step, from the logits: for k classes.

    Computing softmax first and then log(probability) fails when a probability rounds to 0.
    Working with log-sum-exp instead keeps every number finite, whatever the logits.
    """

    KEPT = "probs"

    def __init__(self):
        self.probs = None  # softmax(logits) of the last forward, kept for backward
        self.y = None  # its labels

    def __repr__(self):
        return "SoftmaxCrossEntropy()"

    def check_targets(self, logits, y):
        y = _numbers(y, "SoftmaxCrossEntropy: class labels")
        n, k = logits.shape
        if y.ndim != 1 or len(y) != n:
            hint = " (one-hot rows? pass y.argmax(axis=1))" if y.shape == (n, k) else ""
            raise ValueError(f"SoftmaxCrossEntropy: expected {n} integer class labels, shape ({n},); got shape {y.shape}{hint}")
        if y.dtype.kind not in "iu":
            if not np.array_equal(y, np.round(y)):
                raise ValueError(f"SoftmaxCrossEntropy: class labels must be integers; got dtype {y.dtype}")
            y = y.astype(np.int64)
        if y.min() < 0 or y.max() >= k:
            raise ValueError(f"SoftmaxCrossEntropy: class labels must be in 0..{k - 1} for {k} logits; got values from {y.min()} to {y.max()}")
        return y

    @exercise("4.5")
    def forward(self, logits, y):
        """Cross-entropy of softmax(logits) against integer labels, averaged over the batch.

        For one example with logits z and label c:  loss = -log softmax(z)_c = logsumexp(z) - z_c,
        where logsumexp(z) = m + log(sum(exp(z - m))) with m = max(z), which never overflows.

            L = (1 / n) * sum over examples of (logsumexp(z_i) - z_i[y_i])

        Args:
            logits: float array of shape (n, k), one row of k class scores per example.
            y:      int array of shape (n,), each label in 0..k-1.

        Returns:
            L: a Python float.

        Keeps, for backward:
            self.probs: softmax(logits), float array of shape (n, k) (computed stably, from z - m).
            self.y:     y, int array of shape (n,) (so n is len(self.y)).
        """
        raise ExerciseTodo("4.5")

    @exercise("4.6", arguments=Loss.check_forward_ran)
    def backward(self):
        """The gradient of L with respect to the logits: (softmax(logits) - one_hot(y)) / n.

        Uses self.probs and self.y, which forward kept; n = len(self.y). Leave self.probs as it
        is (work on a copy): a second call must give the same answer.

        Returns:
            float array of shape (n, k).
        """
        raise ExerciseTodo("4.6")


class SigmoidCrossEntropy(Loss):
    """The sigmoid and binary cross-entropy in one step, from the logit: for two classes.

    Computing p = sigmoid(z) first and then log(p) fails once p rounds to 0 or 1 (log 0 = -inf),
    and BinaryCrossEntropy's clip hides it by capping the loss. Written in terms of z, the same
    loss is a formula that never overflows and never takes the log of 0, whatever the logit.
    """

    KEPT = "p"

    def __init__(self):
        self.p = None  # sigmoid(z) of the last forward, kept for backward
        self.y = None  # its labels

    def __repr__(self):
        return "SigmoidCrossEntropy()"

    def check_targets(self, z, y):
        y = _numbers(y, "SigmoidCrossEntropy: labels")
        if z.shape[1] != 1:
            raise ValueError(f"SigmoidCrossEntropy: expected one logit per example, shape (n, 1); got shape {z.shape} "
                             "(for k classes, use SoftmaxCrossEntropy)")
        if y.ndim == 1:
            y = y.reshape(-1, 1)  # a 1-D label per example: (n,) against (n, 1) would broadcast to (n, n)
        if y.shape != z.shape:
            raise ValueError(f"SigmoidCrossEntropy: labels of shape {y.shape} do not match logits of shape {z.shape}")
        if not ((y == 0) | (y == 1)).all():
            raise ValueError(f"SigmoidCrossEntropy: labels must be 0 or 1; got values {np.unique(y)[:10]}")
        return y.astype(z.dtype)

    @exercise("4.7")
    def forward(self, z, y):
        """Binary cross-entropy of sigmoid(z) against 0/1 labels, from the logit z, averaged over the batch.

        For one example, -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] simplifies to

            loss = max(z, 0) - y * z + log(1 + exp(-|z|))

        in which exp only sees numbers <= 0 (so it never overflows) and the log's argument is
        between 1 and 2 (so it is never log 0).

            L = (1 / n) * sum over examples of (max(z_i, 0) - y_i * z_i + log(1 + exp(-|z_i|)))

        Args:
            z: float array of shape (n, 1), the logit (the last Dense layer's output, no sigmoid).
            y: float array of shape (n, 1), labels 0.0 or 1.0.

        Returns:
            L: a Python float.

        Keeps, for backward:
            self.p: sigmoid(z), float array of shape (n, 1) (your stable sigmoid from chapter 2:
                    scratchdl.activations.sigmoid, imported here).
            self.y: y, float array of shape (n, 1) (so n is len(self.y)).
        """
        raise ExerciseTodo("4.7")

    @exercise("4.8", arguments=Loss.check_forward_ran)
    def backward(self):
        """The gradient of L with respect to the logits: (sigmoid(z) - y) / n.

        Uses self.p = sigmoid(z) and self.y, which forward kept; n = len(self.y). Leave self.p as
        it is (compute a new array): a second call must give the same answer.

        Returns:
            float array of shape (n, 1).
        """
        raise ExerciseTodo("4.8")


LOSSES = {
    "mse": MeanSquaredError,
    "binary_cross_entropy": BinaryCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
    "sigmoid_cross_entropy": SigmoidCrossEntropy,
}


def get_loss(loss):
    """A loss object from a name in LOSSES (or a loss object, returned as it is)."""
    if isinstance(loss, Loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
    return LOSSES[loss]()
