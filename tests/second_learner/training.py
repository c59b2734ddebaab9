"""Second learner's body for scratchdl/training.py (chapter 6): the shuffle as a scatter -
every example is sent to a random slot - and the batches as the rows of a reshaped view
(plus the remainder)."""

import numpy as np


def minibatches(n, batch_size, rng=None):
    # with a generator, slots is a random arrangement of 0..n-1 (shuffled in place) and
    # example i goes to position slots[i]: the order is its inverse, built by a scatter.
    # Full batches are the rows of a (m, batch_size) view, the leftover makes the last one.
    order = np.arange(n)
    if rng is not None:
        slots = np.arange(n)
        rng.shuffle(slots)
        order[slots] = np.arange(n)
    full = n // batch_size
    batches = list(order[:full * batch_size].reshape(full, batch_size))
    if full * batch_size < n:
        batches.append(order[full * batch_size:])
    return batches
