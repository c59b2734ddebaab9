"""Checks for chapter 1: weight initialisation.

A weight matrix is random, so the checks measure it: its shape, its mean, its spread, the shape
of its distribution, and whether the same seed gives the same weights. With 150,000 weights the
measured standard deviation is within 0.5% of the true one, so a tolerance of 5% accepts every
correct initialiser and rejects the usual wrong formulas (which are off by 10% or more).
"""

import math

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import call, expect, expect_array, show
from scratchdl.initializers import he_normal, small_normal, xavier_normal, xavier_uniform

FAN_IN, FAN_OUT = 500, 300  # unequal, so that a transposed shape or a swapped fan is caught


def _draw(func, seed=0, **kwargs):
    what = f"{func.__name__}(fan_in={FAN_IN}, fan_out={FAN_OUT}, rng{_args(kwargs)})"
    W = call(what, func, FAN_IN, FAN_OUT, np.random.default_rng(seed), **kwargs)
    expect(
        np.ndim(W) > 0,
        f"{what} returned a single number ({show(W)}), not a weight matrix.\n  Likely mistake: "
        "without size=..., rng.normal and rng.uniform draw one number; pass "
        "size=(fan_in, fan_out) instead.",
    )
    expect(
        not isinstance(W, (list, tuple)),
        f"{what} should return a numpy array; it returned a {type(W).__name__}.\n  Likely mistake: "
        ".tolist() or a list comprehension; return the array rng.normal or rng.uniform gives you.",
    )
    expect(
        not np.issubdtype(np.asarray(W).dtype, np.integer),
        f"{what} should return floating-point numbers; it returned dtype {np.asarray(W).dtype}.\n"
        "  Likely mistake: .astype(int) (or an integer array) rounds the weights, most of them to 0; "
        "return rng's float64 draws as they are instead.",
    )
    expect_array(W, what)
    expect(
        W.size != FAN_IN * FAN_OUT or W.ndim == 2,
        f"{what} returned shape {W.shape}: the right number of weights, in the wrong shape.\n"
        "  Likely mistake: size=fan_in * fan_out draws a flat vector; pass the tuple "
        "size=(fan_in, fan_out) instead.",
    )
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


def _expect_centred(what, W, std=None):
    """The mean must be 0. `std` is the standard deviation the weights should have: weights
    whose mean is that number were drawn with it in the place of the mean."""
    mean, spread = float(W.mean()), float(W.std())
    error = spread / math.sqrt(W.size)  # the standard error of the measured mean
    if std is not None and abs(mean - std) < 4 * error < abs(mean):
        expect(
            False,
            f"{what} gave weights with mean {mean:.4g} and standard deviation {spread:.4g}; "
            f"expected mean 0 and standard deviation {std:.4g}.\n  Likely mistake: the standard "
            "deviation went in as the mean - rng.normal's arguments are (loc, scale, size), so "
            "rng.normal(std, size=...) centres the weights on std. Write "
            "rng.normal(0.0, std, size=...) (or scale=std) instead.",
        )
    positive = float(W.min()) >= 0
    expect(
        abs(mean) <= 0.02 * spread + 1e-12,
        f"{what} gave weights with mean {mean:.4g}; expected a mean of 0. Weights must be "
        "centred on zero."
        + ("\n  Likely mistake: every weight is >= 0 - rng.random() and rng.uniform(0, a) draw "
           "from [0, a). Draw around 0 instead (rng.normal(0.0, ...), rng.uniform(-a, a, ...))."
           if positive else ""),
    )


def _expect_normal_shape(what, W):
    # 150,000 normal draws reach beyond 3.5 standard deviations; uniform ones stop at 1.73.
    ratio = float(np.abs(W).max() / W.std())
    expect(
        ratio > 3.0,
        f"{what}: no weight is more than {ratio:.2f} standard deviations from 0, so these "
        "weights are not normally distributed (uniform ones stop at 1.73). Use rng.normal.",
    )


def _unscaled(what_scale):
    return (1.0, "these are standard normal numbers (standard deviation 1), never scaled: pass "
            f"{what_scale} as rng.normal's second argument, scale (or multiply by it) instead.")


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
    standard deviation equal to `std` (checked for std=0.5 and std=0.01), mean 0
    normally distributed
    the same seed gives the same weights, different seeds different ones"""
    # 0.5 first: there a std passed as the mean, or a forgotten std, stands out clearly.
    for std in (0.5, 0.01):
        what, W = _draw(small_normal, std=std)
        _expect_centred(what, W, std)
        _expect_spread(
            what,
            W,
            std,
            f"std (you were given std={std})",
            [
                (std**2, "the spread is std**2 - the variance, or std applied twice "
                 "(rng.normal(0, std, ...) * std). rng.normal's scale is the standard deviation: "
                 "use std itself, once."),
                (0.01, "the `std` argument is ignored: you always use 0.01. Pass std on instead."),
                _unscaled("std"),
            ],
        )
        _expect_normal_shape(what, W)
    _expect_reproducible(small_normal)


_XAVIER_STD = math.sqrt(2 / (FAN_IN + FAN_OUT))
_ROOT_OF_ALL = "take the square root of the whole fraction: np.sqrt(2 / (fan_in + fan_out))"
_WRONG_FANS = [
    (2 / (FAN_IN + FAN_OUT), "you used the variance 2 / (fan_in + fan_out) as the standard "
     "deviation; take its square root."),
    (math.sqrt(2 / FAN_IN + FAN_OUT), "operator precedence: 2 / fan_in + fan_out divides by "
     "fan_in alone, then adds fan_out. Write 2 / (fan_in + fan_out) instead."),
    (math.sqrt(2) / (FAN_IN + FAN_OUT), f"np.sqrt(2) / (fan_in + fan_out) leaves the fans outside "
     f"the root; {_ROOT_OF_ALL} instead."),
    (math.sqrt(2 / (FAN_IN * FAN_OUT)), "fan_in * fan_out multiplies the fans; Xavier adds "
     "them: np.sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(2 / FAN_IN), "sqrt(2 / fan_in) is He initialisation; Xavier averages the two "
     "fans: sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(1 / FAN_IN), "sqrt(1 / fan_in) keeps only the forward pass in mind; Xavier uses "
     "sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(1 / (FAN_IN + FAN_OUT)), "the numerator is 2: sqrt(2 / (fan_in + fan_out))."),
    (math.sqrt(6 / (FAN_IN + FAN_OUT)), "sqrt(6 / (fan_in + fan_out)) is the uniform limit, not "
     "the normal standard deviation."),
    _unscaled("np.sqrt(2 / (fan_in + fan_out))"),
]


@check_for(
    "1.2", "initializers.xavier_normal",
    hints=(
        "The docstring gives you a variance, but rng.normal asks for something else.",
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
    _expect_centred(what, W, _XAVIER_STD)
    _expect_spread(what, W, _XAVIER_STD, "sqrt(2 / (fan_in + fan_out))", _WRONG_FANS)
    _expect_normal_shape(what, W)
    _expect_reproducible(xavier_normal)


_LIMIT = math.sqrt(6 / (FAN_IN + FAN_OUT))
_WRONG_LIMITS = [  # limits that put weights outside the right one, and what they come from
    (math.sqrt(6 / FAN_IN + FAN_OUT), "operator precedence: 6 / fan_in + fan_out divides by "
     "fan_in alone, then adds fan_out. Write np.sqrt(6 / (fan_in + fan_out)) instead."),
    (math.sqrt(6 / FAN_IN), "sqrt(6 / fan_in) uses fan_in only; the limit averages both fans: "
     "np.sqrt(6 / (fan_in + fan_out))."),
    (1.0, "rng.uniform(-1, 1, ...) was never scaled: draw from -limit to limit, with "
     "limit = np.sqrt(6 / (fan_in + fan_out))."),
]


@check_for(
    "1.3", "initializers.xavier_uniform",
    hints=(
        "Draw evenly between a negative and a positive bound of the same size; the docstring "
        "says how far out the bound is, and rng has a method for even draws.",
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
    limit = _LIMIT
    largest, smallest = float(W.max()), float(W.min())
    if largest > limit * 1.0001 or smallest < -limit * 1.0001:
        ratio = float(np.abs(W).max() / W.std())
        reach = float(np.abs(W).max())
        known = [why for wrong, why in _WRONG_LIMITS if abs(reach - wrong) <= 0.01 * wrong]
        if ratio > 3.0:
            known = ["these look normally distributed; use rng.uniform(-limit, limit, ...) instead."]
        expect(
            False,
            f"{what} gave weights from {smallest:.4g} to {largest:.4g}, outside the limit "
            f"±{limit:.4g} = ±sqrt(6 / (fan_in + fan_out))."
            + (f"\n  Likely mistake: {known[0]}" if known else ""),
        )
    _expect_centred(what, W)
    _expect_spread(
        what,
        W,
        _XAVIER_STD,
        "limit / sqrt(3) = sqrt(2 / (fan_in + fan_out))",
        [
            (_XAVIER_STD / math.sqrt(3), "you used sqrt(2 / (fan_in + fan_out)) as the limit; the "
             "limit is sqrt(6 / (fan_in + fan_out)), since Uniform(-a, a) has variance a**2 / 3."),
            (6 / (FAN_IN + FAN_OUT) / math.sqrt(3), "the limit 6 / (fan_in + fan_out) is missing its "
             "square root: np.sqrt(6 / (fan_in + fan_out))."),
            (math.sqrt(6) / (FAN_IN + FAN_OUT) / math.sqrt(3), "np.sqrt(6) / (fan_in + fan_out) "
             "leaves the fans outside the root; take the square root of the whole fraction: "
             "np.sqrt(6 / (fan_in + fan_out))."),
        ],
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
        "The code has the shape of exercise 1.2's; only the variance differs, and it depends on "
        "one of the two fans only.",
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
    _expect_centred(what, W, _HE_STD)
    _expect_spread(
        what,
        W,
        _HE_STD,
        "sqrt(2 / fan_in)",
        [
            (2 / FAN_IN, "you used the variance 2 / fan_in as the standard deviation; take its "
             "square root."),
            (math.sqrt(2) / FAN_IN, "np.sqrt(2) / fan_in leaves fan_in outside the root; take the "
             "square root of the whole fraction: np.sqrt(2 / fan_in)."),
            (2 / math.sqrt(FAN_IN), "2 / np.sqrt(fan_in) leaves the 2 outside the root; take the "
             "square root of the whole fraction: np.sqrt(2 / fan_in)."),
            (math.sqrt(2 / FAN_OUT), "He initialisation uses fan_in, the number of inputs, not "
             "fan_out."),
            (math.sqrt(1 / FAN_IN), "sqrt(1 / fan_in) is LeCun initialisation; ReLU needs twice "
             "the variance: sqrt(2 / fan_in)."),
            (_XAVIER_STD, "sqrt(2 / (fan_in + fan_out)) is Xavier; He uses sqrt(2 / fan_in)."),
            _unscaled("np.sqrt(2 / fan_in)"),
        ],
    )
    _expect_normal_shape(what, W)
    _expect_reproducible(he_normal)
