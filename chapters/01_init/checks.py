"""Checks for chapter 1: weight initialisation.

A weight matrix is random, so the checks measure it: its shape, its mean, its spread, the shape
of its distribution, and whether the same seed gives the same weights. With 150,000 weights the
measured standard deviation is within 0.5% of the true one, so a tolerance of 5% accepts every
correct initialiser and rejects the usual wrong formulas (which are off by 10% or more).
"""

import math

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import call, expect, expect_array
from scratchdl.initializers import he_normal, small_normal, xavier_normal, xavier_uniform

FAN_IN, FAN_OUT = 500, 300  # unequal, so that a transposed shape or a swapped fan is caught


def _draw(func, seed=0, **kwargs):
    what = f"{func.__name__}(fan_in={FAN_IN}, fan_out={FAN_OUT}, rng{_args(kwargs)})"
    W = call(what, func, FAN_IN, FAN_OUT, np.random.default_rng(seed), **kwargs)
    expect_array(W, what)
    if W.shape == (FAN_OUT, FAN_IN):
        expect(
            False,
            f"{what} returned shape {W.shape}, which is (fan_out, fan_in). A Dense weight has "
            f"shape (fan_in, fan_out) = ({FAN_IN}, {FAN_OUT}), so that x @ W works for a batch x "
            "of shape (n, fan_in).",
        )
    expect_array(W, what, shape=(FAN_IN, FAN_OUT))
    return what, W


def _args(kwargs):
    return "".join(f", {k}={v}" for k, v in kwargs.items())


def _expect_reproducible(func, **kwargs):
    name = func.__name__
    first = func(FAN_IN, FAN_OUT, np.random.default_rng(7), **kwargs)
    again = func(FAN_IN, FAN_OUT, np.random.default_rng(7), **kwargs)
    other = func(FAN_IN, FAN_OUT, np.random.default_rng(8), **kwargs)
    expect(
        np.array_equal(first, again),
        f"{name} gave different weights for two generators made with the same seed. Draw the "
        "numbers from the `rng` argument (rng.normal, rng.uniform), not from np.random.",
    )
    expect(
        not np.array_equal(first, other),
        f"{name} gave the same weights for generators with different seeds: it does not use "
        "the `rng` it is given (did you make a new generator inside the function?).",
    )


def _expect_spread(what, W, std, formula, mistakes):
    """The measured standard deviation must be within 5% of `std`; name the formula if not."""
    measured = float(W.std())
    if abs(measured - std) <= 0.05 * std:
        return
    lines = [
        f"{what} gave weights with standard deviation {measured:.4g}; expected about "
        f"{std:.4g} = {formula}."
    ]
    for wrong_std, explanation in mistakes:
        if abs(measured - wrong_std) <= 0.05 * wrong_std:
            lines.append(f"  Likely mistake: {explanation}")
            break
    expect(False, "\n".join(lines))


def _expect_centred(what, W):
    mean = float(W.mean())
    expect(
        abs(mean) <= 0.02 * float(W.std()) + 1e-12,
        f"{what} gave weights with mean {mean:.4g}; expected a mean of 0. Weights must be "
        "centred on zero (rng.random() draws from [0, 1), for example, not around 0).",
    )


def _expect_normal_shape(what, W):
    # 150,000 normal draws reach beyond 3.5 standard deviations; uniform ones stop at 1.73.
    ratio = float(np.abs(W).max() / W.std())
    expect(
        ratio > 3.0,
        f"{what}: no weight is more than {ratio:.2f} standard deviations from 0, so these "
        "weights are not normally distributed (uniform ones stop at 1.73). Use rng.normal.",
    )


@check_for(
    "1.1", "initializers.small_normal",
    hints=(
        "The generator you are given has a method that draws from a normal distribution with "
        "a chosen mean and standard deviation, and a `size` argument for the shape.",
        "Call rng.normal with mean 0.0, standard deviation std and size=(fan_in, fan_out): one row "
        "per input and one column per unit, so that x @ W works for a batch x of shape (n, fan_in).",
    ),
)
def check_small_normal():
    """returns a float array of shape (fan_in, fan_out)
    standard deviation equal to `std` (checked for std=0.01 and std=0.5), mean 0
    normally distributed
    the same seed gives the same weights, different seeds different ones"""
    for std in (0.01, 0.5):
        what, W = _draw(small_normal, std=std)
        _expect_centred(what, W)
        _expect_spread(
            what,
            W,
            std,
            f"std (you were given std={std})",
            [
                (std**2, "you used std**2 (the variance) as the standard deviation."),
                (0.01, "the `std` argument is ignored: you always use 0.01."),
                (1.0, "you drew standard normal numbers and forgot to multiply by `std`."),
            ],
        )
        _expect_normal_shape(what, W)
    _expect_reproducible(small_normal)


_XAVIER_STD = math.sqrt(2 / (FAN_IN + FAN_OUT))
_WRONG_FANS = [
    (2 / (FAN_IN + FAN_OUT), "you used the variance 2 / (fan_in + fan_out) as the standard "
     "deviation; take its square root."),
    (math.sqrt(2 / FAN_IN), "sqrt(2 / fan_in) is He initialisation; Xavier averages the two "
     "fans: sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(1 / FAN_IN), "sqrt(1 / fan_in) keeps only the forward pass in mind; Xavier uses "
     "sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(1 / (FAN_IN + FAN_OUT)), "the numerator is 2: sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(6 / (FAN_IN + FAN_OUT)), "sqrt(6 / (fan_in + fan_out)) is the uniform limit, not "
     "the normal standard deviation."),
]


@check_for(
    "1.2", "initializers.xavier_normal",
    hints=(
        "Work out the standard deviation from the variance 2 / (fan_in + fan_out) first, then "
        "draw as in exercise 1.1.",
        "The variance is 2 / (fan_in + fan_out), so the standard deviation is its square root "
        "(np.sqrt); draw with rng.normal(mean, std, size=...) in the shape (fan_in, fan_out), as in "
        "exercise 1.1.",
    ),
)
def check_xavier_normal():
    """returns a float array of shape (fan_in, fan_out)
    standard deviation sqrt(2 / (fan_in + fan_out)), mean 0
    normally distributed
    the same seed gives the same weights, different seeds different ones"""
    what, W = _draw(xavier_normal)
    _expect_centred(what, W)
    _expect_spread(what, W, _XAVIER_STD, "sqrt(2 / (fan_in + fan_out))", _WRONG_FANS)
    _expect_normal_shape(what, W)
    _expect_reproducible(xavier_normal)


@check_for(
    "1.3", "initializers.xavier_uniform",
    hints=(
        "A uniform distribution on (-a, a) has variance a**2 / 3. Choose a so that this equals "
        "2 / (fan_in + fan_out).",
        "Solving a**2 / 3 = 2 / (fan_in + fan_out) gives a = sqrt(6 / (fan_in + fan_out)) "
        "(np.sqrt). Draw with rng.uniform(low, high, size=...) between -a and a, in the shape "
        "(fan_in, fan_out).",
    ),
)
def check_xavier_uniform():
    """returns a float array of shape (fan_in, fan_out)
    every weight within ±sqrt(6 / (fan_in + fan_out)), filling that whole interval
    standard deviation sqrt(2 / (fan_in + fan_out)), mean 0
    the same seed gives the same weights, different seeds different ones"""
    what, W = _draw(xavier_uniform)
    limit = math.sqrt(6 / (FAN_IN + FAN_OUT))
    largest, smallest = float(W.max()), float(W.min())
    if largest > limit * 1.0001 or smallest < -limit * 1.0001:
        ratio = float(np.abs(W).max() / W.std())
        normal = ratio > 3.0
        expect(
            False,
            f"{what} gave weights from {smallest:.4g} to {largest:.4g}, outside the limit "
            f"±{limit:.4g} = ±sqrt(6 / (fan_in + fan_out))."
            + ("\n  Likely mistake: these look normally distributed; use rng.uniform(-limit, limit, ...)."
               if normal else ""),
        )
    _expect_centred(what, W)
    _expect_spread(
        what,
        W,
        _XAVIER_STD,
        "limit / sqrt(3) = sqrt(2 / (fan_in + fan_out))",
        [(_XAVIER_STD / math.sqrt(3), "you used sqrt(2 / (fan_in + fan_out)) as the limit; the "
          "limit is sqrt(6 / (fan_in + fan_out)), since Uniform(-a, a) has variance a**2 / 3.")],
    )
    expect(
        smallest < -0.99 * limit and largest > 0.99 * limit,
        f"{what} gave weights from {smallest:.4g} to {largest:.4g}; uniform weights should fill "
        f"the whole interval from -{limit:.4g} to {limit:.4g} = ±sqrt(6 / (fan_in + fan_out)).",
    )
    _expect_reproducible(xavier_uniform)


_HE_STD = math.sqrt(2 / FAN_IN)


@check_for(
    "1.4", "initializers.he_normal",
    hints=(
        "Only fan_in appears in He initialisation, and the variance is twice the 1 / fan_in that "
        "keeps a linear layer's signal steady.",
        "The variance is 2 / fan_in, so the standard deviation is its square root (np.sqrt); draw "
        "with rng.normal(mean, std, size=...) in the shape (fan_in, fan_out), as in exercise 1.1.",
    ),
)
def check_he_normal():
    """returns a float array of shape (fan_in, fan_out)
    standard deviation sqrt(2 / fan_in), mean 0
    normally distributed
    the same seed gives the same weights, different seeds different ones"""
    what, W = _draw(he_normal)
    _expect_centred(what, W)
    _expect_spread(
        what,
        W,
        _HE_STD,
        "sqrt(2 / fan_in)",
        [
            (2 / FAN_IN, "you used the variance 2 / fan_in as the standard deviation; take its "
             "square root."),
            (math.sqrt(2 / FAN_OUT), "He initialisation uses fan_in, the number of inputs, not "
             "fan_out."),
            (math.sqrt(1 / FAN_IN), "sqrt(1 / fan_in) is LeCun initialisation; ReLU needs twice "
             "the variance: sqrt(2 / fan_in)."),
            (_XAVIER_STD, "sqrt(2 / (fan_in + fan_out)) is Xavier; He uses sqrt(2 / fan_in)."),
        ],
    )
    _expect_normal_shape(what, W)
    _expect_reproducible(he_normal)
