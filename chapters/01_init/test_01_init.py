"""Chapter 1, weight initialisation: the checks pass on correct code and name typical mistakes."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases



def normal(std, shape=lambda fan_in, fan_out: (fan_in, fan_out)):
    """An initialiser drawing Normal(0, std(fan_in, fan_out)) from rng, with a given shape."""
    return lambda fan_in, fan_out, rng, **kw: rng.normal(0.0, std(fan_in, fan_out, **kw), shape(fan_in, fan_out))


def uniform(limit, low=None):
    return lambda fan_in, fan_out, rng: rng.uniform(
        -limit(fan_in, fan_out) if low is None else low, limit(fan_in, fan_out), (fan_in, fan_out)
    )


def std_as_the_mean(std):
    # rng.normal(loc, scale, size): the standard deviation lands in the place of the mean
    return lambda fan_in, fan_out, rng, **kw: rng.normal(std(fan_in, fan_out, **kw), size=(fan_in, fan_out))


XAVIER = lambda fi, fo: np.sqrt(2 / (fi + fo))  # noqa: E731
HE = lambda fi, fo: np.sqrt(2 / fi)  # noqa: E731
MISTAKES = [
    # 1.1 small_normal
    ("1.1", normal(lambda fi, fo, std=0.01: std, shape=lambda fi, fo: (fo, fi)), r"\(fan_out, fan_in\)"),
    ("1.1", std_as_the_mean(lambda fi, fo, std=0.01: std), r"standard deviation went in as the mean.*rng\.normal\(0\.0, std"),
    ("1.1", lambda fi, fo, rng, std=0.01: rng.standard_normal((fi, fo)), r"standard normal numbers .* never scaled"),
    ("1.1", normal(lambda fi, fo, std=0.01: std**2), r"spread is std\*\*2 - the variance, or std applied twice"),
    ("1.1", normal(lambda fi, fo, std=0.01: 0.01), r"`std` argument is ignored"),
    ("1.1", lambda fi, fo, rng, std=0.01: np.random.normal(0, std, (fi, fo)), r"from the `rng` argument"),
    ("1.1", lambda fi, fo, rng, std=0.01: np.random.default_rng(0).normal(0, std, (fi, fo)), r"does not use the `rng`"),
    ("1.1", lambda fi, fo, rng, std=0.01: std * rng.random((fi, fo)), r"every weight is >= 0 - rng\.random\(\)"),
    ("1.1", lambda fi, fo, rng, std=0.01: rng.normal(0, std), r"without size=.*draw one number"),
    ("1.1", lambda fi, fo, rng, std=0.01: rng.normal(0, std, (fi, fo)).tolist(), r"should return a numpy array.*\.tolist\(\)"),
    # 1.2 xavier_normal
    ("1.2", normal(lambda fi, fo: np.sqrt(2 / fi + fo)), r"operator precedence: 2 / fan_in \+ fan_out"),
    ("1.2", normal(lambda fi, fo: 2 / (fi + fo)), r"variance .* as the standard deviation; take its square root"),
    ("1.2", normal(lambda fi, fo: np.sqrt(2) / (fi + fo)), r"leaves the fans outside the root"),
    ("1.2", std_as_the_mean(XAVIER), r"standard deviation went in as the mean"),
    ("1.2", normal(lambda fi, fo: np.sqrt(2 / fi)), r"He initialisation"),
    ("1.2", normal(lambda fi, fo: np.sqrt(1 / fi)), r"only the forward pass"),
    ("1.2", normal(lambda fi, fo: np.sqrt(1 / (fi + fo))), r"numerator is 2"),
    ("1.2", uniform(lambda fi, fo: np.sqrt(3) * XAVIER(fi, fo)), r"not normally distributed"),
    ("1.2", normal(XAVIER, shape=lambda fi, fo: (fo, fi)), r"\(fan_out, fan_in\)"),
    # 1.3 xavier_uniform
    ("1.3", normal(XAVIER), r"outside the limit .* look normally distributed"),
    ("1.3", uniform(XAVIER), r"the limit is sqrt\(6 / \(fan_in \+ fan_out\)\)"),
    ("1.3", uniform(lambda fi, fo: np.sqrt(6 / fi + fo)), r"operator precedence: 6 / fan_in \+ fan_out"),
    ("1.3", uniform(lambda fi, fo: 6 / (fi + fo)), r"missing its square root"),
    ("1.3", uniform(lambda fi, fo: np.sqrt(6 / (fi + fo)), low=0.0), r"every weight is >= 0 .* rng\.uniform\(-a, a"),
    ("1.3", uniform(lambda fi, fo: np.sqrt(6 / fi)), r"uses fan_in only; the limit averages both fans"),
    ("1.3", lambda fi, fo, rng: rng.uniform(-1, 1, (fi, fo)), r"rng\.uniform\(-1, 1, \.\.\.\) was never scaled"),
    ("1.3", lambda fi, fo, rng: rng.uniform(-np.sqrt(6 / (fi + fo)), np.sqrt(6 / (fi + fo))), r"without size=.*draw one number"),
    # 1.4 he_normal
    ("1.4", normal(lambda fi, fo: np.sqrt(2 / fo)), r"uses fan_in, the number of inputs, not fan_out"),
    ("1.4", normal(lambda fi, fo: 2 / fi), r"variance 2 / fan_in as the standard deviation"),
    ("1.4", normal(lambda fi, fo: np.sqrt(2) / fi), r"leaves fan_in outside the root"),
    ("1.4", std_as_the_mean(HE), r"standard deviation went in as the mean"),
    ("1.4", normal(lambda fi, fo: np.sqrt(1 / fi)), r"LeCun"),
    ("1.4", normal(XAVIER), r"is Xavier"),
    ("1.4", lambda fi, fo, rng: rng.normal(0, np.sqrt(2 / fi), fi * fo), r"right number of weights, in the wrong shape.*size=\(fan_in, fan_out\)"),
    ("1.4", lambda fi, fo, rng: rng.normal(0, np.sqrt(2 / fi), (fi, fo)).astype(int), r"\.astype\(int\).* rounds the weights"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)
