"""Checks of chapter 6, parameter updates: minibatches (6.1), SGD (6.2), momentum (6.3), AdaGrad
(6.4), RMSProp (6.5), Adam (6.6).

The optimizers are run for a few steps on a small problem and compared with the update rules
written out here, step by step; the usual wrong versions of each rule are worked out the same
way, so that a wrong answer can be told which mistake it shows.
"""

import inspect

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, expect, expect_close, show
from scratchdl.optimizers import SGD, AdaGrad, Adam, Momentum, RMSProp
from scratchdl.training import minibatches


# --- 6.1 minibatches ----------------------------------------------------------------------------


def _minibatches_hint(error):
    text = str(error)
    if "NoneType" in text:
        return ("rng.shuffle(a) shuffles a in place and returns None. Use order = "
                "rng.permutation(n), or shuffle an array and keep that array.")
    if "equal division" in text:
        return ("np.split needs n to divide evenly into the pieces; the last batch may be smaller. "
                "Slice the order instead: order[i:i + batch_size] for i in range(0, n, batch_size).")
    return ""


def _batches(n, batch_size, rng):
    what = f"minibatches(n={n}, batch_size={batch_size}, rng={'a generator' if rng is not None else None})"
    got = call(what, minibatches, n, batch_size, rng, error_hint=_minibatches_hint)
    expect(got is not None, f"{what} returned None; return a list of index arrays.")
    expect(not inspect.isgenerator(got),
           f"{what} returned a generator, not the list the docstring asks for.\n  Likely mistake: "
           "yield makes a generator, which has no len() and can be walked only once. Build the list "
           "and return it: [order[i:i + batch_size] for i in range(0, n, batch_size)].")
    expect(isinstance(got, list),
           f"{what} returned {type(got).__name__}; return a list of index arrays, as the docstring says.")
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
    if sizes != expected_sizes and sizes and max(sizes) - min(sizes) <= 1:
        expect(False, f"{what} gave batches of sizes {sizes}; expected {expected_sizes}.\n  Likely "
               "mistake: np.array_split(order, k) cuts the order into k nearly equal parts; here "
               "every batch has batch_size indices but the last. Slice it: order[i:i + batch_size] "
               "for i in range(0, n, batch_size).")
    expect(sizes == expected_sizes,
           f"{what} gave batches of sizes {sizes}; expected {expected_sizes}.")


@check_for(
    "6.1", "training.minibatches",
    hints=(
        "Decide the order of the examples first - as they are, or shuffled when there is a "
        "generator - and then cut that order into pieces.",
        "np.arange(n) gives the order 0..n-1 and rng.permutation(n) a shuffled one (only when rng "
        "is not None). The batches are slices of that array starting at 0, batch_size, 2 * "
        "batch_size, ... (range with a step); the last one may be shorter.",
    ),
)
def check_minibatches():
    """returns a list of index arrays; every index exactly once
    batches of batch_size, and a smaller last one (not dropped)
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
           "permutation from rng on every call, so that every epoch is shuffled differently (a "
           "generator made inside minibatches, np.random.default_rng(seed), starts afresh each time).")
    _, again = _batches(100, 32, np.random.default_rng(0))
    expect(np.array_equal(np.concatenate(again), order),
           f"{what} gave different batches for two generators with the same seed: shuffle with "
           "the rng you are given, not with np.random.")


# --- running an optimizer -----------------------------------------------------------------------


def _problem(scale=1.0, seed=4):
    """Two parameters (a (2, 3) matrix and a (3,) vector) and gradients for three steps."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(2, 3)), rng.normal(size=3)]
    steps = [[scale * rng.normal(size=(2, 3)), scale * rng.normal(size=3)] for _ in range(3)]
    return params, steps


def _state_hint(error):
    if "broadcast" in str(error):
        return ("a state array (a velocity, s, m or v) of another shape than its parameter: each "
                "parameter needs its own, np.zeros_like(p), kept under its position i (one array "
                "shared by every parameter cannot fit them all).")
    return ""


def _take_steps(optimizer, params, steps, name, error_hint=_state_hint, why_still=None, setting=""):
    """Run optimizer.step for each list of gradients; return copies of the parameters after each.

    Checks on the way that the gradients are left alone, that the parameter arrays themselves
    change (not new arrays put into the list), and that every parameter moves at the first
    step; why_still(optimizer) can say why none moved, when the optimizer's state shows it.
    `setting` (", gradients near 1e-4") says what is special about these steps.
    """
    arrays = list(params)
    after, still = [], None
    for k, grads in enumerate(steps, start=1):
        before = [p.copy() for p in arrays]
        given, given_grads = list(arrays), [g.copy() for g in grads]
        call(f"{name}.step (step {k}{setting})", optimizer.step, given, given_grads,
             numeric_hint=error_hint, error_hint=error_hint)
        unchanged = [np.array_equal(a, b) for a, b in zip(arrays, before)]
        if not all(np.array_equal(a, b) for a, b in zip(given_grads, grads)):
            expect(not all(unchanged),
                   f"{name}.step changed the gradients and left the parameters alone.\n  Likely "
                   "mistake: zip(params, grads) gives (p, g) in that order - `for g, p in zip(params, "
                   "grads)` updates the gradients.")
            expect(False, f"{name}.step changed the gradient arrays it was given.\n  Likely mistake: "
                   "g *= ... (or g -= ...) writes into the layers' gradients, which are read again "
                   "after the step (logging, clipping); compute learning_rate * g as a new array.")
        if k == 1:
            if all(unchanged) and any(a is not b for a, b in zip(given, arrays)):
                expect(False, f"after {name}.step the layers' parameter arrays are unchanged: new "
                       "arrays were put into the list.\n  Likely mistake: params[i] = params[i] - ... "
                       "replaces the list's entry, and the layers keep the old array. Change the "
                       "array itself: params[i] -= ...")
            # The optimizer's state may say why nothing moved; the second step confirms it (the
            # parameters move then), or shows the arrays are never changed at all.
            still = why_still(optimizer) if why_still and all(unchanged) and len(steps) > 1 else None
            expect(still or not all(unchanged), _NEVER_CHANGED.format(name=name))
            expect(still or not any(unchanged),
                   f"{name}.step changed only some of the parameters; update every one in the list.")
        if k == 2 and still:
            moved = not all(np.array_equal(a, b) for a, b in zip(arrays, before))
            expect(moved, _NEVER_CHANGED.format(name=name))
            expect(False, f"after {name}.step (step 1) the parameters were unchanged; they moved "
                   f"only at step 2.\n  Likely mistake: {still}")
        after.append([p.copy() for p in arrays])
    return after


_NEVER_CHANGED = ("after {name}.step the parameter arrays are unchanged. Update them in place "
                  "(p -= ...): `p = p - ...` makes a new array that is thrown away, and the "
                  "network would never learn.")


def _step_factor(moved, g):
    """c if moved == c * g for one number c (a learning rate of the learner's own), else None."""
    c = float(np.sum(moved * g) / np.sum(g * g))
    return c if np.allclose(moved, c * g, rtol=1e-6, atol=1e-12) else None


# --- 6.2 SGD ------------------------------------------------------------------------------------


@check_for(
    "6.2", "optimizers.SGD.step",
    hints=(
        "The layers hold the very arrays that are in params: the step has to change those arrays, "
        "not make new ones.",
        "Change each array in place: p -= learning_rate * g changes the array the layer holds; p = "
        "p - ... only rebinds a name.",
    ),
)
def check_sgd():
    """p <- p - learning_rate * g for every parameter, in place
    uses the optimizer's learning_rate (checked with 0.5 and 0.1); leaves the gradients unchanged"""
    for rate in (0.5, 0.1):
        params, steps = _problem()
        start = [p.copy() for p in params]
        after = _take_steps(SGD(rate), params, steps[:1], f"SGD(learning_rate={rate})")[0]
        for name, p0, g, p1 in zip(("the matrix", "the vector"), start, steps[0], after):
            mistakes = [
                Mistake(p0 + rate * g, "wrong sign: step against the gradient, p - learning_rate * g."),
                Mistake(p0 - g, "the learning rate is missing: p - learning_rate * g."),
                Mistake(p0 - g / rate, "g was divided by the learning rate; multiply: p - learning_rate * g."),
            ]
            c = _step_factor(p0 - p1, g)
            if c is not None:
                mistakes.append(Mistake(p1, f"every step was {c:.3g} * g, though learning_rate is "
                                        f"{rate}: is a number of your own in place of "
                                        "self.learning_rate? The step is self.learning_rate * g."))
            expect_close(p1, p0 - rate * g, f"SGD(learning_rate={rate}).step: {name} after one step",
                         mistakes=mistakes)


# --- 6.3 momentum -------------------------------------------------------------------------------


def _momentum_steps(params, steps, rate, mu, form="right"):
    """Momentum worked out step by step; the other forms give the usual wrong answers."""
    p = [x.copy() for x in params]
    v = [np.zeros_like(x) for x in params]
    history = []
    for grads in steps:
        for i, g in enumerate(grads):
            if form == "plain sgd":
                p[i] = p[i] - rate * g
                continue
            if form == "uphill":
                v[i] = mu * v[i] + rate * g
            elif form == "average":  # v <- mu v + (1 - mu) g, p <- p - rate v
                v[i] = mu * v[i] - (1 - mu) * g
            else:
                v[i] = mu * v[i] - rate * g
            p[i] = p[i] + (rate * v[i] if form == "average" else v[i])
        history.append([x.copy() for x in p])
    return history


def _momentum_why_still(optimizer):
    velocities = getattr(optimizer, "velocities", {})
    if isinstance(velocities, dict) and any(np.any(np.asarray(v) != 0) for v in velocities.values()):
        return ("p += v came before the velocity was updated: at step 1 v is still zero, so "
                "nothing moved (and every later step uses the step before's velocity). Update v "
                "first, v = momentum * v - learning_rate * g, then p += v.")
    return None


@check_for(
    "6.3", "optimizers.Momentum.step",
    hints=(
        "Something has to last from one call of step to the next, for each parameter separately. "
        "Where can it live, and what comes first in a step: the velocity or the parameter?",
        "enumerate the zipped pairs to get each parameter's position i, and fetch its velocity with "
        "setdefault(i, np.zeros_like(p)) on self.velocities. The update is v = momentum * v - "
        "learning_rate * g, then p = p + v, both done in place (*=, -=, +=) so that the stored "
        "arrays change.",
    ),
)
def check_momentum():
    """v <- momentum * v - learning_rate * g; p <- p + v, over three steps, in place
    one velocity per parameter, starting at zero, kept from step to step
    uses the optimizer's learning_rate and momentum (0.05 and 0.7); leaves the gradients unchanged"""
    rate, mu = 0.05, 0.7  # not the defaults, so that numbers of the learner's own show
    params, steps = _problem()
    right = _momentum_steps(params, steps, rate, mu)
    wrong = {form: _momentum_steps(params, steps, rate, mu, form) for form in ("plain sgd", "uphill", "average")}
    fixed_mu = _momentum_steps(params, steps, rate, 0.9)
    fixed_rate = _momentum_steps(params, steps, 0.01, mu)
    name = f"Momentum(learning_rate={rate}, momentum={mu})"
    after = _take_steps(Momentum(rate, mu), params, steps, name, why_still=_momentum_why_still)
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i], right[k][i], f"Momentum.step: {part} after step {k + 1}", mistakes=[
                Mistake(wrong["plain sgd"][k][i], "the velocity is not kept between steps (this is "
                        "plain SGD). Keep one per parameter in self.velocities and change that array "
                        "in place (v *= momentum; v -= ...): v = momentum * v - ... makes a new array, "
                        "and the stored one stays zero."),
                Mistake(wrong["uphill"][k][i], "wrong sign: the velocity subtracts the gradient, "
                        "v = momentum * v - learning_rate * g, and then p += v."),
                Mistake(wrong["average"][k][i], "that is the averaging form, v = momentum * v + (1 - "
                        "momentum) * g with p -= learning_rate * v; this course's momentum has no (1 - "
                        "momentum) factor: v = momentum * v - learning_rate * g, then p += v."),
                Mistake(fixed_mu[k][i], f"the momentum 0.9 is fixed in your code; use "
                        f"self.momentum (here {mu})."),
                Mistake(fixed_rate[k][i], f"the learning rate 0.01 is fixed in your code; use "
                        f"self.learning_rate (here {rate})."),
            ])


# --- 6.4 AdaGrad and 6.5 RMSProp: a step size per entry ------------------------------------------


def _scaled_steps(params, steps, rate, eps, rho=None, form="right"):
    """AdaGrad (rho None) or RMSProp (rho given) worked out step by step; the other forms give the
    usual wrong answers. s is AdaGrad's sum of g**2, RMSProp's running average of it."""
    p = [x.copy() for x in params]
    s = [np.zeros_like(x) for x in params]
    history = []
    for t, grads in enumerate(steps, start=1):
        for i, g in enumerate(grads):
            old = s[i]
            if form == "not stored":
                old = np.zeros_like(g)
            square = np.sum(g**2) if form == "one number" else g**2
            if rho is None or form == "adagrad sum":
                s[i] = old + square
            elif form == "no forgetting":  # AdaGrad's sum, v += (1 - rho) * g**2
                s[i] = old + (1 - rho) * square
            elif form == "decay swapped":
                s[i] = rho * square + (1 - rho) * old
            elif form == "no (1 - rho)":
                s[i] = rho * old + square
            elif form == "fixed rho":
                s[i] = 0.9 * old + 0.1 * square
            else:
                s[i] = rho * old + (1 - rho) * square
            used = old if form == "after the step" else s[i]
            if form == "bias corrected":
                used = used / (1 - rho**t)
            if form == "no sqrt":
                scale = used + eps
            elif form == "eps inside":
                scale = np.sqrt(used + eps)
            else:
                scale = np.sqrt(used) + eps
            p[i] = p[i] + (1 if form == "uphill" else -1) * rate * g / scale
        history.append([x.copy() for x in p])
    return history


ADAGRAD_MISTAKES = {
    "no sqrt": "the square root is missing: divide by sqrt(s) + eps, not by s (s holds squared "
               "gradients, its root is of the gradient's own size).",
    "not stored": "s is not kept between steps (each step starts again from zeros, so this is "
                  "g / |g|): change the array stored in self.s[i] in place (s += g**2); s = s + "
                  "g**2 only makes a new array.",
    "after the step": "s += g**2 came after the step: at the first step s was still 0 and g was "
                      "divided by eps. Add this step's g**2 first, then divide by sqrt(s) + eps.",
    "one number": "s must be one number per entry of p, s += g**2: np.sum(g**2) (or np.mean) adds "
                  "one number for the whole array, and every entry gets the same step size.",
    "uphill": "wrong sign: AdaGrad steps against the gradient, p -= learning_rate * g / (sqrt(s) + eps).",
}

RMSPROP_MISTAKES = {
    "no sqrt": "the square root is missing: divide by sqrt(v) + eps, not by v (v averages squared "
               "gradients, its root is of the gradient's own size).",
    "not stored": "v is not kept between steps (each step starts again from zeros): change the "
                  "array stored in self.v[i] in place (v *= rho; v += ...); v = rho * v + ... only "
                  "makes a new array.",
    "after the step": "v was updated after the step: at the first step v was still 0 and g was "
                      "divided by eps. Update v first, then divide by sqrt(v) + eps.",
    "no forgetting": "v never forgets: v += (1 - rho) * g**2 is a sum, as in AdaGrad. Keep a "
                     "fraction rho of the old v: v = rho * v + (1 - rho) * g**2.",
    "adagrad sum": "v += g**2 is AdaGrad's sum (6.4), which never forgets: RMSProp keeps a "
                   "fraction rho of the old v and lets in (1 - rho) of the new g**2: v = rho * v + "
                   "(1 - rho) * g**2.",
    "decay swapped": "rho and 1 - rho are swapped: rho multiplies the old v (what is kept), 1 - "
                     "rho the new g**2: v = rho * v + (1 - rho) * g**2.",
    "no (1 - rho)": "the new g**2 lacks its (1 - rho) factor: v = rho * v + (1 - rho) * g**2, an "
                    "average, not rho * v + g**2.",
    "bias corrected": "RMSProp has no bias correction: divide by sqrt(v) + eps itself, not by "
                      "v / (1 - rho**t). (The correction is Adam's, exercise 6.6.)",
    "one number": "v must be one number per entry of p, v = rho * v + (1 - rho) * g**2: "
                  "np.sum(g**2) (or np.mean) gives one number for the whole array, and every entry "
                  "gets the same step size.",
    "uphill": "wrong sign: RMSProp steps against the gradient, p -= learning_rate * g / (sqrt(v) + eps).",
}


def _scaled_hint(error, name):
    if "invalid value" in str(error) and "sqrt" in str(error):
        return (f"{name} went negative, and its square root is not a number: it adds squared "
                f"gradients, g**2 (not g), so it never is.")
    if "invalid value" in str(error) and "divide" in str(error):
        return (f"0 / 0 where a gradient is 0 (so {name} is 0): eps keeps the division safe, "
                f"g / (sqrt({name}) + eps).")
    if "divide by zero" in str(error):
        return f"a division by 0 where {name} is 0: add eps to the square root, sqrt({name}) + eps."
    return _state_hint(error)


def _flat(history):
    """The arrays of a history (a list, per step, of lists of arrays), one after the other."""
    return [array for arrays in history for array in arrays]


def _expect_scaled(optimizer, name, rate, eps, rho=None, mistakes=()):
    """The four experiments that AdaGrad's and RMSProp's checks share."""
    what = "s" if rho is None else "v"
    hint = lambda error: _scaled_hint(error, what)  # noqa: E731

    def run(params, steps, setting=""):
        return _take_steps(optimizer(), params, steps, name, error_hint=hint, setting=setting)

    # Gradients between 0.5 and 2 in size, of random signs.
    params, steps = _adam_problem(1.0, seed=4)
    right = _scaled_steps(params, steps, rate, eps, rho)
    wrong = {form: _scaled_steps(params, steps, rate, eps, rho, form) for form in mistakes}
    if rho is not None:
        wrong["fixed rho"] = _scaled_steps(params, steps, rate, eps, rho, "fixed rho")
    texts = dict(mistakes, **({"fixed rho": f"the 0.9 is fixed in your code; use self.rho (here {rho})."}
                              if rho is not None else {}))
    after = run(params, steps)
    # A wrong answer is named by the mistake that gives all three steps: some agree at the first
    # (every step that divides g by the root of g**2 alone is learning_rate * sign(g)).
    shown = [text for form, text in texts.items()
             if all(np.allclose(a, w, rtol=1e-4, atol=1e-9) for a, w in zip(_flat(after), _flat(wrong[form])))]
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i], right[k][i], f"{name}.step: {part} after step {k + 1}", rtol=1e-6,
                         atol=1e-7, mistakes=[Mistake(after[k][i], text) for text in shown[:1]])

    # Gradients of 1e-4 to 2e-4: there sqrt(s) is as small as sqrt(eps), and eps inside the root
    # changes every step by 12% to 40% (sqrt(1e-8 + 1e-8) = 1.4e-4 against 1e-4).
    params, steps = _adam_problem(1e-4, seed=5, steady=True, smallest=1.0)
    start = [p.copy() for p in params]
    right = _scaled_steps(params, steps, rate, eps, rho)
    inside = _scaled_steps(params, steps, rate, eps, rho, "eps inside")
    after = run(params, steps, ", gradients near 1e-4")
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i] - start[i], right[k][i] - start[i],
                         f"{name}.step, gradients near 1e-4: how far {part} moved in {k + 1} step(s)",
                         rtol=1e-3, atol=1e-6 * rate, mistakes=[
                             Mistake(inside[k][i] - start[i], f"eps goes outside the square root: "
                                     f"sqrt({what}) + eps, as in Adam.")])

    # A gradient that is always 0 leaves its entry where it is: 0 / (0 + eps), never 0 / 0.
    params, steps = _adam_problem(1.0, seed=6, zero=True)
    right = _scaled_steps(params, steps, rate, eps, rho)
    after = run(params, steps, ", some gradients exactly 0")
    for i, part in enumerate(("the matrix", "the vector")):
        expect_close(after[-1][i], right[-1][i], f"{name}.step, some gradients 0: {part} after 3 steps",
                     rtol=1e-6, atol=1e-7)


@check_for(
    "6.4", "optimizers.AdaGrad.step",
    hints=(
        "Every entry of every parameter gets a step size of its own, from the sum of its squared "
        "gradients so far. What must last from one call of step to the next, and does this step's "
        "gradient count before you divide?",
        "Get the sum with s = self.s.setdefault(i, np.zeros_like(p)) (like Momentum's velocities), "
        "then s += g**2 and p -= learning_rate * g / (np.sqrt(s) + eps), both in place.",
    ),
)
def check_adagrad():
    """s <- s + g**2 (first); p <- p - learning_rate * g / (sqrt(s) + eps), over three steps, in place
    one s per parameter and per entry, starting at zero, kept from step to step (so the steps only shrink)
    eps added outside the square root (told apart with gradients near 1e-4); a zero gradient gives no 0 / 0
    uses the optimizer's learning_rate (0.05); leaves the gradients unchanged"""
    rate, eps = 0.05, 1e-8
    _expect_scaled(lambda: AdaGrad(rate, eps), f"AdaGrad(learning_rate={rate})", rate, eps,
                   mistakes=ADAGRAD_MISTAKES)
    # A steady gradient: s after k steps is k * g**2, so the k-th step is learning_rate / sqrt(k).
    params = [np.array([1.0, -2.0, 3.0])]
    g = np.array([0.5, -4.0, 2.0])
    optimizer = AdaGrad(1.0, eps)
    moves = []
    for k in range(1, 5):
        before = params[0].copy()
        call(f"AdaGrad(learning_rate=1.0).step (the same gradient, step {k})", optimizer.step, params, [g.copy()],
             error_hint=lambda error: _scaled_hint(error, "s"))
        moves.append(before - params[0])
    for k, move in enumerate(moves, start=1):
        expect_close(move, np.sign(g) / np.sqrt(k),
                     f"AdaGrad(learning_rate=1.0), the same gradient {show(g)} every step: the move at step {k}",
                     rtol=1e-6, atol=1e-7)


@check_for(
    "6.5", "optimizers.RMSProp.step",
    hints=(
        "Like AdaGrad, but the record of squared gradients fades: each step keeps a fraction rho "
        "of the old record and lets in a little of the new g**2.",
        "v = self.v.setdefault(i, np.zeros_like(p)); v *= rho; v += (1 - rho) * g**2; then p -= "
        "learning_rate * g / (np.sqrt(v) + eps). No bias correction (that is Adam's).",
    ),
)
def check_rmsprop():
    """v <- rho * v + (1 - rho) * g**2 (first); p <- p - learning_rate * g / (sqrt(v) + eps), in place
    one v per parameter and per entry, starting at zero, kept from step to step; no bias correction
    eps added outside the square root (told apart with gradients near 1e-4); a zero gradient gives no 0 / 0
    uses the optimizer's learning_rate and rho (0.01 and 0.8); leaves the gradients unchanged"""
    rate, rho, eps = 0.01, 0.8, 1e-8
    _expect_scaled(lambda: RMSProp(rate, rho, eps), f"RMSProp(learning_rate={rate}, rho={rho})", rate, eps, rho,
                   mistakes=RMSPROP_MISTAKES)


# --- 6.6 Adam -----------------------------------------------------------------------------------


def _adam_reference_steps(params, steps, rate, b1, b2, eps, form="right"):
    """Adam worked out step by step; the other forms give the usual wrong answers."""
    p = [x.copy() for x in params]
    m = [np.zeros_like(x) for x in params]
    v = [np.zeros_like(x) for x in params]
    history = []
    for t, grads in enumerate(steps, start=1):
        for i, g in enumerate(grads):
            if form == "not stored":
                m[i], v[i] = np.zeros_like(g), np.zeros_like(g)
            m[i] = b1 * m[i] + (g if form == "no (1 - beta)" else (1 - b1) * g)
            v[i] = b2 * v[i] + (g**2 if form == "no (1 - beta)" else (1 - b2) * g**2)
            if form == "no correction":
                m_hat, v_hat = m[i], v[i]
            elif form == "power misplaced":
                m_hat, v_hat = m[i] / (1 - b1) ** t, v[i] / (1 - b2) ** t
            else:
                m_hat, v_hat = m[i] / (1 - b1**t), v[i] / (1 - b2**t)
            root = np.sqrt(v_hat + eps) if form == "eps inside" else np.sqrt(v_hat) + eps
            p[i] = p[i] + (1 if form == "uphill" else -1) * rate * m_hat / root
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


ADAM_MISTAKES = {
    "no correction": "the bias correction is missing: m_hat = m / (1 - beta1**t), v_hat = v / (1 - beta2**t).",
    "t per parameter": "t must grow once per step, not once per parameter: increase self.t before "
                       "the loop over parameters.",
    "uphill": "wrong sign: Adam steps against the gradient, p -= learning_rate * m_hat / (sqrt(v_hat) + eps).",
    "power misplaced": "the bias correction divides by 1 - beta1**t (one minus beta to the power t), "
                       "not by (1 - beta1)**t: mind the parentheses.",
    "no (1 - beta)": "the running averages lack their (1 - beta) factors: m = beta1 * m + (1 - beta1) "
                     "* g and v = beta2 * v + (1 - beta2) * g**2.",
    "not stored": "m and v are not kept between steps (each step starts again from zeros): change "
                  "the arrays stored in self.m[i] and self.v[i] in place (m *= beta1; m += ...), "
                  "or store the new ones back; m = beta1 * m + ... only makes a new array.",
}


def _adam_hint(error):
    if isinstance(error, ZeroDivisionError) or "divide by zero" in str(error):
        return ("1 - beta1**t is 0 while t is 0: increase self.t (self.t += 1) at the start of "
                "step, before the bias corrections.")
    if "invalid value" in str(error) and "sqrt" in str(error):
        return ("v went negative, and its square root is not a number: v = beta2 * v + (1 - "
                "beta2) * g**2 adds squares, so it never is.")
    if "invalid value" in str(error) and "divide" in str(error):
        return ("0 / 0 where a gradient is 0 (so m and v are 0): eps keeps the division safe, "
                "m_hat / (sqrt(v_hat) + eps).")
    return _state_hint(error)


def _adam_problem(magnitude, seed, zero=False, steady=False, smallest=0.5):
    """Gradients with random signs and sizes between `smallest` and 2 times `magnitude` (never near 0,
    where eps would decide the step); with zero=True the first entry of each is exactly 0; with
    steady=True each entry keeps its sign, so that the steps add up and never cancel."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(2, 3)), rng.normal(size=3)]
    signs = [rng.choice([-1.0, 1.0], size=p.shape) for p in params]

    def gradient(i):
        sign = signs[i] if steady else rng.choice([-1.0, 1.0], size=params[i].shape)
        g = magnitude * sign * rng.uniform(smallest, 2.0, size=params[i].shape)
        if zero:
            g.flat[0] = 0.0
        return g

    return params, [[gradient(0), gradient(1)] for _ in range(3)]


@check_for(
    "6.6", "optimizers.Adam.step",
    hints=(
        "Adam is RMSProp's running average of g**2 (with beta2 for rho) plus a running average of "
        "g itself (momentum), both corrected for starting at 0. What must last from one call of "
        "step to the next, and what counts the steps?",
        "The formulas: m <- beta1 * m + (1 - beta1) * g and v <- beta2 * v + (1 - beta2) * g**2; "
        "m_hat = m / (1 - beta1**t) and v_hat = v / (1 - beta2**t); p <- p - learning_rate * m_hat "
        "/ (sqrt(v_hat) + eps). Get m and v with setdefault(i, np.zeros_like(p)) like Momentum's "
        "velocities, update m, v and p in place, and take the hyperparameters from self.",
    ),
)
def check_adam():
    """Adam's update over three steps, with bias correction, in place
    t counts steps (not parameters); one m and one v per parameter, kept from step to step
    eps added outside the square root (the paper's "efficient" form, eps added to sqrt(v) with
    the corrections folded into the step size, is accepted too: it differs by 0.3% at most, and
    only where gradients are as small as eps's square root); a zero gradient gives no 0 / 0"""
    rate, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    params, steps = _adam_problem(1.0, seed=4)
    right = _adam_reference_steps(params, steps, rate, b1, b2, eps)
    wrong = {form: _adam_reference_steps(params, steps, rate, b1, b2, eps, form)
             for form in ADAM_MISTAKES if form != "t per parameter"}
    wrong["t per parameter"] = _adam_t_per_parameter(params, steps, rate, b1, b2, eps)
    name = "Adam(learning_rate=0.01)"
    after = _take_steps(Adam(rate, b1, b2, eps), params, steps, name, error_hint=_adam_hint)
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            # atol 1e-7: the paper's "efficient" form differs by eps-sized amounts (below 1e-8) only.
            expect_close(after[k][i], right[k][i], f"Adam.step: {part} after step {k + 1}", rtol=1e-6, atol=1e-7,
                         mistakes=[Mistake(wrong[form][k][i], text) for form, text in ADAM_MISTAKES.items()])

    # Gradients of 1e-4 to 2e-4 make sqrt(v_hat) as small, where eps inside the root changes every
    # step by 12% to 40% (sqrt(v_hat + eps) = 1.4e-4 for v_hat = 1e-8); the efficient form (eps
    # added to sqrt(v), which is eps / sqrt(1 - beta2**t) added to sqrt(v_hat)) by 0.3% at most.
    params, steps = _adam_problem(1e-4, seed=5, steady=True, smallest=1.0)
    start = [p.copy() for p in params]
    right = _adam_reference_steps(params, steps, rate, b1, b2, eps)
    eps_inside = _adam_reference_steps(params, steps, rate, b1, b2, eps, "eps inside")
    after = _take_steps(Adam(rate, b1, b2, eps), params, steps, name, error_hint=_adam_hint,
                        setting=", gradients near 1e-4")
    for k in range(len(steps)):
        for i, part in enumerate(("the matrix", "the vector")):
            expect_close(after[k][i] - start[i], right[k][i] - start[i],
                         f"Adam.step, gradients near 1e-4: how far {part} moved in {k + 1} step(s)",
                         rtol=3e-2, atol=1e-6 * rate, mistakes=[
                             Mistake(eps_inside[k][i] - start[i], "eps goes outside the square root: "
                                     "sqrt(v_hat) + eps.")])

    params, steps = _adam_problem(1.0, seed=6, zero=True)
    right = _adam_reference_steps(params, steps, rate, b1, b2, eps)
    after = _take_steps(Adam(rate, b1, b2, eps), params, steps, name, error_hint=_adam_hint,
                        setting=", some gradients exactly 0")
    for i, part in enumerate(("the matrix", "the vector")):
        expect_close(after[-1][i], right[-1][i], f"Adam.step, some gradients 0: {part} after 3 steps",
                     rtol=1e-6, atol=1e-7)
