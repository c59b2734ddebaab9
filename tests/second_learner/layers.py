"""Second learner's bodies for scratchdl/layers.py (chapters 3 and 5): every product written
as np.inner (sums over the last axes of both operands) instead of the @ operator, the bias
added in place, the bias gradient as an Einstein sum."""

import numpy as np


class Dense:
    def forward(self, x):
        # out[n, o] = sum_i x[n, i] W[i, o]: inner products of the rows of x with the
        # rows of W.T (the columns of W); then the bias, added in place
        self.x = x
        out = np.inner(x, self.params["W"].T)
        out += self.params["b"]
        return out

    def backward(self, grad_out):
        # each gradient as inner products over the axis that the chain rule sums
        x, W = self.x, self.params["W"]
        self.grads["W"] = np.inner(x.T, grad_out.T)   # sum over the batch
        self.grads["b"] = np.einsum("no->o", grad_out)  # sum over the batch
        return np.inner(grad_out, W)                  # sum over the units


class Activation:
    def backward(self, grad_out):
        # chain rule as an explicit ufunc call
        return np.multiply(grad_out, self.g_prime(self.z))
