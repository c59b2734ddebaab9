"""Yours to write - chapter 2: 2.1 sigmoid, 2.2 sigmoid_derivative, 2.3 tanh, 2.4 tanh_derivative,
2.5 relu, 2.6 relu_derivative, 2.7 leaky_relu, 2.8 leaky_relu_derivative, 2.9 softmax.

Chapter 2 - activation functions and their derivatives.

A network without activations is one big matrix product: stacking linear layers gives a linear
map. An activation function g, applied elementwise to a layer's pre-activation z = x @ W + b,
is what lets a network bend. Backpropagation (chapter 5) will need its derivative g'(z), so
each activation comes with a function for g'(z), evaluated at the same z.

Every function here works elementwise on an array `z` of any shape and returns an array of the
same shape and dtype (float32 stays float32 - chapter 7 trains in float32 for speed). None of
them may modify `z` in place, and none may overflow: they must return exact, finite answers
for inputs like z = -1000 and z = 1000.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise


@exercise("2.1")
def sigmoid(z):
    """The logistic sigmoid, sigma(z) = 1 / (1 + exp(-z)), computed without overflow.

    It squashes any number into (0, 1). The formula as written overflows for large negative z:
    exp(-z) = exp(1000) is too big for float64 (numpy warns and returns inf). Use instead that
    for z < 0,  sigma(z) = exp(z) / (1 + exp(z)),  in which exp only sees negative numbers; or,
    in one expression for all z, work with exp(-|z|), which is never larger than 1.

    Args:
        z: float array, any shape.

    Returns:
        float array of the shape and dtype of z, values in [0, 1].
    """
    raise ExerciseTodo("2.1")


@exercise("2.2")
def sigmoid_derivative(z):
    """The derivative of the sigmoid at z: sigma'(z) = sigma(z) * (1 - sigma(z)).

    It is largest at z = 0 (where it is 1/4) and close to 0 once |z| is more than a few units:
    a saturated sigmoid passes almost no gradient back.

    Args:
        z: float array, any shape (the pre-activation, not sigma(z)).

    Returns:
        float array of the shape and dtype of z.
    """
    raise ExerciseTodo("2.2")


@exercise("2.3")
def tanh(z):
    """The hyperbolic tangent, built on your sigmoid: tanh(z) = 2 sigma(2z) - 1.

    The textbook formula tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)) overflows for |z|
    around 1000, as the textbook sigmoid does. Multiply its top and bottom by exp(-z):
    (1 - exp(-2z)) / (1 + exp(-2z)) = 2 / (1 + exp(-2z)) - 1 = 2 sigma(2z) - 1. So tanh is a
    sigmoid squeezed along z by 2, stretched from (0, 1) to (-1, 1) and centred on 0. Write it
    with `sigmoid` (exercise 2.1): your sigmoid never overflows, so this needs no exp of its own
    and gives exactly -1 and 1 for z = -1000 and 1000. (np.tanh is what you would use in
    practice; here the point is to see how the two functions are related.)

    Args:
        z: float array, any shape.

    Returns:
        float array of the shape and dtype of z, values in [-1, 1], odd: tanh(-z) = -tanh(z).
    """
    raise ExerciseTodo("2.3")


@exercise("2.4")
def tanh_derivative(z):
    """The derivative of tanh at z: tanh'(z) = 1 - tanh(z)**2.

    Mathematically it is positive everywhere, but in floating point tanh(z) rounds to exactly +-1
    once |z| is large (z = +-1000, for example), and there the computed value is exactly 0.

    Args:
        z: float array, any shape (the pre-activation, not tanh(z)).

    Returns:
        float array of the shape and dtype of z, values in [0, 1] (1 at z = 0).
    """
    raise ExerciseTodo("2.4")


@exercise("2.5")
def relu(z):
    """The rectified linear unit, relu(z) = max(0, z), elementwise.

    Args:
        z: float array, any shape.

    Returns:
        float array of the shape and dtype of z.
    """
    raise ExerciseTodo("2.5")


@exercise("2.6")
def relu_derivative(z):
    """The derivative of ReLU at z: 1 where z > 0, else 0.

    ReLU has no derivative at exactly z = 0; like PyTorch, this course uses 0 there.

    Args:
        z: float array, any shape.

    Returns:
        float array (not bool) of the shape and dtype of z, values 0.0 or 1.0.
    """
    raise ExerciseTodo("2.6")


@exercise("2.7")
def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z where z > 0, alpha * z elsewhere.

    The small slope alpha for negative inputs means a unit is never completely switched off: where
    z < 0 its weights still get a gradient, scaled by alpha. A plain ReLU whose pre-activation is
    negative for every example gets no gradient at all, and comes back only if its inputs (the
    layer below, or the data) change so that its pre-activation becomes positive for some example.

    Args:
        z:     float array, any shape.
        alpha: float, the slope for z <= 0 (between 0 and 1).

    Returns:
        float array of the shape and dtype of z.
    """
    raise ExerciseTodo("2.7")


@exercise("2.8")
def leaky_relu_derivative(z, alpha=0.01):
    """The derivative of leaky ReLU at z: 1 where z > 0, alpha elsewhere (alpha also at z = 0).

    Args:
        z:     float array, any shape.
        alpha: float, the slope for z <= 0.

    Returns:
        float array of the shape and dtype of z.
    """
    raise ExerciseTodo("2.8")


@exercise("2.9")
def softmax(z):
    """Softmax over the last axis: softmax(z)_k = exp(z_k) / sum_j exp(z_j), row by row.

    Turns a row of scores ("logits") into probabilities: positive, summing to 1. Adding the same
    number c to every score of a row does not change the result (the factor exp(c) cancels),
    so subtract each row's maximum before exp: then the largest exponent is exp(0) = 1 and
    nothing overflows. Each row of a batch is normalised on its own.

    Args:
        z: float array of shape (n, k) - a batch of n rows of k scores - or (k,) for one row.

    Returns:
        float array of the shape and dtype of z; every row sums to 1.
    """
    raise ExerciseTodo("2.9")


def identity(z):
    """The "linear" activation: g(z) = z (for regression outputs)."""
    return z


def identity_derivative(z):
    return np.ones_like(z)


ACTIVATIONS = {  # name -> (g, g')
    "sigmoid": (sigmoid, sigmoid_derivative),
    "tanh": (tanh, tanh_derivative),
    "relu": (relu, relu_derivative),
    "leaky_relu": (leaky_relu, leaky_relu_derivative),
    "linear": (identity, identity_derivative),
}


def get_activation(name):
    """(g, g') for an activation name; an unknown name is an error that lists the known ones."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]
