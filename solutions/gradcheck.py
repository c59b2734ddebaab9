"""Reference bodies for scratchdl/gradcheck.py (chapter 5)."""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        f_plus = f(x)
        x[i] = original - eps
        f_minus = f(x)
        x[i] = original  # put it back before the next position
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad
