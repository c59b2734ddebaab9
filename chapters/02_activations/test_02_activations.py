"""Chapter 2, activations: the checks pass on correct code and name typical mistakes."""

import math

import numpy as np
import pytest

from course_copy import copy_course, run, set_body
from judging import assert_caught, mistake_cases
from scratchdl import activations



def textbook_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def two_branch_sigmoid(z):
    # Looks stable, but np.where evaluates both branches for every element.
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def clipped_sigmoid(z):
    # Safe in float64, but exp(500) overflows float32 (whose largest exp is about exp(88.7)).
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def masked_sigmoid_in_place(z):
    # Stable, but it writes the answers into the caller's array.
    positive = z >= 0
    z[positive] = 1 / (1 + np.exp(-z[positive]))
    z[~positive] = np.exp(z[~positive]) / (1 + np.exp(z[~positive]))
    return z


def sigmoid_into_float64(z):
    out = np.zeros(z.shape)  # float64, whatever z is
    out[:] = stable_sigmoid(z)
    return out


def sigmoid_derivative_wrong_sign(z):
    s = stable_sigmoid(z)
    return s * (s - 1)


def sigmoid_derivative_without_parentheses(z):
    s = stable_sigmoid(z)
    return s * 1 - s  # meant s * (1 - s)


def clipped_tanh(z):
    # Safe in float64 (exp(700) fits), but float32 overflows above exp(88.7).
    e = np.exp(2 * np.clip(z, -350, 350))
    return (e - 1) / (e + 1)


def two_branch_tanh(z):
    # Looks stable, but np.where evaluates both branches for every element.
    return np.where(z >= 0, (1 - np.exp(-2 * z)) / (1 + np.exp(-2 * z)), (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1))


def tanh_doubling_z_in_place(z):
    z *= 2  # meant a new array, 2 * z
    return 2 * stable_sigmoid(z) - 1


def tanh_with_a_guard_in_the_denominator(z):
    e = np.exp(-2 * np.abs(z))
    return np.sign(z) * (1 - e) / (1 + e + 1e-12)  # "to avoid dividing by zero": never 1 exactly


def tanh_from_the_courses_sigmoid_with_z_not_doubled(z):
    return 2 * activations.sigmoid(z) - 1  # the course's own sigmoid: the reference while 2.3 is judged


def tanh_derivative_with_xor(z):
    return 1 - np.tanh(z) ^ 2  # ^ is xor in Python


def relu_in_place(z):
    z[z < 0] = 0
    return z



def relu_into_float64(z):
    return np.maximum(z, np.zeros(z.shape))  # np.zeros is float64


def relu_derivative_in_place(z):
    z[z > 0] = 1
    z[z <= 0] = 0
    return z


def leaky_relu_in_place(z, alpha=0.01):
    z[z < 0] *= alpha
    return z



def leaky_relu_derivative_in_place(z, alpha=0.01):
    z[z > 0] = 1
    z[z <= 0] = alpha
    return z


def softmax_in_place(z):
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def stable_exp(z, axis=-1):
    return np.exp(z - z.max(axis=axis, keepdims=True))


def softmax_over_axis_1(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


MISTAKES = [
    # 2.1 sigmoid
    ("2.1", textbook_sigmoid, r"overflow.*np\.exp\(-np\.abs\(z\)\)"),
    ("2.1", two_branch_sigmoid, r"np\.where evaluates both branches"),
    ("2.1", lambda z: stable_sigmoid(-z), r"sigmoid\(-z\): the sign of the exponent is flipped"),
    ("2.1", clipped_sigmoid, r"float32.*guards float64 only.*np\.clip\(z, -500, 500\)"),
    ("2.1", lambda z: np.exp(-z) / (1 + np.exp(-z)), r"sigmoid\(-z\).* numerator is exp\(-z\) where it should be 1"),
    ("2.1", masked_sigmoid_in_place, r"changed its input array in place"),
    ("2.1", lambda z: 1 / (1 + math.exp(-z)), r"math\.exp.* take one number.*np\.exp"),
    ("2.1", sigmoid_into_float64, r"float32 input into float64"),
    # 2.2 sigmoid_derivative
    ("2.2", lambda z: z * (1 - z), r"as if z were sigmoid\(z\)"),
    ("2.2", sigmoid_derivative_wrong_sign, r"the sign: s \* \(s - 1\) is minus the derivative"),
    ("2.2", sigmoid_derivative_without_parentheses, r"operator precedence.*s \* \(1 - s\)"),
    ("2.2", stable_sigmoid, r"sigmoid\(z\) itself"),
    ("2.2", lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2, r"overflow.*stable sigmoid"),
    ("2.2", lambda z: 1 - stable_sigmoid(z) ** 2, r"pattern of tanh's derivative"),
    ("2.2", lambda z: 1 - np.tanh(z) ** 2, r"derivative of tanh"),
    # 2.3 tanh
    ("2.3", lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
     r"textbook \(exp\(z\) - exp\(-z\)\) / \(exp\(z\) \+ exp\(-z\)\), and np\.sinh\(z\) / np\.cosh\(z\), overflow.*nan at both ends"),
    ("2.3", lambda z: (1 - np.exp(-2 * z)) / (1 + np.exp(-2 * z)), r"\(1 - exp\(-2z\)\) / \(1 \+ exp\(-2z\)\) is safe for z >= 0 only"),
    ("2.3", lambda z: (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1), r"\(exp\(2z\) - 1\) / \(exp\(2z\) \+ 1\) is safe for z <= 0 only"),
    ("2.3", lambda z: 2 / (1 + np.exp(-2 * z)) - 1, r"writes the textbook sigmoid out again.*sigmoid from exercise 2\.1"),
    ("2.3", two_branch_tanh, r"answers are right, but numpy overflowed.*np\.where.*evaluates both branches"),
    ("2.3", clipped_tanh, r"float32.*guards float64 only.*2 \* sigmoid\(2 \* z\) - 1"),
    ("2.3", tanh_from_the_courses_sigmoid_with_z_not_doubled, r"2 \* sigmoid\(z\) - 1 is tanh\(z / 2\)"),
    ("2.3", stable_sigmoid, r"that is the sigmoid, with values in \(0, 1\)"),
    ("2.3", lambda z: stable_sigmoid(2 * z) - 1, r"values in \(-1, 0\).*without being stretched"),
    ("2.3", lambda z: 2 * stable_sigmoid(2 * z) + 1, r"values in \(1, 3\)"),
    ("2.3", lambda z: 1 - 2 * stable_sigmoid(2 * z), r"-tanh\(z\), the sign flipped"),
    ("2.3", tanh_doubling_z_in_place, r"changed its input array in place"),
    ("2.3", lambda z: 2 * stable_sigmoid(2 * np.asarray(z, dtype=float)) - 1, r"float32 input into float64.*np\.asarray\(z, dtype=float\)"),
    ("2.3", tanh_with_a_guard_in_the_denominator, r"exactly \[-1, -1, 1, 1\].*small number added to a denominator"),
    # 2.4 tanh_derivative
    ("2.4", lambda z: 1 - z**2, r"as if z were tanh\(z\)"),
    ("2.4", lambda z: 1 - np.tanh(z), r"square the tanh"),
    ("2.4", lambda z: np.tanh(z) ** 2 - 1, r"the sign: tanh\(z\)\*\*2 - 1 is minus the derivative"),
    ("2.4", lambda z: (1 - np.tanh(z)) ** 2, r"squares the difference; square only the tanh"),
    ("2.4", tanh_derivative_with_xor, r"\^ is Python's bitwise xor.*\*\*"),
    ("2.4", lambda z: 1 / np.cosh(z) ** 2, r"1 / np\.cosh\(z\)\*\*2 does"),
    ("2.4", lambda z: stable_sigmoid(z) * (1 - stable_sigmoid(z)), r"that is the sigmoid's derivative"),
    # 2.5 relu
    ("2.5", lambda z: max(0, z), r"elementwise .*np\.maximum"),
    ("2.5", relu_in_place, r"changed its input array in place"),
    ("2.5", lambda z: np.max(z, 0), r"np\.max\(z, 0\) is the largest entry along axis 0"),
    ("2.5", lambda z: np.minimum(z, 0), r"keeps the negative part"),
    ("2.5", np.abs, r"abs\(z\) turns negatives positive"),
    ("2.5", relu_into_float64, r"float32 input into float64"),
    # 2.6 relu_derivative
    ("2.6", lambda z: (z >= 0).astype(z.dtype), r"z > 0, not z >= 0"),
    ("2.6", lambda z: z > 0, r"booleans"),
    ("2.6", lambda z: np.heaviside(z, 0.5).astype(z.dtype), r"0\.5 at z = 0 .* uses 0 there"),
    ("2.6", lambda z: np.where(z > 0, 1.0, 0.0), r"float32 input into float64"),
    ("2.6", lambda z: (z > 0).astype(int), r"\.astype\(int\).*\.astype\(z\.dtype\)"),
    ("2.6", relu_derivative_in_place, r"changed its input array in place"),
    ("2.6", lambda z: np.maximum(z, 0), r"relu\(z\) itself"),
    ("2.6", lambda z: np.sign(z), r"np\.sign gives -1 for negative z"),
    # 2.7 leaky_relu
    ("2.7", lambda z, alpha=0.01: np.where(z > 0, z, 0.01 * z), r"`alpha` argument is ignored"),
    ("2.7", leaky_relu_in_place, r"changed its input array in place"),
    ("2.7", lambda z, alpha=0.01: np.where(z > 0, alpha * z, z), r"alpha multiplies the negative side"),
    ("2.7", lambda z, alpha=0.01: np.maximum(z, 0), r"not 0 \(that is plain ReLU\)"),
    ("2.7", lambda z, alpha=0.01: np.where(z > 0, z, alpha), r"alpha \* z, not the constant alpha"),
    ("2.7", lambda z, alpha=0.01: max(alpha * z, z), r"elementwise .*np\.maximum"),
    # 2.8 leaky_relu_derivative
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, 1, alpha * z).astype(z.dtype), r"constant alpha, not alpha \* z"),
    ("2.8", lambda z, alpha=0.01: (z > 0).astype(z.dtype), r"alpha, not 0"),
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, 1.0, alpha), r"float32 input into float64"),
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, 1, 0.01).astype(z.dtype), r"`alpha` argument is ignored"),
    ("2.8", lambda z, alpha=0.01: np.where(z >= 0, 1, alpha).astype(z.dtype), r"at z = 0 use alpha: compare with z > 0"),
    ("2.8", leaky_relu_derivative_in_place, r"changed its input array in place"),
    ("2.8", lambda z, alpha=0.01: np.where(z > 0, alpha, 1).astype(z.dtype), r"two slopes are swapped"),
    # 2.9 softmax
    ("2.9", lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True), r"overflow.*Subtract the row's maximum"),
    ("2.9", lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True), r"each row's own maximum"),
    ("2.9", lambda z: stable_exp(z, axis=0) / stable_exp(z, axis=0).sum(axis=0, keepdims=True), r"columns \(axis=0\)"),
    ("2.9", lambda z: np.exp(z - z.max(axis=-1)) / np.exp(z - z.max(axis=-1)).sum(axis=-1), r"keepdims=True"),
    ("2.9", softmax_over_axis_1, r"axis=1 does not exist for one row.*axis=-1"),
    ("2.9", lambda z: stable_exp(z) / stable_exp(z).sum(), r"whole batch"),
    ("2.9", softmax_in_place, r"changed its input array in place"),
    ("2.9", stable_exp, r"forgot to divide by the sum"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


def test_tanh_is_judged_on_its_own_even_when_the_learners_sigmoid_is_broken(tmp_path):
    """While 2.3 is checked, the sigmoid it is built on runs the reference (solutions/ is there):
    a broken sigmoid of the learner's own neither fails a right tanh nor hides a wrong one."""
    course = copy_course(tmp_path)
    set_body(course, "2.1", "return 1 / (1 + np.exp(-z))")  # the textbook sigmoid: it overflows
    assert "textbook formula overflows" in run(course, "check", "2.1").stderr
    set_body(course, "2.3", "return 2 * sigmoid(2 * z) - 1")
    result = run(course, "check", "2.3")
    assert result.returncode == 0 and "Exercise 2.3 tanh passed" in result.stdout, result.stdout + result.stderr
    set_body(course, "2.3", "return 2 * sigmoid(z) - 1")
    message = run(course, "check", "2.3").stderr
    assert message.startswith("✗ Exercise 2.3 tanh: ") and "is tanh(z / 2)" in message, message
    assert "overflow" not in message and "uses exercise 2.1" not in message, message
