"""Reference bodies for scratchdl/training.py (chapter 6)."""

import numpy as np


def minibatches(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]
