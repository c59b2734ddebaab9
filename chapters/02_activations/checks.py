"""Checks for chapter 2: activation functions, their derivatives, and softmax.

The expected values come from Python's `math` module, one number at a time, so they do not
depend on any numpy code in the course. Every function is also fed z = -1000 and z = 1000:
numpy overflow is an error while checks run, so the textbook formulas fail there.
"""

import math

import numpy as np

from scratchdl.activations import (
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    Mistake,
    call,
    expect,
    expect_array,
    expect_close,
    expect_unchanged,
    show,
)

POINTS = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
GRID = np.linspace(-4.0, 4.0, 12).reshape(3, 4)  # a 2-D batch: elementwise means any shape
EXTREMES = np.array([-1000.0, -40.0, 40.0, 1000.0])


def _sigma(x):
    # Stable in pure Python: math.exp only ever sees a number <= 0.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def _elementwise(scalar_function, z, **kwargs):
    """Apply a plain-Python function of one number to every element of z."""
    return np.array([scalar_function(float(x), **kwargs) for x in z.ravel()]).reshape(z.shape)


def _check_elementwise(func, truth, mistakes=(), numeric_hint="", **kwargs):
    """The checks every elementwise activation (or derivative) must pass.

    truth:    plain-Python function of one number giving the right answer.
    mistakes: (plain-Python function of one number, explanation) for typical wrong answers.
    """
    name = func.__name__
    args = "".join(f", {k}={v}" for k, v in kwargs.items())
    for z in (POINTS, GRID, EXTREMES):
        what = f"{name}(z{args})"
        given = z.copy()  # the learner's code gets a copy, so a change in place can be seen
        got = call(f"{what} for z = {show(z)}", func, given, numeric_hint=numeric_hint, **kwargs)
        expect_array(got, what, shape=z.shape)
        expect_unchanged(z, given, what)
        expect_close(
            got,
            _elementwise(truth, z, **kwargs),
            what,
            inputs={"z": z},
            mistakes=[Mistake(_wrong_values(wrong, z, kwargs), why) for wrong, why in mistakes],
        )
    got = call(f"{name}(z) for float32 z", func, POINTS.astype(np.float32), **kwargs)
    expect(
        getattr(got, "dtype", None) == np.float32,
        f"{name} turned float32 input into {getattr(got, 'dtype', type(got).__name__)} output. "
        "Keep the input's dtype (for example .astype(z.dtype) on arrays you build with "
        "np.zeros or np.ones): chapter 7 trains in float32, and float64 would halve its speed.",
    )


def _wrong_values(wrong, z, kwargs):
    try:
        return _elementwise(wrong, z, **kwargs)
    except (OverflowError, ValueError, ZeroDivisionError):
        return np.full(z.shape, np.nan)  # this wrong formula cannot even be evaluated here


# --- sigmoid ----------------------------------------------------------------------------


@check_for(
    "2.1", "activations.sigmoid",
    hints=(
        "Start from 1 / (1 + np.exp(-z)) and find where it overflows: for z = -1000, exp(-z) is "
        "exp(1000). np.where(cond, a, b) evaluates a and b for every element, so both of them "
        "must be safe for every z.",
        "Let e = exp(-|z|) (np.exp and np.abs), which is never above 1. Sigmoid is 1 / (1 + e) "
        "where z >= 0 and e / (1 + e) where z < 0 (multiply top and bottom of the usual formula by "
        "exp(z) to see it); choose between the two with np.where(z >= 0, ..., ...).",
    ),
)
def check_sigmoid():
    """values at known points, for 1-D and 2-D inputs
    no overflow for z = ±1000 (exact 0 and 1)
    keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        sigmoid,
        _sigma,
        mistakes=[
            (lambda x: _sigma(-x), "the sign of the exponent: sigmoid(z) = 1 / (1 + exp(-z))."),
            (lambda x: math.exp(-x) / (1 + math.exp(-x)), "exp(-z) / (1 + exp(-z)) is "
             "sigmoid(-z); the numerator should be 1 (or exp(z) over 1 + exp(z))."),
        ],
        numeric_hint="the textbook formula overflows: 1 / (1 + np.exp(-z)) computes exp(1000) "
        "for z = -1000, and exp(z) / (1 + exp(z)) does for z = 1000. np.where evaluates both "
        "branches for every element, so each must be safe: build it from np.exp(-np.abs(z)).",
    )


@check_for(
    "2.2", "activations.sigmoid_derivative",
    hints=(
        "The derivative is easiest to write with the sigmoid itself: call your sigmoid from "
        "exercise 2.1 on z first.",
        "The derivative is sigmoid(z) times (1 - sigmoid(z)), element by element. Compute "
        "sigmoid(z) once, keep it in a variable and use it twice.",
    ),
)
def check_sigmoid_derivative():
    """values of sigma(z) * (1 - sigma(z)) at known points, 1-D and 2-D
    no overflow for z = ±1000 (the derivative there is 0)
    keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        sigmoid_derivative,
        lambda x: _sigma(x) * (1 - _sigma(x)),
        mistakes=[
            (lambda x: x * (1 - x), "you computed z * (1 - z), as if z were sigmoid(z). Compute "
             "s = sigmoid(z) first, then s * (1 - s)."),
            (_sigma, "that is sigmoid(z) itself, not its derivative s * (1 - s)."),
            (lambda x: 1 - _sigma(x) ** 2, "1 - s**2 is the pattern of tanh's derivative; the "
             "sigmoid's is s * (1 - s)."),
            (lambda x: 1 - math.tanh(x) ** 2, "that is the derivative of tanh, not of sigmoid."),
        ],
        numeric_hint="exp(-z) / (1 + exp(-z))**2 overflows for large |z|; use your stable "
        "sigmoid: s = sigmoid(z); s * (1 - s).",
    )


# --- tanh -------------------------------------------------------------------------------


@check_for(
    "2.3", "activations.tanh",
    hints=(
        "The exp formula overflows for |z| around 1000. numpy has a stable tanh; so does the "
        "identity tanh(z) = 2 * sigmoid(2 * z) - 1 with your stable sigmoid.",
        "np.tanh is stable for every z and works element by element on arrays: it is the whole "
        "answer. (2 * sigmoid(2 * z) - 1 with your stable sigmoid also works.)",
    ),
)
def check_tanh():
    """values at known points, 1-D and 2-D
    no overflow for z = ±1000 (exact -1 and 1)
    keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        tanh,
        math.tanh,
        mistakes=[
            (lambda x: _sigma(x), "that is the sigmoid, with values in (0, 1); tanh has values in "
             "(-1, 1): tanh(z) = 2 * sigmoid(2 * z) - 1."),
            (lambda x: 2 * _sigma(x) - 1, "2 * sigmoid(z) - 1 is tanh(z / 2); the identity is "
             "tanh(z) = 2 * sigmoid(2 * z) - 1."),
        ],
        numeric_hint="(exp(z) - exp(-z)) / (exp(z) + exp(-z)) overflows for |z| around 1000 "
        "(and inf / inf is nan). Use np.tanh(z), or 2 * sigmoid(2 * z) - 1.",
    )


@check_for(
    "2.4", "activations.tanh_derivative",
    hints=(
        "Write the derivative in terms of tanh(z) itself, using your tanh from exercise 2.3.",
        "tanh'(z) = 1 - tanh(z)**2, element by element: call your tanh once rather than writing the "
        "exp formula again.",
    ),
)
def check_tanh_derivative():
    """values of 1 - tanh(z)**2 at known points, 1-D and 2-D
    no overflow for z = ±1000 (the derivative there is 0)
    keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        tanh_derivative,
        lambda x: 1 - math.tanh(x) ** 2,
        mistakes=[
            (lambda x: 1 - x**2, "you computed 1 - z**2, as if z were tanh(z): use 1 - tanh(z)**2."),
            (lambda x: 1 - math.tanh(x), "square the tanh: 1 - tanh(z)**2."),
            (lambda x: math.tanh(x) ** 2, "it is 1 minus tanh(z)**2."),
            (lambda x: _sigma(x) * (1 - _sigma(x)), "that is the sigmoid's derivative; tanh's is "
             "1 - tanh(z)**2."),
        ],
        numeric_hint="a formula with exp overflows for |z| around 1000; use 1 - tanh(z)**2 with "
        "a stable tanh.",
    )


# --- ReLU and leaky ReLU -----------------------------------------------------------------


@check_for(
    "2.5", "activations.relu",
    hints=(
        "You need the larger of z and 0, element by element. Python's max compares single "
        "numbers; numpy has an elementwise version.",
        "np.maximum(z, 0) compares element by element and keeps the shape of z; Python's max would "
        "try to compare the whole array with 0 at once.",
    ),
)
def check_relu():
    """values max(0, z) at known points, 1-D and 2-D, and at ±1000
    keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        relu,
        lambda x: max(0.0, x),
        mistakes=[
            (lambda x: min(0.0, x), "that keeps the negative part; ReLU keeps max(0, z)."),
            (abs, "abs(z) turns negatives positive; ReLU sets them to 0."),
        ],
    )


@check_for(
    "2.6", "activations.relu_derivative",
    hints=(
        "The slope of max(0, z) is 1 to the right of 0 and 0 to the left. A comparison gives "
        "booleans; the result must be floats.",
        "A comparison such as z > 0 gives a boolean array of z's shape; turn it into numbers of z's "
        "own dtype with .astype(z.dtype), so that it is 1.0 where z > 0 and 0.0 elsewhere.",
    ),
)
def check_relu_derivative():
    """1 where z > 0 and 0 elsewhere, including at z = 0 (the course's convention)
    float (not bool) results; keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        relu_derivative,
        lambda x: 1.0 if x > 0 else 0.0,
        mistakes=[
            (lambda x: 1.0 if x >= 0 else 0.0, "at z = 0 the course (like PyTorch) uses the "
             "derivative 0: compare with z > 0, not z >= 0."),
            (lambda x: max(0.0, x), "that is relu(z) itself; its derivative is 1 where z > 0, "
             "else 0."),
            (lambda x: float(np.sign(x)), "np.sign gives -1 for negative z; the slope there is 0."),
        ],
    )


def _leaky(x, alpha):
    return x if x > 0 else alpha * x


@check_for(
    "2.7", "activations.leaky_relu",
    hints=(
        "Choose between two values element by element: z where z is positive, alpha * z "
        "elsewhere. Use the `alpha` argument, not a fixed number.",
        "np.where(condition, value_if_true, value_if_false) chooses element by element: the "
        "condition is z > 0, the two values are z and alpha * z.",
    ),
)
def check_leaky_relu():
    """values at known points for alpha = 0.01 and alpha = 0.2, 1-D and 2-D, and at ±1000
    keeps shape and float32 dtype; leaves its input unchanged"""
    for alpha in (0.01, 0.2):
        _check_elementwise(
            leaky_relu,
            _leaky,
            alpha=alpha,
            mistakes=[
                (lambda x, alpha: max(0.0, x), "negative inputs give alpha * z, not 0 (that is "
                 "plain ReLU)."),
                (lambda x, alpha: _leaky(x, 0.01), "the `alpha` argument is ignored: you always "
                 "use 0.01."),
                (lambda x, alpha: x if x < 0 else alpha * x, "alpha multiplies the negative "
                 "side: z where z > 0, alpha * z elsewhere."),
            ],
        )


@check_for(
    "2.8", "activations.leaky_relu_derivative",
    hints=(
        "The slope is 1 on the right of 0 and alpha on the left - a constant, not a multiple "
        "of z.",
        "Use np.where with the condition z > 0 and the two slopes 1.0 and alpha. np.where of two "
        "plain numbers gives float64, so cast the result with .astype(z.dtype) to keep z's dtype.",
    ),
)
def check_leaky_relu_derivative():
    """1 where z > 0, alpha elsewhere (also at z = 0), for alpha = 0.01 and 0.2
    keeps shape and float32 dtype; leaves its input unchanged"""
    for alpha in (0.01, 0.2):
        _check_elementwise(
            leaky_relu_derivative,
            lambda x, alpha: 1.0 if x > 0 else alpha,
            alpha=alpha,
            mistakes=[
                (lambda x, alpha: 1.0 if x > 0 else alpha * x, "for z <= 0 the derivative is "
                 "the constant alpha, not alpha * z."),
                (lambda x, alpha: 1.0 if x > 0 else 0.0, "the slope for z <= 0 is alpha, not 0 "
                 "(that is plain ReLU's derivative)."),
                (_leaky, "that is leaky_relu(z) itself, not its derivative."),
                (lambda x, alpha: 1.0 if x > 0 else 0.01, "the `alpha` argument is ignored: "
                 "you always use 0.01."),
                (lambda x, alpha: 1.0 if x >= 0 else alpha, "at z = 0 use alpha: compare with "
                 "z > 0, not z >= 0."),
            ],
        )


# --- softmax ------------------------------------------------------------------------------


def _softmax_row(row):
    top = max(row)
    e = [math.exp(x - top) for x in row]
    return [v / sum(e) for v in e]


def _rows_sum_to_one(p):
    return p.ndim == 2 and np.allclose(p.sum(axis=-1), 1.0)


def _proportional_rows(got, right):
    """Each row of `got` is a multiple of the same row of `right` (softmax without dividing)."""
    ratio = got / right
    return np.allclose(ratio, ratio[..., :1]) and not np.allclose(ratio, 1.0)


def _softmax_rows(z):
    z = np.asarray(z, dtype=float)
    rows = z.reshape(-1, z.shape[-1])
    return np.array([_softmax_row(list(r)) for r in rows]).reshape(z.shape)


@check_for(
    "2.9", "activations.softmax",
    hints=(
        "Softmax does not change if you subtract the same number from every score of a row. "
        "Subtract each row's maximum, exponentiate, then divide by the row's sum. Reduce over "
        "the last axis with keepdims=True so the shapes line up for a batch.",
        "Subtract z.max(axis=-1, keepdims=True) before np.exp, so that the largest exponent is "
        "exp(0) = 1. Then divide by the sum of the exponentials over the same axis, again with "
        "keepdims=True, so that an (n, k) array is divided by an (n, 1) one.",
    ),
)
def check_softmax():
    """values for one row of scores and for a batch of rows (each row normalised on its own)
    every row sums to 1; works for shape (k,) and (n, k)
    no overflow for scores like 1000, also when rows of a batch differ by thousands
    keeps shape and float32 dtype; leaves its input unchanged"""
    row = np.array([1.0, 2.0, 3.0, -1.0])
    batch = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -2.0]])
    for z in (row, batch):
        given = z.copy()
        got = call(f"softmax(z) for z = {show(z)}", softmax, given)
        expect_array(got, "softmax(z)", shape=z.shape)
        expect_unchanged(z, given, "softmax(z)")
        right = _softmax_rows(z)
        mistakes = [
            Mistake(lambda got: _rows_sum_to_one(got.T), "you normalised down the columns "
                    "(axis=0). Each row of a batch is one example: normalise over axis=-1."),
            Mistake(lambda got: z.ndim == 2 and np.isclose(got.sum(), 1.0), "you divided by the "
                    "sum over the whole batch; normalise each row on its own: "
                    "e.sum(axis=-1, keepdims=True)."),
            Mistake(lambda got: _proportional_rows(got, right), "the rows do not sum to 1: you "
                    "forgot to divide by the sum. softmax(z) = exp(z) / sum(exp(z))."),
            Mistake(z / z.sum(axis=-1, keepdims=True), "you divided the scores by their sum; "
                    "exponentiate them first."),
        ]
        expect_close(got, right, "softmax(z)", inputs={"z": z}, mistakes=mistakes)

    big = np.array([1000.0, 1000.0, 990.0])
    got = call(
        f"softmax(z) for z = {show(big)}",
        softmax,
        big,
        numeric_hint="exp(1000) overflows. Subtract the row's maximum before np.exp: "
        "softmax(z) = softmax(z - max(z)), and the largest exponent becomes exp(0) = 1.",
    )
    expect_close(got, _softmax_rows(big), "softmax(z)", inputs={"z": big})

    spread = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]])
    got = call(
        f"softmax(z) for z = {show(spread)}",
        softmax,
        spread,
        numeric_hint="subtract each row's own maximum (z.max(axis=-1, keepdims=True)), not the "
        "largest score of the whole batch: a row far below it underflows to 0 / 0.",
    )
    expect_close(got, _softmax_rows(spread), "softmax(z)", inputs={"z": spread},
                 mistakes=[Mistake(np.full(spread.shape, np.nan), "subtract each row's own "
                                   "maximum, not the largest score of the whole batch.")])

    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(6, 10))
    sums = call("softmax(z) for a (6, 10) batch", softmax, z).sum(axis=-1)
    expect(np.allclose(sums, 1.0), f"the rows of softmax(z) should each sum to 1; they sum to {show(sums)}.")

    got = call("softmax(z) for float32 z", softmax, batch.astype(np.float32))
    expect(
        getattr(got, "dtype", None) == np.float32,
        f"softmax turned float32 input into {getattr(got, 'dtype', type(got).__name__)} output; "
        "keep the input's dtype (chapter 7 trains in float32).",
    )
