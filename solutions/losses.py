"""Reference bodies for scratchdl/losses.py (chapter 4)."""

import numpy as np

from scratchdl.activations import sigmoid


class MeanSquaredError:
    def forward(self, y_pred, y):
        self.diff = y_pred - y
        return float(np.mean(self.diff**2))

    def backward(self):
        return 2 * self.diff / self.diff.size


class BinaryCrossEntropy:
    def forward(self, p, y):
        self.p = np.clip(p, self.EPS, 1 - self.EPS)  # log(0) would be -inf
        self.y = y
        return float(-np.mean(y * np.log(self.p) + (1 - y) * np.log(1 - self.p)))

    def backward(self):
        n = len(self.y)
        return (self.p - self.y) / (self.p * (1 - self.p)) / n


class SoftmaxCrossEntropy:
    def forward(self, logits, y):
        shifted = logits - logits.max(axis=1, keepdims=True)  # the largest is now 0: exp never overflows
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        self.y = y
        return float(-log_probs[np.arange(len(y)), y].mean())

    def backward(self):
        n = len(self.y)
        grad = self.probs.copy()
        grad[np.arange(n), self.y] -= 1
        return grad / n


class SigmoidCrossEntropy:
    def forward(self, z, y):
        self.p = sigmoid(z)
        self.y = y
        # exp only sees -|z| <= 0, and the log's argument is in (1, 2]: nothing overflows, no log(0)
        return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))))

    def backward(self):
        return (self.p - self.y) / len(self.y)
