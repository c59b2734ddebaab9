"""Checks of chapter 6, parameter updates: minibatches (6.1), SGD (6.2), momentum (6.3), Adam (6.4).

The optimizers are run for a few steps on a small problem and compared with the update rules
written out here, step by step.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, expect, expect_close, show
from scratchdl.optimizers import SGD, Adam, Momentum
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
    "6.1", "training.minibatches",
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


def _problem(scale=1.0, seed=4):
    """Two parameters (a (2, 3) matrix and a (3,) vector) and gradients for three steps."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(2, 3)), rng.normal(size=3)]
    steps = [[scale * rng.normal(size=(2, 3)), scale * rng.normal(size=3)] for _ in range(3)]
    return params, steps


def _take_steps(optimizer, params, steps, name):
    """Run optimizer.step for each list of gradients; return copies of the parameters after each."""
    arrays = list(params)
    after = []
    for k, grads in enumerate(steps, start=1):
        before = [p.copy() for p in arrays]
        call(f"{name}.step (step {k})", optimizer.step, list(arrays), [g.copy() for g in grads])
        if k == 1:
            unchanged = [np.array_equal(a, b) for a, b in zip(arrays, before)]
            expect(not all(unchanged),
                   f"after {name}.step the parameter arrays are unchanged. Update them in place "
                   "(p -= ...): `p = p - ...` makes a new array that is thrown away, and the "
                   "network would never learn.")
            expect(not any(unchanged),
                   f"{name}.step changed only some of the parameters; update every one in the list.")
        after.append([p.copy() for p in arrays])
    return after


@check_for(
    "6.2", "optimizers.SGD.step",
    hints=(
        "Loop over the parameters and their gradients together (zip) and subtract "
        "learning_rate * g from each, in place.",
        "Change each array in place: p -= learning_rate * g changes the array the layer holds; p = "
        "p - ... only rebinds a name.",
    ),
)
def check_sgd():
    """p <- p - learning_rate * g for every parameter, in place
    uses the optimizer's learning_rate (checked with 0.5 and 0.1)"""
    for rate in (0.5, 0.1):
        params, steps = _problem()
        start = [p.copy() for p in params]
        after = _take_steps(SGD(rate), params, steps[:1], f"SGD(learning_rate={rate})")[0]
        for name, p0, g, p1 in zip(("the matrix", "the vector"), start, steps[0], after):
            expect_close(p1, p0 - rate * g, f"SGD(learning_rate={rate}).step: {name} after one step", mistakes=[
                Mistake(p0 + rate * g, "wrong sign: step against the gradient, p - learning_rate * g."),
                Mistake(p0 - g, "the learning rate is missing: p - learning_rate * g."),
                Mistake(p0 - 0.01 * g, "use self.learning_rate, not a fixed 0.01."),
            ])


@check_for(
    "6.3", "optimizers.Momentum.step",
    hints=(
        "Keep one velocity array per parameter, starting at zeros, in self.velocities (keyed by "
        "the parameter's position). Every step: scale the velocity by momentum, subtract "
        "learning_rate * g, then add the velocity to the parameter - all in place.",
        "enumerate the zipped pairs to get each parameter's position i, and fetch its velocity with "
        "setdefault(i, np.zeros_like(p)) on self.velocities. The update is v = momentum * v - "
        "learning_rate * g, then p = p + v, both done in place (*=, -=, +=) so that the stored "
        "arrays change.",
    ),
)
def check_momentum():
    """v <- momentum * v - learning_rate * g; p <- p + v, over three steps, in place
    one velocity per parameter, starting at zero, kept from step to step"""
    rate, mu = 0.1, 0.9
    params, steps = _problem()
    p = [x.copy() for x in params]
    v = [np.zeros_like(x) for x in params]
    sgd = [x.copy() for x in params]
    after = _take_steps(Momentum(rate, mu), params, steps, "Momentum(learning_rate=0.1, momentum=0.9)")
    for k, grads in enumerate(steps, start=1):
        for i, g in enumerate(grads):
            v[i] = mu * v[i] - rate * g
            p[i] = p[i] + v[i]
            sgd[i] = sgd[i] - rate * g
        for i, name in enumerate(("the matrix", "the vector")):
            expect_close(after[k - 1][i], p[i], f"Momentum.step: {name} after step {k}", mistakes=[
                Mistake(sgd[i], "the velocity is not kept between steps (this is plain SGD): store "
                        "one velocity per parameter in self.velocities and update it in place."),
            ])


def _adam_reference_steps(params, steps, rate, b1, b2, eps, bias_correction=True, eps_inside=False):
    """Adam worked out step by step; variants give the usual wrong answers."""
    p = [x.copy() for x in params]
    m = [np.zeros_like(x) for x in params]
    v = [np.zeros_like(x) for x in params]
    history = []
    for t, grads in enumerate(steps, start=1):
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            m_hat = m[i] / (1 - b1**t) if bias_correction else m[i]
            v_hat = v[i] / (1 - b2**t) if bias_correction else v[i]
            p[i] = p[i] - rate * m_hat / (np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps)
        history.append([x.copy() for x in p])
    return history


def _adam_t_per_parameter(params, steps, rate, b1, b2, eps):
    """The mistake of counting t once per parameter instead of once per step."""
    p = [x.copy() for x in params]
    m = [np.zeros_like(x) for x in params]
    v = [np.zeros_like(x) for x in params]
    t, history = 0, []
    for grads in steps:
        for i, g in enumerate(grads):
            t += 1
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g**2
            p[i] = p[i] - rate * (m[i] / (1 - b1**t)) / (np.sqrt(v[i] / (1 - b2**t)) + eps)
        history.append([x.copy() for x in p])
    return history


@check_for(
    "6.4", "optimizers.Adam.step",
    hints=(
        "Increase self.t once per call, before the loop. For each parameter (by position i), keep "
        "m and v in self.m[i] and self.v[i], starting at zeros; update them, correct their bias "
        "with 1 - beta**t, and step - all in place.",
        "The formulas: m <- beta1 * m + (1 - beta1) * g and v <- beta2 * v + (1 - beta2) * g**2; "
        "m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t); p <- p - learning_rate * m_hat "
        "/ (sqrt(v_hat) + eps). Get m and v with setdefault(i, np.zeros_like(p)) like Momentum's "
        "velocities, update m, v and p in place, and take the hyperparameters from self.",
    ),
)
def check_adam():
    """Adam's update over three steps, with bias correction, in place
    t counts steps (not parameters); eps is added outside the square root
    one m and one v per parameter, kept from step to step"""
    rate, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    # Small gradients (about 1e-4) make v about 1e-8: then eps inside or outside the root differ.
    params, steps = _problem(scale=1e-4)
    right = _adam_reference_steps(params, steps, rate, b1, b2, eps)
    no_correction = _adam_reference_steps(params, steps, rate, b1, b2, eps, bias_correction=False)
    eps_inside = _adam_reference_steps(params, steps, rate, b1, b2, eps, eps_inside=True)
    t_per_parameter = _adam_t_per_parameter(params, steps, rate, b1, b2, eps)
    after = _take_steps(Adam(rate, b1, b2, eps), params, steps, "Adam(learning_rate=0.01)")
    for k in range(len(steps)):
        for i, name in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i], right[k][i], f"Adam.step: {name} after step {k + 1}", rtol=1e-6, atol=1e-10, mistakes=[
                Mistake(no_correction[k][i], "the bias correction is missing: m_hat = m / (1 - beta1**t), "
                        "v_hat = v / (1 - beta2**t)."),
                Mistake(eps_inside[k][i], "eps goes outside the square root: sqrt(v_hat) + eps."),
                Mistake(t_per_parameter[k][i], "t must grow once per step, not once per parameter: "
                        "increase self.t before the loop over parameters."),
            ])
