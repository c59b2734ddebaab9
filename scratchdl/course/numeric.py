"""The checks' own numerical gradient.

Checks may not rely on the code they judge, so they do not use your numerical_gradient
(exercise 5.1): this is the same idea, kept apart on purpose.
"""

import numpy as np


def central_differences(f, x, eps=1e-6):
    """Central differences of the function f() (no arguments) with respect to the array x,
    which f reads and which is nudged in place, one element at a time, then restored."""
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f()
        x[i] = saved - eps
        down = f()
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def affine(x, W, b):
    """x @ W + b written out with sums, as an independent reference for the dense layer."""
    return np.einsum("ni,ij->nj", x, W) + b


def conv2d(x, W, b, padding=0):
    """The convolution (cross-correlation) by its definition, with einsum over sliding windows:
    out[n, f, i, j] = b[f] + sum over c, u, v of x[n, c, i + u, j + v] * W[f, c, u, v]."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(x, W.shape[2:], axis=(2, 3))
    return np.einsum("ncijuv,fcuv->nfij", windows, W) + b[None, :, None, None]


def patches(x, kh, kw):
    """Every kh x kw patch of x as a column, by loops: the checks' own im2col, shape (c*kh*kw, n*oh*ow)."""
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    cols = np.zeros((c * kh * kw, n * oh * ow), dtype=x.dtype)
    column = 0
    for example in range(n):
        for i in range(oh):
            for j in range(ow):
                cols[:, column] = x[example, :, i:i + kh, j:j + kw].ravel()
                column += 1
    return cols
