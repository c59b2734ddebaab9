"""Checks for scratchdl/gradcheck.py: the numerical gradient (5.1)."""

import numpy as np

from scratchdl.checks import check_for
from scratchdl.checks.expect import Mistake, call, expect, expect_array, expect_close
from scratchdl.gradcheck import numerical_gradient


def _f_and_gradient(shape, seed):
    """f(x) = sum(C * sin(x)) + sum(x**3) / 3, and its exact gradient C * cos(x) + x**2."""
    rng = np.random.default_rng(seed)
    C = rng.normal(size=shape)
    x = rng.normal(size=shape)
    return (lambda v: float(np.sum(C * np.sin(v)) + np.sum(v**3) / 3)), x, C * np.cos(x) + x**2


def _one_sided(f, x, eps):
    """The forward difference (f(x + eps) - f(x)) / eps, a typical wrong answer."""
    x = x.copy()
    base, grad = f(x), np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (f(x) - base) / eps
        x[i] = saved
    return grad


@check_for(
    "5.1",
    hints=(
        "Loop over every position with `for i in np.ndindex(x.shape):`. At each: remember x[i], "
        "set it to x[i] + eps and call f(x), set it to x[i] - eps and call f(x), put the original "
        "back, and divide the difference by 2 * eps.",
        "Start from an array of zeros shaped like x, and fill one position per pass of the "
        "np.ndindex loop with the central difference (f at x[i] + eps minus f at x[i] - eps) / (2 * "
        "eps). x is changed in place, so restore x[i] before moving on, or every later value is "
        "wrong.",
    ),
)
def check_numerical_gradient():
    """matches the exact gradient of a known function to 1e-7, for 1-D and 2-D x
    central differences (a one-sided difference is not accurate enough)
    leaves x exactly as it was; returns an array of x's shape"""
    for shape in ((6,), (3, 4)):
        f, x, exact = _f_and_gradient(shape, seed=len(shape))
        given = x.copy()
        what = f"numerical_gradient(f, x) for x of shape {shape}"
        got = call(what, numerical_gradient, f, given, 1e-6)
        expect(np.array_equal(given, x),
               f"{what} left x changed, by up to {float(np.max(np.abs(given - x))):.2g}: put each "
               "element back to its original value after evaluating f (x[i] += eps and then "
               "x[i] -= eps need not give the original number back: remember it and assign it).")
        expect_array(got, what, shape=x.shape)
        expect_close(got, exact, what, rtol=1e-7, atol=1e-7, mistakes=[
            Mistake(lambda g: np.allclose(g, 2 * exact, rtol=1e-5), "divide by 2 * eps: the two "
                    "evaluations are 2 * eps apart."),
            Mistake(lambda g: np.allclose(g, exact / 2, rtol=1e-5), "the difference f(x + eps) - "
                    "f(x - eps) is divided by 2 * eps, not 4 * eps - or is x[i] nudged by only "
                    "eps / 2 each way?"),
            Mistake(lambda g: np.allclose(g, _one_sided(f, x, 1e-6), rtol=1e-6, atol=1e-8),
                    "that is a one-sided difference (f(x + eps) - f(x)) / eps, whose error is "
                    "proportional to eps; the central difference (f(x + eps) - f(x - eps)) / (2 eps) "
                    "is accurate to eps**2."),
            Mistake(lambda g: np.allclose(g, -exact, rtol=1e-5), "wrong sign: f(x + eps) comes first."),
            Mistake(lambda g: g.ndim == 2 and np.allclose(g, g[:, :1]), "every element of a row got "
                    "the same value: loop over every position with np.ndindex(x.shape); "
                    "range(len(x)) only visits whole rows."),
        ])
