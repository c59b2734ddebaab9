"""Reference bodies for scratchdl/activations.py (chapter 2)."""

import numpy as np


def sigmoid(z):
    # exp(-|z|) is at most 1, so nothing overflows; each branch of np.where is then safe.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z):
    # the sigmoid squeezed by 2 along z, stretched from (0, 1) to (-1, 1): as stable as sigmoid is
    return 2 * sigmoid(2 * z) - 1


def tanh_derivative(z):
    return 1 - tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0)


def relu_derivative(z):
    return (z > 0).astype(z.dtype)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_derivative(z, alpha=0.01):
    return np.where(z > 0, 1, alpha).astype(z.dtype)


def softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)  # the largest exponent is now exp(0) = 1
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)
