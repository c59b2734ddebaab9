"""Chapter 2, activations: the checks pass on correct code and name typical mistakes."""

import math

import numpy as np
import pytest

from judging import assert_caught, mistake_cases



def textbook_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def two_branch_sigmoid(z):
    # Looks stable, but np.where evaluates both branches for every element.
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_into_float64(z):
    out = np.zeros(z.shape)  # float64, whatever z is
    out[:] = stable_sigmoid(z)
    return out


def relu_in_place(z):
    z[z < 0] = 0
    return z


def softmax_in_place(z):
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def stable_exp(z, axis=-1):
    return np.exp(z - z.max(axis=axis, keepdims=True))


MISTAKES = [
    ("2.1", textbook_sigmoid, r"overflow.*np\.exp\(-np\.abs\(z\)\)"),
    ("2.1", two_branch_sigmoid, r"np\.where evaluates both branches"),
    ("2.1", lambda z: stable_sigmoid(-z), r"sign of the exponent"),
    ("2.1", lambda z: 1 / (1 + math.exp(-z)), r"raised TypeError"),
    ("2.1", sigmoid_into_float64, r"float32 input into float64"),
    ("2.2", lambda z: z * (1 - z), r"as if z were sigmoid\(z\)"),
    ("2.2", stable_sigmoid, r"sigmoid\(z\) itself"),
    ("2.2", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, r"overflow.*stable sigmoid"),
    ("2.2", lambda z: 1 - np.tanh(z) ** 2, r"derivative of tanh"),
    ("2.3", lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), r"overflow.*np\.tanh"),
    ("2.3", lambda z: 2 * stable_sigmoid(z) - 1, r"tanh\(z / 2\)"),
    ("2.4", lambda z: 1 - z**2, r"as if z were tanh\(z\)"),
    ("2.4", lambda z: 1 - np.tanh(z), r"square the tanh"),
    ("2.5", lambda z: max(0, z), r"elementwise .*np\.maximum"),
    ("2.5", relu_in_place, r"changed its input array in place"),
    ("2.5", lambda z: np.minimum(z, 0), r"keeps the negative part"),
    ("2.6", lambda z: (z >= 0).astype(z.dtype), r"z > 0, not z >= 0"),
    ("2.6", lambda z: z > 0, r"booleans"),
    ("2.6", lambda z: np.where(z > 0, 1.0, 0.0), r"float32 input into float64"),
    ("2.6", lambda z: np.maximum(z, 0), r"relu\(z\) itself"),
    ("2.7", lambda z, alpha=0.01: np.where(z > 0, z, 0.01 * z), r"`alpha` argument is ignored"),
    ("2.7", lambda z, alpha=0.01: np.where(z > 0, alpha * z, z), r"alpha multiplies the negative side"),
    ("2.7", lambda z, alpha=0.01: np.maximum(z, 0), r"not 0 \(that is plain ReLU\)"),
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, 1, alpha * z).astype(z.dtype), r"constant alpha, not alpha \* z"),
    ("2.8", lambda z, alpha=0.01: (z > 0).astype(z.dtype), r"alpha, not 0"),
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, 1, 0.01).astype(z.dtype), r"`alpha` argument is ignored"),
    ("2.9", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), r"overflow.*Subtract the row's maximum"),
    ("2.9", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True), r"each row's own maximum"),
    ("2.9", lambda z: stable_exp(z, axis=0) / stable_exp(z, axis=0).sum(axis=0, keepdims=True), r"columns \(axis=0\)"),
    ("2.9", lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum(axis=-1), r"keepdims=True"),
    ("2.9", lambda z: stable_exp(z) / stable_exp(z).sum(), r"whole batch"),
    ("2.9", softmax_in_place, r"changed its input array in place"),
    ("2.9", stable_exp, r"forgot to divide by the sum"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)
