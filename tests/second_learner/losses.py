"""Second learner's bodies for scratchdl/losses.py (chapter 4).

MSE through a dot product, binary cross-entropy rearranged as y * logit(p) + log(1 - p),
softmax cross-entropy reusing one exp for both the loss and the probabilities, and the
one-hot subtraction done through flat indices; sigmoid cross-entropy as softplus(z) - y * z
through np.logaddexp(0, z), its gradient with the 1 / n folded into one multiplier.
"""

import numpy as np

from scratchdl.activations import sigmoid  # as in scratchdl/losses.py, where these bodies go


class MeanSquaredError:
    def forward(self, y_pred, y):
        # sum of squares as a dot product of the flattened difference with itself
        self.diff = y_pred - y
        flat = self.diff.ravel()
        return float(np.dot(flat, flat)) / self.diff.size

    def backward(self):
        # 2 (y_pred - y) / N with the constant folded into one factor
        return self.diff * (2.0 / self.diff.size)


class BinaryCrossEntropy:
    def forward(self, p, y):
        # clip with maximum/minimum; loss = -(y * logit(p) + log(1 - p)), log1p for log(1 - p)
        eps = self.EPS
        p_c = np.minimum(np.maximum(p, eps), 1 - eps)
        self.p, self.y = p_c, y
        log_not = np.log1p(-p_c)
        per_example = y * (np.log(p_c) - log_not) + log_not
        return -float(np.sum(per_example)) / len(y)

    def backward(self):
        # the derivative written term by term: -y / p + (1 - y) / (1 - p), over n
        p, y = self.p, self.y
        return ((1 - y) / (1 - p) - y / p) / len(y)


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        # one exp of the shifted logits serves both the log-sum-exp and the probabilities;
        # each example's own logit is picked by flat (row * k + label) indexing
        n, k = logits.shape
        y = np.asarray(y)
        shifted = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        totals = e.sum(axis=1)
        self.probs = e / totals[:, None]
        self.y = y
        own = shifted.ravel()[np.arange(n) * k + y]
        return float(np.mean(np.log(totals) - own))

    def backward(self):
        # divide a fresh copy by n, then lower each row's own-label entry by 1 / n, through
        # the flat index of that entry
        n, k = self.probs.shape
        grad = self.probs / n
        grad.ravel()[np.arange(n) * k + self.y] -= 1.0 / n
        return grad


class SigmoidCrossEntropy:
    def forward(self, z, y):
        # -[y log s + (1 - y) log(1 - s)] = log(1 + e^z) - y z, and log(1 + e^z) is
        # logaddexp(0, z), which numpy evaluates without overflow for any z
        self.p = sigmoid(z)
        self.y = y
        per_example = np.logaddexp(0.0, z) - y * z
        return float(per_example.sum() / len(y))

    def backward(self):
        # sigmoid(z) - y, scaled by one factor 1 / n (a new array: self.p stays as it is)
        scale = 1.0 / len(self.y)
        return (self.p - self.y) * scale
