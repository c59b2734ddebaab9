"""Checks for scratchdl/optimizers.py: SGD (6.2), momentum (6.3), Adam (6.4).

Each check takes a few steps on two parameters of different shapes with known gradients and
compares with the update rule worked out here, step by step. The parameter arrays must change
in place: the network holds those very arrays.
"""

import numpy as np

from scratchdl.checks import check_for
from scratchdl.checks.expect import Mistake, call, expect, expect_close
from scratchdl.optimizers import SGD, Adam, Momentum


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
    "6.2",
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
    "6.3",
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
    "6.4",
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
