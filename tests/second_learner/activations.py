"""Second learner's bodies for scratchdl/activations.py (chapter 2).

Styles: branch-free formulas built from exp(-|z|) and exp(min(z, 0)) (no np.where, whose
random branches are slow), tanh as the difference of two sigmoids, ReLU as z times its mask, the
step functions written by a comparison ufunc straight into a float array, leaky ReLU as the
larger (or smaller) of z and alpha * z, softmax scaled by the reciprocal of the row sums.
"""

import numpy as np


def sigmoid(z):
    # sigma(z) = exp(min(z, 0)) / (1 + exp(-|z|)): both exponents are <= 0, one formula for all z
    z = np.asarray(z)
    return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))


def sigmoid_derivative(z):
    # symmetric form e / (1 + e)**2 with e = exp(-|z|) <= 1 (no cancellation in 1 - sigma)
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    one_plus = 1 + e
    return e / (one_plus * one_plus)


def tanh(z):
    # 2 sigma(2z) - 1 = sigma(2z) - (1 - sigma(2z)) = sigma(2z) - sigma(-2z): odd by construction
    z = np.asarray(z)
    two_z = z + z
    return sigmoid(two_z) - sigmoid(-two_z)


def tanh_derivative(z):
    # 1 - tanh(z)**2 = sech(z)**2 = 4 e / (1 + e)**2 with e = exp(-2|z|)
    z = np.asarray(z)
    e = np.exp(-2 * np.abs(z))
    one_plus = 1 + e
    return 4 * e / (one_plus * one_plus)


def relu(z):
    # z times its 0/1 mask; adding +0.0 in place turns the -0.0 of negative z * 0 into +0.0
    z = np.asarray(z)
    out = z * (z > 0)
    np.add(out, 0, out=out)
    return out


def relu_derivative(z):
    # the comparison ufunc writes its 0/1 answers straight into a float array of z's dtype
    z = np.asarray(z)
    return np.greater(z, 0, out=np.empty_like(z), casting="unsafe")


def leaky_relu(z, alpha=0.01):
    # for alpha <= 1, leaky(z) = max(z, alpha z); for alpha > 1 it is min(z, alpha z)
    z = np.asarray(z)
    scaled = z * z.dtype.type(alpha)
    return np.maximum(z, scaled) if alpha <= 1 else np.minimum(z, scaled)


def leaky_relu_derivative(z, alpha=0.01):
    # u = [z > 0] as floats, then u + alpha (1 - u): exactly 1 or exactly alpha
    z = np.asarray(z)
    up = np.greater(z, 0, out=np.empty_like(z), casting="unsafe")
    return up + z.dtype.type(alpha) * (1 - up)


def softmax(z):
    # shift by the row maximum, exponentiate, scale each row by the reciprocal of its sum
    z = np.asarray(z)
    e = np.exp(z - np.amax(z, axis=-1, keepdims=True))
    e *= np.reciprocal(np.sum(e, axis=-1, keepdims=True))
    return e
