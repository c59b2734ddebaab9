"""Checks for scratchdl/training.py: minibatches (6.1)."""

import numpy as np

from scratchdl.checks import check_for
from scratchdl.checks.expect import call, expect, show
from scratchdl.training import minibatches


def _batches(n, batch_size, rng):
    what = f"minibatches(n={n}, batch_size={batch_size}, rng={'a generator' if rng is not None else None})"
    got = call(what, minibatches, n, batch_size, rng)
    expect(got is not None, f"{what} returned None; return a list of index arrays.")
    got = [np.asarray(b) for b in got]
    expect(all(b.ndim == 1 and (b.size == 0 or b.dtype.kind in "iu") for b in got),
           f"{what} should give 1-D arrays of integer indices; got {[b.dtype.name for b in got]}.")
    return what, got


def _expect_partition(what, batches, n, batch_size):
    sizes = [len(b) for b in batches]
    everything = np.concatenate(batches) if batches else np.array([], dtype=int)
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if len(everything) < n and sizes == expected_sizes[: len(sizes)]:
        expect(False, f"{what} gave batches of sizes {sizes}: the last, smaller batch of "
               f"{n % batch_size} was dropped. Keep it, so that every example is used every epoch.")
    expect(len(np.unique(everything)) == len(everything),
           f"{what} used some indices twice: draw a permutation (every index once), not samples "
           "with replacement.")
    expect(sorted(everything.tolist()) == list(range(n)),
           f"{what} should use every index from 0 to {n - 1} exactly once; it used {show(np.sort(everything))}.")
    expect(sizes == expected_sizes,
           f"{what} gave batches of sizes {sizes}; expected {expected_sizes}.")


@check_for(
    "6.1",
    hints=(
        "Make one array holding the order of the examples - 0..n-1, or rng.permutation(n) - and "
        "cut it into consecutive slices of batch_size.",
        "np.arange(n) gives the order 0..n-1 and rng.permutation(n) a shuffled one (only when rng "
        "is not None). The batches are slices of that array starting at 0, batch_size, 2 * "
        "batch_size, ... (range with a step); the last one may be shorter.",
    ),
)
def check_minibatches():
    """every index exactly once; batches of batch_size, and a smaller last one (not dropped)
    in order without a generator; shuffled with one, in a new order on every call
    the same seed gives the same batches"""
    what, batches = _batches(10, 3, None)
    _expect_partition(what, batches, 10, 3)
    expect([b.tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]],
           f"{what} gave {[b.tolist() for b in batches]}; without a generator the indices stay in "
           "order: [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]].")
    what, batches = _batches(4, 10, None)
    _expect_partition(what, batches, 4, 10)

    rng = np.random.default_rng(0)
    what, first = _batches(100, 32, rng)
    _expect_partition(what, first, 100, 32)
    order = np.concatenate(first)
    expect(not np.array_equal(order, np.arange(100)),
           f"{what} kept the indices in order; with a generator, shuffle them (rng.permutation(n)).")
    _, second = _batches(100, 32, rng)
    expect(not np.array_equal(np.concatenate(second), order),
           f"two calls of {what} with the same generator gave the same order: draw a new "
           "permutation from rng on every call, so that every epoch is shuffled differently.")
    _, again = _batches(100, 32, np.random.default_rng(0))
    expect(np.array_equal(np.concatenate(again), order),
           f"{what} gave different batches for two generators with the same seed: shuffle with "
           "the rng you are given, not with np.random.")
