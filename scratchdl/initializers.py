"""Yours to write - chapter 1: 1.1 small_normal, 1.2 xavier_normal, 1.3 xavier_uniform, 1.4
he_normal.

Chapter 1 - weight initialisation.

A Dense layer computes ``z = x @ W + b`` with ``W`` of shape ``(fan_in, fan_out)``: each output
``z_j = sum_i x_i W_ij`` adds up ``fan_in`` products. If the weights have mean 0 and are drawn
independently of each other and of the inputs, the products are uncorrelated (even when the
inputs themselves are correlated, as neighbouring pixels are), so their variances add:

    Var(z_j) = fan_in * Var(W) * E[x**2]

with E[x**2] the mean square of the inputs (their variance, when they have mean 0). So the
spread of the signal is multiplied by ``fan_in * Var(W)`` at every linear layer. Through many
layers, a factor above 1 explodes and a factor below 1 vanishes. Good initialisers pick Var(W)
to keep that factor near 1. The same argument run backwards (gradients flow through ``W.T``,
adding ``fan_out`` terms) asks for ``fan_out * Var(W) = 1``.

Every initialiser here takes ``(fan_in, fan_out, rng)`` and returns a float64 array of shape
``(fan_in, fan_out)``, drawn from the ``numpy.random.Generator`` you pass, so that the same seed
always gives the same weights.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise


@exercise("1.1")
def small_normal(fan_in, fan_out, rng, std=0.01):
    """Small random weights: W_ij ~ Normal(mean 0, standard deviation `std`).

    The classic "multiply randn by 0.01". It breaks the symmetry between units, but its scale
    ignores the layer's size: Var(z) = fan_in * std**2 * E[x**2] shrinks the signal at every
    layer when fan_in * std**2 < 1 (for fan_in=256 and std=0.01, by a factor 0.0256).

    Args:
        fan_in:  int, number of inputs to the layer.
        fan_out: int, number of outputs of the layer.
        rng:     numpy.random.Generator, the only source of randomness.
        std:     float, the standard deviation of the weights.

    Returns:
        W: float array of shape (fan_in, fan_out).
    """
    raise ExerciseTodo("1.1")


@exercise("1.2")
def xavier_normal(fan_in, fan_out, rng):
    """Xavier/Glorot normal: W_ij ~ Normal(0, std) with std = sqrt(2 / (fan_in + fan_out)).

    The forward pass keeps its variance when Var(W) = 1 / fan_in, the backward pass when
    Var(W) = 1 / fan_out. Glorot and Bengio (2010) take the compromise

        Var(W) = 2 / (fan_in + fan_out)

    which suits tanh: the derivation assumes an activation that is centred on 0 with slope 1
    there, as tanh is. (The sigmoid is not: it is centred on 0.5 and its slope at 0 is 1/4.)
    Note that this is the variance: the standard deviation is its square root.

    Args:
        fan_in:  int, number of inputs to the layer.
        fan_out: int, number of outputs of the layer.
        rng:     numpy.random.Generator.

    Returns:
        W: float array of shape (fan_in, fan_out).
    """
    raise ExerciseTodo("1.2")


@exercise("1.3")
def xavier_uniform(fan_in, fan_out, rng):
    """Xavier/Glorot uniform: W_ij ~ Uniform(-limit, limit) with limit = sqrt(6 / (fan_in + fan_out)).

    The same variance as xavier_normal, 2 / (fan_in + fan_out), from a uniform distribution.
    Uniform(-a, a) has variance a**2 / 3, so a**2 / 3 = 2 / (fan_in + fan_out) gives
    a = sqrt(6 / (fan_in + fan_out)). (This is Keras's default for Dense layers.)

    Args:
        fan_in:  int, number of inputs to the layer.
        fan_out: int, number of outputs of the layer.
        rng:     numpy.random.Generator.

    Returns:
        W: float array of shape (fan_in, fan_out).
    """
    raise ExerciseTodo("1.3")


@exercise("1.4")
def he_normal(fan_in, fan_out, rng):
    """He/Kaiming normal: W_ij ~ Normal(0, std) with std = sqrt(2 / fan_in).

    ReLU sets about half of its inputs to zero, which halves the second moment of the signal at
    every layer. He et al. (2015) double the variance to make up for it:

        Var(W) = 2 / fan_in

    The preferred initialiser for ReLU networks.

    Args:
        fan_in:  int, number of inputs to the layer.
        fan_out: int, number of outputs of the layer.
        rng:     numpy.random.Generator.

    Returns:
        W: float array of shape (fan_in, fan_out).
    """
    raise ExerciseTodo("1.4")


def zeros(fan_in, fan_out, rng=None):
    """All-zero weights, shape (fan_in, fan_out): every unit of a layer computes the same thing."""
    return np.zeros((fan_in, fan_out))


INITIALIZERS = {
    "zeros": zeros,
    "small_normal": small_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
}


def initialize(init, fan_in, fan_out, rng):
    """Weights of shape (fan_in, fan_out) from `init`: a name in INITIALIZERS, or a function
    (fan_in, fan_out, rng) -> array, such as lambda fi, fo, rng: small_normal(fi, fo, rng, std=0.1)."""
    if not callable(init) and init not in INITIALIZERS:
        raise ValueError(f"unknown initializer {init!r}; expected one of {', '.join(INITIALIZERS)}, or a function")
    for label, size in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
            raise ValueError(f"{label} must be a positive integer; got {size!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}"
        )
    W = (init if callable(init) else INITIALIZERS[init])(fan_in, fan_out, rng)
    if np.shape(W) != (fan_in, fan_out):
        raise ValueError(f"the initializer gave shape {np.shape(W)}; expected (fan_in, fan_out) = ({fan_in}, {fan_out})")
    return np.asarray(W)
