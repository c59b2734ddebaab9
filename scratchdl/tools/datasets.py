"""Small datasets made with numpy, no files: XOR, two moons, spirals, circles, a 1-D curve.

Every generator takes a numpy.random.Generator, so the same seed gives the same data. The
classification sets return X of shape (n, 2) and integer labels y of shape (n,).
"""

import numpy as np

from scratchdl.tools.inputs import whole_number


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}")


def _check(rng, noise, **counts):
    """The arguments every generator shares: a Generator, a noise level >= 0, whole counts."""
    _check_rng(rng)
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0 (the standard deviation of the noise); got {noise!r}")
    for name, (value, at_least) in counts.items():
        whole_number(name, value, at_least)


def xor():
    """The four points of XOR: label 1 where exactly one coordinate is 1."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    return X, y


def two_moons(n, noise, rng):
    """Two interleaving half circles (as scikit-learn's make_moons), plus Gaussian noise.

    Class 0 is the upper moon, centred at (0, 0); class 1 the lower one, centred at (1, 0.5).
    """
    _check(rng, noise, n=(n, 2))
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0, np.pi, n_upper)
    t_lower = np.linspace(0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1 - np.cos(t_lower), 1 - np.sin(t_lower) - 0.5])
    X = np.vstack([upper, lower]) + rng.normal(0.0, noise, size=(n, 2))
    y = np.concatenate([np.zeros(n_upper, dtype=np.int64), np.ones(n_lower, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def two_moons_best_guess(X, noise):
    """The best possible classifier for two_moons data: the class more likely to produce each point.

    The data come from a known process (a point on a half circle plus Gaussian noise), so the
    likelihood of each class can be computed, averaging over 2,000 points along each moon. No
    classifier can beat this on average: its accuracy on a test set is the target to compare with.
    """
    t = np.linspace(0, np.pi, 2000)
    centres = (np.column_stack([np.cos(t), np.sin(t)]),  # class 0
               np.column_stack([1 - np.cos(t), 1 - np.sin(t) - 0.5]))  # class 1
    likelihood = []
    for moon in centres:
        squared = ((X[:, None, :] - moon[None, :, :]) ** 2).sum(axis=-1)
        likelihood.append(np.exp(-squared / (2 * noise**2)).mean(axis=1))
    return (likelihood[1] > likelihood[0]).astype(np.int64)


def spirals(n_per_class, n_classes, noise, rng):
    """Interleaved spiral arms, one per class (the classic CS231n example).

    Arm k: radius r from 0 to 1, angle from 4k to 4(k + 1) radians plus noise * N(0, 1).
    """
    _check(rng, noise, n_per_class=(n_per_class, 1), n_classes=(n_classes, 2))
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        angle = np.linspace(4 * k, 4 * (k + 1), n_per_class) + rng.normal(0.0, noise, n_per_class)
        X.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        y.append(np.full(n_per_class, k, dtype=np.int64))
    X, y = np.vstack(X), np.concatenate(y)
    order = rng.permutation(len(X))
    return X[order], y[order]


def circles(n, noise, rng, factor=0.5):
    """Two concentric circles: class 0 outside (radius 1), class 1 inside (radius `factor`)."""
    _check(rng, noise, n=(n, 2))
    n_outer = n // 2
    n_inner = n - n_outer
    angles = rng.uniform(0, 2 * np.pi, n)
    radius = np.concatenate([np.ones(n_outer), np.full(n_inner, factor)])
    X = np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])
    X += rng.normal(0.0, noise, size=X.shape)
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    order = rng.permutation(n)
    return X[order], y[order]


def wave_curve(x):
    """The curve under wave()'s noise: sin(2 pi x) + x / 2, elementwise."""
    return np.sin(2 * np.pi * x) + 0.5 * x


def wave(n, noise, rng):
    """A noisy 1-D regression curve: y = sin(2 pi x) + x / 2 + noise, x in [-1, 1].

    Returns x and y of shape (n, 1), sorted by x.
    """
    _check(rng, noise, n=(n, 1))
    x = np.sort(rng.uniform(-1.0, 1.0, n)).reshape(-1, 1)
    y = wave_curve(x) + rng.normal(0.0, noise, size=(n, 1))
    return x, y


def train_test_split(X, y, test_size, rng):
    """Shuffle, then split off `test_size` (a fraction, or a count) of the examples for testing.

    Returns X_train, X_test, y_train, y_test.
    """
    _check_rng(rng)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.integer, np.floating)):
        raise ValueError(f"test_size must be a fraction (0.2) or a number of examples (40); got {test_size!r}")
    n_test = int(round(test_size * len(X))) if isinstance(test_size, (float, np.floating)) else int(test_size)
    if not 0 < n_test < len(X):
        raise ValueError(f"test_size must leave examples on both sides; got {test_size!r} for {len(X)} examples")
    order = rng.permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]
