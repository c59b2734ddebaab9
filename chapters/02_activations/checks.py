"""Checks for chapter 2: activation functions, their derivatives, and softmax.

The expected values come from Python's `math` module, one number at a time, so they do not
depend on any numpy code in the course. Every function is also fed z = -1000 and z = 1000, in
float64 and in float32: numpy overflow is an error while checks run, so the textbook formulas
fail there, and so does a guard that is enough for float64 only (exp overflows float32 above
88.7). The piecewise-linear ones (ReLU and leaky ReLU) are fed -0.0 as well.
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
    call_twice,
    expect,
    expect_array,
    expect_close,
    expect_dtype_kept,
    short,
    show,
)

POINTS = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
GRID = np.linspace(-4.0, 4.0, 12).reshape(3, 4)  # a 2-D batch: elementwise means any shape
EXTREMES = np.array([-1000.0, -40.0, 40.0, 1000.0])
SPECIAL = np.array([-0.0, 0.0])  # for ReLU and leaky ReLU: exact there, and the sign of zero must not matter

# What an exception's text shows about the code that raised it, and the fix.
_ERROR_CLUES = [
    ("arrays can be converted to Python scalars", "math.exp, math.tanh and the like take one "
     "number at a time; use numpy's np.exp, np.tanh, ... instead, which work element by element."),
    ("'bitwise_xor'", "^ is Python's bitwise xor, not a power; write ** instead (tanh(z) ** 2)."),
    ("out of bounds for array of dimension 1", "axis=1 does not exist for one row of shape (k,); "
     "reduce over axis=-1 instead, the last axis, so that one row and a batch both work."),
]


def _call_twice(what, func, z, numeric_hint="", **kwargs):
    """call_twice on a copy of z (so the module's arrays stay intact), naming the mistake behind
    an exception when its text gives it away."""
    return call_twice(what, func, z.copy(), numeric_hint=numeric_hint, error_hint=_clue, **kwargs)


def _clue(error):
    return next((hint for clue, hint in _ERROR_CLUES if clue in str(error)), "")


def _expect_values_array(got, z, what, shape_mistakes=()):
    """expect_array, with the usual reasons for a wrong type or shape named."""
    for predicate, why in shape_mistakes:
        with np.errstate(all="ignore"):
            try:
                matched = np.shape(got) != z.shape and bool(predicate(got, z))
            except (ValueError, TypeError):
                matched = False
        if matched:
            expect(False, f"{what} should have shape {z.shape}; it has shape {np.shape(got)}.\n"
                   f"  Likely mistake: {why}")
    dtype = getattr(got, "dtype", None)
    expect(
        dtype is None or not np.issubdtype(dtype, np.integer),
        f"{what} should return floating-point numbers; it returned dtype {dtype}.\n  Likely "
        "mistake: .astype(int) (or an integer constant array); use .astype(z.dtype) instead.",
    )
    expect_array(got, what, shape=z.shape)


def _sigma(x):
    # Stable in pure Python: math.exp only ever sees a number <= 0.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    return math.exp(x) / (1.0 + math.exp(x))


def _elementwise(scalar_function, z, **kwargs):
    """Apply a plain-Python function of one number to every element of z."""
    return np.array([scalar_function(float(x), **kwargs) for x in z.ravel()]).reshape(z.shape)


def _float32_hint(largest):
    return (f"the float64 inputs passed, so something guards float64 only: in float32 exp "
            f"overflows above 88.7 (in float64 above 709.8), so a bound like "
            f"np.clip(z, -{largest}, {largest}) still lets it overflow. Build the formula from "
            "np.exp(-np.abs(z)) instead, which is never above 1.")


def _check_elementwise(func, truth, mistakes=(), numeric_hint="", float32_hint=None, special=False,
                       shape_mistakes=(), dtype_hint="", **kwargs):
    """The checks every elementwise activation (or derivative) must pass.

    truth:          plain-Python function of one number giving the right answer.
    mistakes:       (plain-Python function of one number, explanation) for typical wrong answers.
    numeric_hint:   what an overflow (or 0/0) in float64 probably means.
    float32_hint:   the same for one that happens in float32 only.
    special:        also check z = -0.0 and 0.0. (Not ±inf: z * (z > 0) is a correct ReLU for every finite z.)
    shape_mistakes: (predicate of (got, z), explanation) for answers of the wrong shape.
    dtype_hint:     the usual reason this function turns float32 into float64, if it has one.
    """
    name = func.__name__
    args = "".join(f", {k}={v}" for k, v in kwargs.items())
    what = f"{name}(z{args})"
    inputs = (POINTS, GRID, EXTREMES) + ((SPECIAL,) if special else ())
    for z in inputs:
        got = _call_twice(f"{what} for z = {short(z)}", func, z, numeric_hint=numeric_hint, **kwargs)
        _expect_values_array(got, z, what, shape_mistakes)
        expect_close(
            got,
            _elementwise(truth, z, **kwargs),
            what,
            inputs={"z": z},
            mistakes=[Mistake(_wrong_values(wrong, z, kwargs), why) for wrong, why in mistakes],
        )
    for z in (POINTS, EXTREMES) + ((SPECIAL,) if special else ()):
        z32 = z.astype(np.float32)
        got = call(f"{what} for float32 z = {short(z32)}", func, z32.copy(),
                   numeric_hint=numeric_hint if float32_hint is None else float32_hint, **kwargs)
        expect_dtype_kept(got, np.float32, name, likely=dtype_hint)
        expected = _elementwise(truth, z32.astype(np.float64), **kwargs)
        expect_close(got, expected, f"{what} for float32 z", inputs={"z": z32}, rtol=1e-5, atol=1e-7)


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
    no overflow for z = ±1000 (exact 0 and 1), in float64 and in float32
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    _check_elementwise(
        sigmoid,
        _sigma,
        mistakes=[
            (lambda x: _sigma(-x), "this is sigmoid(-z): the sign of the exponent is flipped "
             "(1 / (1 + exp(z))), or the numerator is exp(-z) where it should be 1. Write "
             "1 / (1 + exp(-z)) instead, which is near 1 for large z."),
        ],
        numeric_hint="the textbook formula overflows: 1 / (1 + np.exp(-z)) computes exp(1000) "
        "for z = -1000, and exp(z) / (1 + exp(z)) does for z = 1000. np.where evaluates both "
        "branches for every element, so each must be safe: build it from np.exp(-np.abs(z)).",
        float32_hint=_float32_hint(500),
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
    no overflow for z = ±1000 (the derivative there is 0), in float64 and in float32
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    _check_elementwise(
        sigmoid_derivative,
        lambda x: _sigma(x) * (1 - _sigma(x)),
        mistakes=[
            (lambda x: x * (1 - x), "you computed z * (1 - z), as if z were sigmoid(z). Compute "
             "s = sigmoid(z) first, then s * (1 - s)."),
            (lambda x: -_sigma(x) * (1 - _sigma(x)), "the sign: s * (s - 1) is minus the "
             "derivative. The sigmoid rises everywhere, so its slope is positive: write "
             "s * (1 - s) instead."),
            (lambda x: 0.0, "every value is 0: s * 1 - s is (s * 1) - s by operator precedence. "
             "Write s * (1 - s) instead, with the parentheses."),
            (_sigma, "that is sigmoid(z) itself, not its derivative s * (1 - s)."),
            (lambda x: 1 - _sigma(x) ** 2, "1 - s**2 is the pattern of tanh's derivative; the "
             "sigmoid's is s * (1 - s)."),
            (lambda x: 1 - math.tanh(x) ** 2, "that is the derivative of tanh, not of sigmoid."),
        ],
        numeric_hint="exp(-z) / (1 + exp(-z))**2 overflows for large |z|; use your stable "
        "sigmoid: s = sigmoid(z); s * (1 - s).",
        float32_hint="the float64 inputs passed, so something guards float64 only: in float32 exp "
        "overflows above 88.7. Use your stable sigmoid instead: s = sigmoid(z); s * (1 - s).",
    )


# --- tanh -------------------------------------------------------------------------------

# Worked out by hand: tanh(ln a) = (a - 1/a) / (a + 1/a) = (a**2 - 1) / (a**2 + 1), which is 3/5
# for a = 2 and 4/5 for a = 3; tanh is odd, and tanh(0) = 0.
WORKED_Z = np.array([-math.log(3), -math.log(2), 0.0, math.log(2), math.log(3)])
WORKED_TANH = np.array([-0.8, -0.6, 0.0, 0.6, 0.8])

_USE_SIGMOID = ("Build it on your sigmoid instead, which never overflows: 2 * sigmoid(2 * z) - 1 "
                "needs no exp of its own.")
_TANH_OVERFLOW = "numpy overflowed (or divided 0 by 0) in tanh. " + _USE_SIGMOID

# An overflow is told apart by where it happens and by what the code returns there when numpy's
# warnings are ignored: (trouble at z = -1000, at z = 1000, right at -1000, right at 1000).
_TANH_OVERFLOWS = {
    (True, True, False, False): "the textbook (exp(z) - exp(-z)) / (exp(z) + exp(-z)), and "
    "np.sinh(z) / np.cosh(z), overflow for |z| around 1000: exp(1000) is inf, and inf / inf is "
    "nan at both ends. " + _USE_SIGMOID,
    (True, True, True, True): "the answers are right, but numpy overflowed on the way: "
    "np.where(condition, a, b) evaluates both branches for every element before it chooses, so a "
    "branch meant for z >= 0 only still computes exp(2000) at z = -1000, and the other one does at "
    "z = 1000. " + _USE_SIGMOID,
    (True, False, False, True): "(1 - exp(-2z)) / (1 + exp(-2z)) is safe for z >= 0 only: for "
    "z = -1000, exp(-2z) is exp(2000), which overflows, and -inf / inf is nan. It is "
    "2 * sigmoid(2 * z) - 1 with the textbook sigmoid written out; call your stable sigmoid instead.",
    (True, False, True, True): "2 / (1 + exp(-2z)) - 1 writes the textbook sigmoid out again: for "
    "z = -1000 it computes exp(2000), which overflows (2 / inf - 1 = -1 comes out right only after "
    "numpy's warning). Call your sigmoid from exercise 2.1 instead: 2 * sigmoid(2 * z) - 1.",
    (False, True, True, False): "(exp(2z) - 1) / (exp(2z) + 1) is safe for z <= 0 only: for "
    "z = 1000, exp(2z) is exp(2000), which overflows, and inf / inf is nan. " + _USE_SIGMOID,
}


def _tanh_overflow_hint(error):
    """The likely mistake behind an overflow in tanh: calls it once at z = -1000, once at z = 1000."""
    key = ([], [])
    for z, right in ((-1000.0, -1.0), (1000.0, 1.0)):
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                tanh(np.array([z]))
            key[0].append(False)
        except FloatingPointError:
            key[0].append(True)
        except Exception:
            return _TANH_OVERFLOW
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(tanh(np.array([z])), dtype=float)
        except Exception:
            return _TANH_OVERFLOW
        key[1].append(got.shape == (1,) and bool(np.isclose(got[0], right)))
    return _TANH_OVERFLOWS.get((*key[0], *key[1]), _TANH_OVERFLOW)


def _exact(values):
    """Numbers to the last digit (show() rounds to 4, and 0.999999999999 would read 1.)."""
    return "[" + ", ".join(repr(float(v)) for v in np.ravel(values)) + "]"


@check_for(
    "2.3", "activations.tanh",
    hints=(
        "Use your sigmoid from exercise 2.1 rather than exp: multiply the top and bottom of "
        "(exp(z) - exp(-z)) / (exp(z) + exp(-z)) by exp(-z), and compare the result with "
        "1 / (1 + exp(-x)) for x = 2z.",
        "tanh(z) = 2 * sigmoid(2 * z) - 1: the sigmoid of 2z, stretched from (0, 1) to (0, 2) and "
        "moved down by 1. Your sigmoid never overflows, so neither does this.",
    ),
)
def check_tanh():
    """values worked out by hand (tanh(ln 2) = 3/5, tanh(ln 3) = 4/5) and at other known points, 1-D and 2-D
    no overflow for z = ±1000, in float64 and in float32: exactly -1 and 1 there and at z = ±40
    values in [-1, 1]; odd, tanh(-z) = -tanh(z), to rounding
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    mistakes = [
        (_sigma, "that is the sigmoid, with values in (0, 1); tanh has values in (-1, 1): "
         "tanh(z) = 2 * sigmoid(2 * z) - 1."),
        (lambda x: 2 * _sigma(x) - 1, "2 * sigmoid(z) - 1 is tanh(z / 2): the sigmoid takes 2z, "
         "tanh(z) = 2 * sigmoid(2 * z) - 1."),
        (lambda x: _sigma(2 * x) - 1, "sigmoid(2 * z) - 1 has values in (-1, 0): the sigmoid's "
         "range moved down by 1 without being stretched. Multiply by 2 first: 2 * sigmoid(2 * z) - 1."),
        (lambda x: 2 * _sigma(2 * x) + 1, "2 * sigmoid(2 * z) + 1 has values in (1, 3): subtract "
         "the 1, 2 * sigmoid(2 * z) - 1, to centre it on 0."),
        (lambda x: 1 - 2 * _sigma(2 * x), "that is -tanh(z), the sign flipped: 1 - 2 * "
         "sigmoid(2 * z) (or 2 * sigmoid(-2 * z) - 1) falls where tanh rises. Write "
         "2 * sigmoid(2 * z) - 1 instead."),
    ]
    dtype_hint = ("z or a constant turned into float64 on the way - np.asarray(z, dtype=float) or "
                  "z.astype(float) (Python's float is float64), np.float64(2), np.ones(z.shape); "
                  "2 * sigmoid(2 * z) - 1 needs no conversion")

    got = _call_twice(f"tanh(z) for z = {short(WORKED_Z)}", tanh, WORKED_Z, numeric_hint=_tanh_overflow_hint)
    _expect_values_array(got, WORKED_Z, "tanh(z)")
    expect_close(got, WORKED_TANH, "tanh(z) at z = ±ln 3, ±ln 2, 0 (tanh(ln a) = (a**2 - 1) / (a**2 + 1))",
                 inputs={"z": WORKED_Z},
                 mistakes=[Mistake(_wrong_values(wrong, WORKED_Z, {}), why) for wrong, why in mistakes])
    _check_elementwise(
        tanh,
        math.tanh,
        mistakes=mistakes,
        numeric_hint=_tanh_overflow_hint,
        float32_hint="the float64 inputs passed, so something guards float64 only: in float32 exp "
        "overflows above 88.7 (in float64 above 709.8), so clipping z at a few hundred does not "
        "save it. " + _USE_SIGMOID,
        dtype_hint=dtype_hint,
    )

    wide = np.linspace(-30.0, 30.0, 241)
    for dtype in (np.float64, np.float32):
        bits = "" if dtype == np.float64 else "float32 "
        z = EXTREMES.astype(dtype)  # tanh is -1 or 1 there, to the last bit
        got = call(f"tanh(z) for {bits}z = {short(z)}", tanh, z.copy(), numeric_hint=_tanh_overflow_hint)
        nudged = np.all(np.abs(got) < 1) and np.allclose(got, np.sign(z), rtol=0, atol=1e-5)
        expect(np.array_equal(got, np.sign(z)),
               f"tanh(z) for {bits}z = {short(z)} should be exactly [-1, -1, 1, 1] (sigmoid(2z) is "
               f"exactly 0 or 1 there); it is {_exact(got)}."
               + ("\n  Likely mistake: something keeps the answer off ±1 - a small number added to a "
                  "denominator, or a clip of the sigmoid's output, 'to be safe'. 1 + exp(...) is never "
                  "below 1, and 2 * sigmoid(2 * z) - 1 needs no guard." if nudged else ""))

        z = wide.astype(dtype)
        got = call(f"tanh(z) for {bits}z from -30 to 30", tanh, z.copy(), numeric_hint=_tanh_overflow_hint)
        outside = np.flatnonzero(np.abs(got) > 1)
        expect(outside.size == 0, f"tanh(z) must stay in [-1, 1]; for {bits}z = {show(z[outside[:1]])} "
               f"it is {_exact(got[outside[:1]])}." if outside.size else "")
        mirrored = call(f"tanh(-z) for {bits}z from -30 to 30", tanh, -z, numeric_hint=_tanh_overflow_hint)
        tolerance = 4 * np.finfo(dtype).eps
        odd = np.abs(got + mirrored) <= tolerance
        first = int(np.argmin(odd))
        expect(odd.all(), f"tanh should be odd, tanh(-z) = -tanh(z), up to rounding (a few times "
               f"{np.finfo(dtype).eps:.2g} in {np.dtype(dtype)}); for {bits}z = {show(z[first])} "
               f"tanh(z) = {_exact(got[first:first + 1])} but tanh(-z) = {_exact(mirrored[first:first + 1])}.")


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
    no overflow for z = ±1000 (the derivative there is 0), in float64 and in float32
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    _check_elementwise(
        tanh_derivative,
        lambda x: 1 - math.tanh(x) ** 2,
        mistakes=[
            (lambda x: 1 - x**2, "you computed 1 - z**2, as if z were tanh(z): use 1 - tanh(z)**2."),
            (lambda x: 1 - math.tanh(x), "square the tanh: 1 - tanh(z)**2."),
            (lambda x: math.tanh(x) ** 2 - 1, "the sign: tanh(z)**2 - 1 is minus the derivative. "
             "tanh rises everywhere, so write 1 - tanh(z)**2 instead."),
            (lambda x: (1 - math.tanh(x)) ** 2, "(1 - tanh(z))**2 squares the difference; square "
             "only the tanh instead: 1 - tanh(z)**2."),
            (lambda x: math.tanh(x) ** 2, "it is 1 minus tanh(z)**2."),
            (lambda x: _sigma(x) * (1 - _sigma(x)), "that is the sigmoid's derivative; tanh's is "
             "1 - tanh(z)**2."),
        ],
        numeric_hint="a formula with exp or cosh overflows for |z| around 1000 (1 / np.cosh(z)**2 "
        "does); use 1 - tanh(z)**2 with a stable tanh instead.",
        float32_hint="the float64 inputs passed, but in float32 exp and cosh overflow above about "
        "88.7; use 1 - tanh(z)**2 with your tanh (2.3), which never overflows, instead.",
    )


# --- ReLU and leaky ReLU -----------------------------------------------------------------

@check_for(
    "2.5", "activations.relu",
    hints=(
        "ReLU keeps the positive numbers and puts 0 in place of the rest, element by element. "
        "Python's max compares single numbers only.",
        "np.maximum(z, 0) compares element by element and keeps the shape of z; Python's max would "
        "try to compare the whole array with 0 at once.",
    ),
)
def check_relu():
    """values max(0, z) at known points, 1-D and 2-D, at ±1000 and at -0.0
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    _check_elementwise(
        relu,
        lambda x: max(0.0, x),
        mistakes=[
            (lambda x: min(0.0, x), "that keeps the negative part; ReLU keeps max(0, z)."),
            (abs, "abs(z) turns negatives positive; ReLU sets them to 0."),
        ],
        special=True,
        shape_mistakes=[
            (lambda got, z: np.allclose(got, np.max(z, axis=0)), "np.max(z, 0) is the largest "
             "entry along axis 0; the elementwise larger of z and 0 is np.maximum(z, 0)."),
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
    """1 where z > 0 and 0 elsewhere, including at z = 0 and -0.0 (the course's convention)
    float (not bool) results; keeps shape and float32 dtype; leaves its input unchanged"""
    _check_elementwise(
        relu_derivative,
        lambda x: 1.0 if x > 0 else 0.0,
        mistakes=[
            (lambda x: 1.0 if x >= 0 else 0.0, "at z = 0 the course (like PyTorch) uses the "
             "derivative 0: compare with z > 0, not z >= 0."),
            (lambda x: 1.0 if x > 0 else (0.5 if x == 0 else 0.0), "0.5 at z = 0 (what "
             "np.heaviside(z, 0.5) and (np.sign(z) + 1) / 2 give); the course, like PyTorch, uses "
             "0 there: write (z > 0).astype(z.dtype) instead."),
            (lambda x: max(0.0, x), "that is relu(z) itself; its derivative is 1 where z > 0, "
             "else 0."),
            (lambda x: float(np.sign(x)), "np.sign gives -1 for negative z; the slope there is 0."),
        ],
        numeric_hint="z / abs(z) is 0 / 0 at z = 0 (and inf / inf at ±inf); compare instead: "
        "(z > 0).astype(z.dtype).",
        special=True,
    )


def _leaky(x, alpha):
    return x if x > 0 else alpha * x


@check_for(
    "2.7", "activations.leaky_relu",
    hints=(
        "Two cases, chosen element by element by the sign of z. Use the `alpha` argument, not a "
        "fixed number.",
        "np.where(condition, value_if_true, value_if_false) chooses element by element: the "
        "condition is z > 0, the two values are z and alpha * z.",
    ),
)
def check_leaky_relu():
    """values at known points for alpha = 0.01 and alpha = 0.2, 1-D and 2-D, at ±1000 and -0.0
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
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
                (lambda x, alpha: x if x > 0 else alpha, "for z <= 0 leaky ReLU is alpha * z, not "
                 "the constant alpha (that is its derivative); write np.where(z > 0, z, alpha * z)."),
            ],
            special=True,
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
    """1 where z > 0, alpha elsewhere (also at z = 0 and -0.0), for alpha = 0.01 and 0.2
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
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
                (lambda x, alpha: alpha if x > 0 else 1.0, "the two slopes are swapped: 1 where "
                 "z > 0, alpha elsewhere - np.where(z > 0, 1, alpha)."),
            ],
            numeric_hint="z / abs(z) and z * (z > 0) give nan at z = 0 or ±inf; choose the slopes "
            "instead: np.where(z > 0, 1, alpha).astype(z.dtype).",
            special=True,
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


_SUBTRACT_THE_MAX = ("exp(1000) overflows. Subtract the row's maximum before np.exp: "
                     "softmax(z) = softmax(z - max(z)), and the largest exponent becomes exp(0) = 1.")


@check_for(
    "2.9", "activations.softmax",
    hints=(
        "Adding the same number to every score of a row does not change softmax. Which number "
        "would keep every exponent at or below 0? And each row of a batch is normalised on its own.",
        "Subtract z.max(axis=-1, keepdims=True) before np.exp, so that the largest exponent is "
        "exp(0) = 1. Then divide by the sum of the exponentials over the same axis, again with "
        "keepdims=True, so that an (n, k) array is divided by an (n, 1) one.",
    ),
)
def check_softmax():
    """values for one row of scores and for a batch of rows (each row normalised on its own)
    every row sums to 1; works for shape (k,) and (n, k)
    no overflow for scores like 1000, also when rows of a batch differ by thousands, in float64 and float32
    keeps shape and float32 dtype; leaves its input unchanged; the same answer on a second call"""
    row = np.array([1.0, 2.0, 3.0, -1.0])
    batch = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, -2.0]])
    for z in (row, batch):
        got = _call_twice(f"softmax(z) for z = {short(z)}", softmax, z, numeric_hint=_SUBTRACT_THE_MAX)
        expect_array(got, "softmax(z)", shape=z.shape)
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
    spread = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0]])
    for dtype in (np.float64, np.float32):
        bits = "" if dtype == np.float64 else "float32 "
        z = big.astype(dtype)
        got = call(f"softmax(z) for {bits}z = {short(z)}", softmax, z.copy(), numeric_hint=_SUBTRACT_THE_MAX)
        expect_close(got, _softmax_rows(big), "softmax(z)", inputs={"z": z}, rtol=1e-5)

        z = spread.astype(dtype)
        got = call(
            f"softmax(z) for {bits}z = {short(z)}",
            softmax,
            z.copy(),
            numeric_hint="subtract each row's own maximum (z.max(axis=-1, keepdims=True)), not the "
            "largest score of the whole batch: a row far below it underflows to 0 / 0.",
        )
        expect_close(got, _softmax_rows(spread), "softmax(z)", inputs={"z": z}, rtol=1e-5,
                     mistakes=[Mistake(np.full(spread.shape, np.nan), "subtract each row's own "
                                       "maximum, not the largest score of the whole batch.")])

    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(6, 10))
    sums = call("softmax(z) for a (6, 10) batch", softmax, z).sum(axis=-1)
    expect(np.allclose(sums, 1.0), f"the rows of softmax(z) should each sum to 1; they sum to {show(sums)}.")

    got = call("softmax(z) for float32 z", softmax, batch.astype(np.float32))
    expect_dtype_kept(got, np.float32, "softmax")
