"""Checks of chapter 10, regularisation and normalisation: the L2 term (10.1) and its gradient
(10.2), dropout's forward (10.3) and backward (10.4), batch normalisation's forward (10.5) and
backward (10.6).

Expected values are worked out here from the definitions, and gradients from the checks' own
numerical differences (relative error below 1e-7 in float64). The usual wrong versions are worked
out the same way, so that a failure can name its mistake. Biases, gamma and beta are made
non-zero and the running statistics start away from 0 and 1, so that a term that counts them, or a
momentum the wrong way round, changes the answer.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    Mistake, call, expect, expect_array, expect_close, expect_dtype_kept, expect_same_again, expect_unchanged,
)
from scratchdl.course.numeric import central_differences
from scratchdl.layers import Activation, Dense
from scratchdl.network import Network
from scratchdl.regularization import BatchNorm, Dropout, add_l2_gradients, l2_penalty


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


def _relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def _expect_gradient(got, numeric, what, mistakes=()):
    """got must match the numerical gradient to a relative error below 1e-7 (float64)."""
    expect_array(got, what)
    expect_close(got, numeric, what, mistakes=mistakes, rtol=1e-6, atol=1e-7)
    error = _relative_error(got, numeric)
    expect(error < 1e-7, f"{what}: relative error {error:.1e} from the numerical gradient; it should be below 1e-7.")


# --- 10.1 and 10.2 the L2 term ------------------------------------------------------------------


def _l2_network():
    """Dense(3 → 4), ReLU, BatchNorm(4), Dense(4 → 2), with non-zero biases, gamma and beta."""
    rng = np.random.default_rng(10)
    model = Network([Dense(3, 4, rng), Activation("relu"), BatchNorm(4), Dense(4, 2, rng)])
    for layer in model.layers:
        for name, value in layer.params.items():
            value[...] = _random(value.shape, seed=len(name) + value.size)
    return model


def _weights(model):
    return [layer.params["W"] for layer in model.layers if "W" in layer.params]


@check_for(
    "10.1", "regularization.l2_penalty",
    hints=(
        "The term is one number: add up the squares of every weight of every weight layer, then "
        "scale. Only the weights W count - not the biases, nor batch norm's gamma and beta.",
        "strength / 2 * sum(np.sum(layer.params['W'] ** 2) for layer in weight_layers(model)).",
    ),
)
def check_l2_penalty():
    """strength / 2 times the sum of the squares of every W, as one number
    biases, gamma and beta are not penalised; every weight layer is
    0 for strength 0 and for a network without weights; the weights are left unchanged"""
    model = _l2_network()
    before = [p.copy() for p in model.parameters()]
    strength = 0.3
    what = "l2_penalty(model, 0.3) for Dense(3 → 4), ReLU, BatchNorm(4), Dense(4 → 2)"
    got = call(what, l2_penalty, model, strength)
    for p, q in zip(before, model.parameters()):
        expect_unchanged(p, q, f"{what} (the network's parameters)")
    expect(got is not None, f"{what} returned None; return the value of the term.")
    expect(np.ndim(got) == 0, f"{what} returned an array of shape {np.shape(got)}; return one number, the sum "
           "over every weight layer.\n  Likely mistake: a list or an array of one value per layer or per weight; "
           "add them all up (sum(...) or np.sum(...)).")
    squares = [float(np.sum(W ** 2)) for W in _weights(model)]
    every = sum(float(np.sum(p ** 2)) for p in model.parameters())
    biases = sum(float(np.sum(layer.params["b"] ** 2)) for layer in model.layers if "b" in layer.params)
    right = strength / 2 * sum(squares)
    expect_close(got, right, what, mistakes=[
        Mistake(strength * sum(squares), "the 1/2 is missing: the term is strength / 2 * sum of W ** 2 (the 1/2 "
                "makes its gradient strength * W)."),
        Mistake(strength / 2 * (sum(squares) + biases), "the biases are penalised too: only the weights W count "
                "(layer.params['W']), not layer.params['b']."),
        Mistake(strength / 2 * every, "every parameter is penalised - biases, gamma and beta too: only the weights "
                "W count (weight_layers(model) gives the layers that have one)."),
        Mistake(strength / 2 * squares[0], "only the first weight layer counts: add up the squares of the weights "
                "of EVERY weight layer."),
        Mistake(strength / 2 * squares[-1], "only the last weight layer counts (a sum that is overwritten in the "
                "loop?): add up the squares of the weights of every weight layer."),
        Mistake(strength / 2 * sum(np.sqrt(squares)), "the norms of the weights are added, not their squares: "
                "np.linalg.norm(W) is the square root of sum(W ** 2); the term needs sum(W ** 2) itself."),
        Mistake(strength / 2 * sum(float(np.mean(W ** 2)) for W in _weights(model)), "the squares are averaged "
                "(np.mean) where the term adds them up (np.sum)."),
    ])
    what = "l2_penalty(model, 0.0)"
    expect(abs(float(call(what, l2_penalty, model, 0.0))) == 0, f"{what} should be 0: no strength, no term.")
    bare = Network([Activation("relu")])
    what = "l2_penalty(Network([Activation('relu')]), 0.3), a network without weights"
    got = call(what, l2_penalty, bare, 0.3)
    expect(got is not None and np.ndim(got) == 0 and float(got) == 0,
           f"{what} should be 0.0; got {got!r}.")


@check_for(
    "10.2", "regularization.add_l2_gradients",
    hints=(
        "Differentiate strength / 2 * W ** 2 with respect to W, and add the result to what backward "
        "already put in each weight layer's grads. Nothing else changes.",
        "for layer in weight_layers(model): layer.grads['W'] = layer.grads['W'] + strength * layer.params['W']",
    ),
)
def check_add_l2_gradients():
    """each weight layer's grads["W"] becomes grads["W"] + strength * W (the numerical gradient of the term)
    the biases', gamma's and beta's gradients stay as they were; the weights themselves do not change"""
    model = _l2_network()
    strength = 0.3
    params = {(i, name): p.copy() for i, layer in enumerate(model.layers) for name, p in layer.params.items()}
    for layer in model.layers:
        for name in layer.params:
            layer.grads[name] = _random(layer.params[name].shape, seed=7 + layer.params[name].size)
    grads = {(i, name): g.copy() for i, layer in enumerate(model.layers) for name, g in layer.grads.items()}
    what = "add_l2_gradients(model, 0.3)"
    call(what, add_l2_gradients, model, strength)
    for (i, name), before in grads.items():
        layer = model.layers[i]
        W = params[(i, name)]
        label = f"{what}: layer {i} ({layer!r}) grads['{name}']"
        got = np.asarray(layer.grads[name], dtype=float)
        if name != "W":
            if not np.allclose(got, before):
                which = "biases' gradients" if name == "b" else f"batch norm's {name}'s gradient"
                extra = (" (got grads + strength * b)" if np.allclose(got, before + strength * W) else "")
                expect(False, f"{label} changed{extra}.\n  Likely mistake: the {which} got the L2 term too: only "
                       "the weights W are penalised, so only grads['W'] changes.")
            continue
        if not np.allclose(layer.params["W"], W):
            expect(False, f"{what} changed layer {i}'s weights themselves.\n  Likely mistake: the weights were decayed "
                   "(W -= strength * W, chapter 7's AdamW); here the term's gradient, strength * W, is ADDED to "
                   "grads['W'] and the optimizer does the rest.")
        Ws = W.copy()
        numeric = central_differences(lambda: strength / 2 * float(np.sum(Ws ** 2)), Ws)
        mistakes = [
            Mistake(before, "nothing was added: store the sum back in layer.grads['W'] (g = g + ... only "
                    "rebinds a local name)."),
            Mistake(before + 2 * strength * W, "the factor is 2 * strength: the 1/2 of the term cancels the 2 of "
                    "the square, so the gradient is strength * W."),
            Mistake(before + strength / 2 * W, "the factor is strength / 2: differentiating W ** 2 gives 2 * W, "
                    "which cancels the 1/2 - the gradient is strength * W."),
            Mistake(before - strength * W, "the sign is wrong: the term's gradient strength * W is added "
                    "(the optimizer subtracts it, which shrinks the weights)."),
            Mistake(strength * W, "grads['W'] was replaced by strength * W: ADD it to the data's gradient that "
                    "backward left there."),
            Mistake(before + strength * W * W, "the gradient of strength / 2 * W ** 2 is strength * W, not "
                    "strength * W ** 2."),
        ]
        expect_close(got, before + strength * W, label, mistakes=mistakes)
        _expect_gradient(got - before, numeric, f"{label} minus the data's gradient (the term's gradient)")


# --- 10.3 and 10.4 dropout ----------------------------------------------------------------------

DROP_X = _random((100, 120), seed=20) + 3.0  # no zeros, so a zero in the output means dropped


def _dropout(rate=0.25, seed=1):
    return Dropout(rate, np.random.default_rng(seed))


def _forward(layer, x, what):
    given = x.copy()
    out = call(what, layer.forward, given)
    expect_unchanged(x, given, what)
    expect(out is not None, f"{what} returned None; return the output.")
    expect_array(out, what, x.shape)
    return out


@check_for(
    "10.3", "regularization.Dropout.forward",
    hints=(
        "In training mode, each element survives with probability 1 - rate, independently; the "
        "survivors are scaled up so that the expected output is x. In evaluation mode, nothing happens.",
        "self.rng.random(x.shape) gives one uniform number per element: the element is kept where it "
        "is >= rate. The mask is that comparison turned into x's dtype (.astype) and divided by 1 - rate; "
        "the output is x times the mask. In evaluation mode the mask is all ones (np.ones_like).",
    ),
)
def check_dropout_forward():
    """training: each element 0 with probability rate, else x / (1 - rate); a new mask every call, one per element
    the mask comes from self.rng (the same seed gives the same mask, np.random is not used)
    keeps self.mask = out / x; x unchanged; float32 stays float32
    evaluation: x unchanged and nothing drawn; rate 0 drops nothing"""
    rate, keep = 0.25, 0.75
    layer = _dropout(rate)
    what = "Dropout(0.25).forward(x) in training mode, x of shape (100, 120)"
    out = _forward(layer, DROP_X, what)
    dropped = out == 0
    kept = ~dropped
    if np.allclose(out, DROP_X):
        expect(False, f"{what} returned x unchanged.\n  Likely mistake: nothing was dropped; in training mode "
               "(self.training is True) multiply by a random mask.")
    if np.allclose(out[kept], DROP_X[kept]):
        expect(False, f"{what}: the kept elements equal x.\n  Likely mistake: dropout not rescaled - inverted "
               "dropout divides the kept elements by 1 - rate, so that the expected output stays x.")
    if np.allclose(out[kept], DROP_X[kept] * keep):
        expect(False, f"{what}: the kept elements are x * (1 - rate).\n  Likely mistake: multiplied by the "
               "keep probability; inverted dropout DIVIDES by it: x / (1 - rate).")
    if np.allclose(out[kept], DROP_X[kept] / rate):
        expect(False, f"{what}: the kept elements are x / rate.\n  Likely mistake: scaled by 1 / rate; the "
               "survivors are divided by the probability of KEEPING them, 1 - rate.")
    expect(np.allclose(out[kept], DROP_X[kept] / keep),
           f"{what}: every element should be 0 or x / (1 - rate) = x / 0.75; got others, e.g. x = {DROP_X[kept][0]:.4f} "
           f"gave {out[kept][0]:.4f}.")
    share = float(dropped.mean())
    if abs(share - keep) < 0.03:
        expect(False, f"{what} dropped {share:.1%} of the elements, where rate = 25%.\n  Likely mistake: rate used "
               "as the probability of keeping; it is the probability of DROPPING (keep where rng.random() >= rate).")
    expect(abs(share - rate) < 0.03, f"{what} dropped {share:.1%} of the elements; with rate 0.25 about 25% should be 0.")
    if np.all(dropped == dropped[:1]) or np.all(dropped == dropped[:, :1]):
        expect(False, f"{what}: whole columns (or rows) are dropped together.\n  Likely mistake: one random number "
               "per feature (or per example), broadcast: draw one per element, self.rng.random(x.shape).")
    mask = getattr(layer, "mask", None)
    expect(isinstance(mask, np.ndarray) and mask.shape == DROP_X.shape,
           f"{what} should keep self.mask, an array of x's shape {DROP_X.shape}; it kept {type(mask).__name__}"
           + (f" of shape {mask.shape}" if isinstance(mask, np.ndarray) else "") + ".")
    if mask.dtype == bool or np.allclose(mask, kept):
        expect(False, f"{what} kept self.mask as 0s and 1s.\n  Likely mistake: self.mask must hold what x was "
               "multiplied by, 0 and 1 / (1 - rate), which backward multiplies the gradient by.")
    expect_close(mask, kept / keep, f"{what}: self.mask (0 where dropped, 1 / (1 - rate) where kept)")

    again = _forward(layer, DROP_X, f"{what}, called a second time")
    if np.array_equal(again == 0, dropped):
        expect(False, f"{what} dropped the same elements on the second call.\n  Likely mistake: one mask for every "
               "call (drawn once, or from a generator seeded afresh in forward): draw a new one every call from self.rng.")
    np.random.seed(0)
    first = _forward(_dropout(rate, seed=5), DROP_X, "Dropout(0.25, np.random.default_rng(5)).forward(x)")
    np.random.seed(1)
    second = _forward(_dropout(rate, seed=5), DROP_X, "Dropout(0.25, np.random.default_rng(5)).forward(x)")
    other = _forward(_dropout(rate, seed=6), DROP_X, "Dropout(0.25, np.random.default_rng(6)).forward(x)")
    if not np.array_equal(first == 0, second == 0) or np.array_equal(first == 0, other == 0):
        expect(False, "Two Dropout layers made with np.random.default_rng(5) dropped different elements (or one made "
               "with seed 6 dropped the same ones).\n  Likely mistake: the mask is drawn from np.random (or a "
               "generator made inside forward) instead of the layer's own self.rng.")

    layer = _dropout(rate)
    layer.training = False
    state = layer.rng.bit_generator.state
    what = "Dropout(0.25).forward(x) in evaluation mode (self.training False)"
    out = _forward(layer, DROP_X, what)
    if np.any(out == 0):
        expect(False, f"{what} dropped elements.\n  Likely mistake: dropout applied in evaluation mode; when "
               "self.training is False, return x as it is.")
    if np.allclose(out, DROP_X * keep):
        expect(False, f"{what} returned x * (1 - rate).\n  Likely mistake: the old, non-inverted dropout scales at "
               "test time; inverted dropout scaled while training, so evaluation returns x as it is.")
    expect_close(out, DROP_X, what)
    expect(layer.rng.bit_generator.state == state, f"{what} drew random numbers; in evaluation mode draw nothing.")
    mask = getattr(layer, "mask", None)
    expect(isinstance(mask, np.ndarray) and mask.shape == DROP_X.shape and np.all(mask == 1),
           f"{what} should keep self.mask as all ones of x's shape, so that backward passes the gradient unchanged.")

    x32 = DROP_X[:10].astype(np.float32)
    what = "Dropout(0.25).forward(x) for float32 x"
    layer = _dropout(rate)
    out = _forward(layer, x32, what)
    expect_dtype_kept(out, np.float32, what, likely="a float64 mask: (rng.random(shape) >= rate) / (1 - rate) is "
                      "float64; turn the mask into x's dtype first, keep.astype(x.dtype)")
    expect_dtype_kept(layer.mask, np.float32, f"{what}: self.mask", likely="a float64 mask; keep.astype(x.dtype)")
    out = _forward(_dropout(0.0), DROP_X, "Dropout(0.0).forward(x)")
    expect_close(out, DROP_X, "Dropout(0.0).forward(x) (nothing to drop)")


@check_for(
    "10.4", "regularization.Dropout.backward",
    hints=(
        "forward multiplied x by self.mask, elementwise: the chain rule multiplies the gradient by "
        "the same numbers. No new random numbers.",
        "return grad_out * self.mask",
    ),
)
def check_dropout_backward():
    """grad_x = grad_out * self.mask, the mask of the last forward (the numerical gradient of sum(out * grad_out))
    draws no random numbers; leaves grad_out unchanged; the same answer twice; float32 stays float32"""
    rate, keep = 0.4, 0.6
    layer = _dropout(rate)
    x = _random((6, 5), seed=21)
    kept = np.random.default_rng(22).random(x.shape) >= rate
    layer.mask = kept / keep  # as forward keeps it
    G = _random(x.shape, seed=23)
    given = G.copy()
    state = layer.rng.bit_generator.state
    what = "Dropout(0.4).backward(grad_out), with self.mask as forward keeps it"
    dx = call(what, layer.backward, given)
    expect_unchanged(G, given, what)
    expect(layer.rng.bit_generator.state == state, f"{what} drew random numbers.\n  Likely mistake: a new mask drawn "
           "in backward; use self.mask, the one forward multiplied by - a dropped unit gets no gradient.")
    expect(dx is not None, f"{what} returned None; return the gradient for x.")
    xs, mask = x.copy(), layer.mask.copy()
    numeric = central_differences(lambda: float(np.sum(xs * mask * G)), xs)
    _expect_gradient(dx, numeric, what, mistakes=[
        Mistake(G * kept, "the gradient is masked but not rescaled: forward multiplied by 1 / (1 - rate) as well, "
                "and self.mask holds that factor - multiply by self.mask itself."),
        Mistake(G * kept / keep / keep, "rescaled twice: self.mask already holds 1 / (1 - rate)."),
        Mistake(G, "grad_out returned unchanged: the dropped units did not take part, so they get no gradient - "
                "multiply by self.mask."),
        Mistake(lambda g: np.any((g != 0) & ~kept), "gradient reached units that forward dropped: a new mask drawn "
                "in backward? Use self.mask, the one forward kept."),
        Mistake(G * kept * keep, "multiplied by 1 - rate: the factor is self.mask's, 1 / (1 - rate)."),
    ])
    expect_same_again(dx, call(f"{what}, called a second time", layer.backward, G.copy()), what)
    layer.mask = layer.mask.astype(np.float32)
    what32 = "Dropout.backward(grad_out) for float32"
    expect_dtype_kept(call(what32, layer.backward, G.astype(np.float32)), np.float32, what32)


# --- 10.5 and 10.6 batch normalisation ------------------------------------------------------------

BN_X = _random((6, 3), seed=30) * np.array([1.0, 4.0, 0.5]) + np.array([2.0, -3.0, 0.7])
GAMMA, BETA = np.array([1.5, -0.5, 2.0]), np.array([0.1, 0.2, -0.3])
RUNNING_MEAN, RUNNING_VAR = np.array([0.5, -1.0, 2.0]), np.array([2.0, 0.5, 1.5])


def _batchnorm(eps=0.1, momentum=0.8, dtype=np.float64):
    """BatchNorm(3) with a large eps (a missing or misplaced eps shows), set gamma, beta, running statistics."""
    layer = BatchNorm(3, momentum=momentum, eps=eps, dtype=dtype)
    for name, value in (("gamma", GAMMA), ("beta", BETA)):
        layer.params[name] = value.astype(dtype)
    layer.state["running_mean"], layer.state["running_var"] = RUNNING_MEAN.astype(dtype), RUNNING_VAR.astype(dtype)
    return layer


def _bn_error(error):
    text = str(error)
    if "could not be broadcast" in text and "(6,3)" in text.replace(" ", "") and "(6,)" in text.replace(" ", ""):
        return ("the statistics were taken over axis=1, one per example; batch norm takes them over the batch, "
                "axis=0: one mean and one variance per feature.")
    return ""


def _normalised(x, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps)


@check_for(
    "10.5", "regularization.BatchNorm.forward",
    hints=(
        "In training mode, take the mean and the variance of each column over the batch, normalise, "
        "then scale and shift; also move the running averages a step towards this batch's "
        "statistics. In evaluation mode, use the running averages instead and leave them alone.",
        "x.mean(axis=0) and x.var(axis=0) are the batch's statistics (in evaluation mode, "
        "self.state's running ones); inv_std is 1 over the square root of var + eps, and x_hat is "
        "x minus the mean, times inv_std. Running: m * running + (1 - m) * batch, stored in self.state.",
    ),
)
def check_batchnorm_forward():
    """training: gamma * (x - mean) / sqrt(var + eps) + beta, with each feature's mean and (biased) variance over the batch
    the running statistics move to momentum * running + (1 - momentum) * the batch's
    evaluation: the running statistics stand in for the batch's, and are not updated
    keeps self.x_hat and self.inv_std; x unchanged; float32 stays float32; a constant feature gives no nan"""
    eps, m = 0.1, 0.8
    layer = _batchnorm(eps, m)
    what = "BatchNorm(3, momentum=0.8, eps=0.1).forward(x) in training mode, x of shape (6, 3)"
    given = BN_X.copy()
    out = call(what, layer.forward, given, error_hint=_bn_error,
               numeric_hint="a division by zero: is eps added to the variance inside the square root?")
    expect_unchanged(BN_X, given, what)
    expect(out is not None, f"{what} returned None; return the output.")
    expect_array(out, what)
    mean, var = BN_X.mean(axis=0), BN_X.var(axis=0)
    x_hat = _normalised(BN_X, mean, var, eps)
    rows = (BN_X - BN_X.mean(axis=1, keepdims=True)) / np.sqrt(BN_X.var(axis=1, keepdims=True) + eps)
    expect_close(out, GAMMA * x_hat + BETA, what, mistakes=[
        Mistake(GAMMA * rows + BETA, "the statistics are over axis=1, one per example: batch norm normalises each "
                "feature over the batch, axis=0."),
        Mistake(GAMMA * _normalised(BN_X, mean, BN_X.var(axis=0, ddof=1), eps) + BETA, "the variance divides by "
                "n - 1 (ddof=1): the docstring asks for the batch's own variance, np.var's default ddof=0."),
        Mistake(GAMMA * (BN_X - mean) / (np.sqrt(var) + eps) + BETA, "eps is outside the square root: "
                "sqrt(var + eps), not sqrt(var) + eps."),
        Mistake(GAMMA * (BN_X - mean) / np.sqrt(var) + BETA, "eps is missing: divide by sqrt(var + eps), or a "
                "feature that is constant over the batch divides by 0."),
        Mistake(GAMMA * (BN_X - mean) / (var + eps) + BETA, "divided by the variance: normalise by the standard "
                "deviation, sqrt(var + eps)."),
        Mistake(x_hat, "gamma and beta are not applied: out = gamma * x_hat + beta."),
        Mistake(BETA * x_hat + GAMMA, "gamma and beta are swapped: out = gamma * x_hat + beta."),
        Mistake(GAMMA * _normalised(BN_X, RUNNING_MEAN, RUNNING_VAR, eps) + BETA, "training mode normalised with the "
                "running statistics: while training, use the batch's own mean and variance."),
        Mistake(GAMMA * _normalised(BN_X, m * RUNNING_MEAN + (1 - m) * mean, m * RUNNING_VAR + (1 - m) * var, eps)
                + BETA, "training mode normalised with the running statistics (just updated): while training, use "
                "the batch's own mean and variance."),
    ])
    for name, value in (("x_hat", x_hat), ("inv_std", 1 / np.sqrt(var + eps))):
        kept = getattr(layer, name, None)
        expect(kept is not None, f"{what} should keep self.{name} for backward (see the docstring).")
        expect_close(kept, value, f"{what}: self.{name}", mistakes=[
            Mistake(np.sqrt(var + eps), "self.inv_std holds sqrt(var + eps); keep its inverse, 1 / sqrt(var + eps)."),
        ])
    new_mean, new_var = m * RUNNING_MEAN + (1 - m) * mean, m * RUNNING_VAR + (1 - m) * var
    for name, right, batch, running in (("running_mean", new_mean, mean, RUNNING_MEAN),
                                        ("running_var", new_var, var, RUNNING_VAR)):
        expect_close(layer.state.get(name), right, f"{what}: self.state['{name}'] after the step", mistakes=[
            Mistake(running, "the running statistics were not updated: in training mode, set self.state"
                    f"['{name}'] = momentum * running + (1 - momentum) * the batch's."),
            Mistake((1 - m) * running + m * batch, "momentum applied the wrong way round: the OLD running value is "
                    "multiplied by momentum, momentum * running + (1 - momentum) * batch."),
            Mistake(batch, "the running statistic was replaced by the batch's: average them, momentum * running + "
                    "(1 - momentum) * batch."),
            Mistake(m * running + (1 - m) * BN_X.var(axis=0, ddof=1), "the running variance uses ddof=1: use the "
                    "same variance as the normalisation, ddof=0."),
            Mistake(m * running + (1 - m) * np.sqrt(var), "the running variance averages the standard deviation: "
                    "average the variance itself."),
        ])

    layer = _batchnorm(eps, m)
    layer.training = False
    what = "BatchNorm(3, eps=0.1).forward(x) in evaluation mode (self.training False)"
    given = BN_X.copy()
    out = call(what, layer.forward, given, error_hint=_bn_error)
    expect_unchanged(BN_X, given, what)
    for name, value in (("running_mean", RUNNING_MEAN), ("running_var", RUNNING_VAR)):
        if not np.allclose(layer.state.get(name), value):
            expect(False, f"{what} changed self.state['{name}'].\n  Likely mistake: running statistics updated in "
                   "evaluation mode: update them only when self.training is True.")
    expect_close(out, GAMMA * _normalised(BN_X, RUNNING_MEAN, RUNNING_VAR, eps) + BETA, what, mistakes=[
        Mistake(GAMMA * x_hat + BETA, "evaluation mode normalised with the batch's statistics: use the running "
                "mean and variance, so that an example's output does not depend on its batch."),
    ])

    constant = BN_X.copy()
    constant[:, 1] = 4.0
    layer = BatchNorm(3)
    what = "BatchNorm(3).forward(x) in training mode, x with a column that is the same for every example"
    out = call(what, layer.forward, constant, error_hint=_bn_error,
               numeric_hint="the variance without eps: a constant feature has variance 0, and sqrt(var) = 0 divides "
               "by zero. Divide by np.sqrt(var + self.eps).")
    expect(np.all(np.isfinite(out)), f"{what} gave nan or inf.\n  Likely mistake: the variance without eps; divide by "
           "np.sqrt(var + self.eps).")

    layer = _batchnorm(eps, m, np.float32)
    what = "BatchNorm.forward(x) for float32 x"
    out = call(what, layer.forward, BN_X.astype(np.float32), error_hint=_bn_error)
    expect_dtype_kept(out, np.float32, what)
    for name in ("running_mean", "running_var"):
        expect_dtype_kept(layer.state.get(name), np.float32, f"{what}: self.state['{name}']")


def _bn_train(x, gamma, beta, eps):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@check_for(
    "10.6", "regularization.BatchNorm.backward",
    hints=(
        "beta is added to every row and gamma multiplies x_hat: those two gradients are sums over "
        "the batch. The input's gradient has three terms: the direct path, and the paths through the "
        "batch's mean and its variance.",
        "dbeta = dy.sum(axis=0); dgamma = (dy * x_hat).sum(axis=0); dx = gamma * inv_std / n * "
        "(n * dy - dbeta - x_hat * dgamma).",
    ),
)
def check_batchnorm_backward():
    """dx, dgamma and dbeta equal numerical gradients of sum(batchnorm(x) * grad_out) (relative error below 1e-7)
    uses self.x_hat and self.inv_std as forward keeps them
    leaves grad_out unchanged; the same answer twice; float32 stays float32"""
    eps = 0.1
    layer = _batchnorm(eps)
    mean, var = BN_X.mean(axis=0), BN_X.var(axis=0)
    layer.inv_std = 1 / np.sqrt(var + eps)
    layer.x_hat = (BN_X - mean) * layer.inv_std
    G = _random(BN_X.shape, seed=31)
    given = G.copy()
    what = "BatchNorm(3).backward(grad_out), with self.x_hat and self.inv_std as forward keeps them"
    dx = call(what, layer.backward, given)
    expect_unchanged(G, given, what)
    expect(dx is not None, f"{what} returned None; return the gradient for x.")
    xs, gs, bs = BN_X.copy(), GAMMA.copy(), BETA.copy()
    f = lambda: float(np.sum(_bn_train(xs, gs, bs, eps) * G))  # noqa: E731
    dx_true, dgamma_true, dbeta_true = central_differences(f, xs), central_differences(f, gs), central_differences(f, bs)
    n, x_hat, inv = len(G), layer.x_hat, layer.inv_std
    _expect_gradient(dx, dx_true, f"{what}: the returned dx", mistakes=[
        Mistake(G * GAMMA * inv, "only the direct path: the terms through the batch's mean and variance are missing "
                "(every x moved the mean and the variance that normalised the others). "
                "dx = gamma * inv_std / n * (n * dy - dy.sum(0) - x_hat * (dy * x_hat).sum(0))."),
        Mistake(GAMMA * inv * (G - G.mean(axis=0)), "the term through the variance is missing: "
                "- x_hat * (dy * x_hat).sum(0) inside the brackets."),
        Mistake(GAMMA * inv * (G - x_hat * (G * x_hat).mean(axis=0)), "the term through the mean is missing: "
                "- dy.sum(0) inside the brackets."),
        Mistake(inv / n * (n * G - G.sum(axis=0) - x_hat * (G * x_hat).sum(axis=0)), "gamma is missing: the output "
                "is gamma * x_hat, so dx has gamma in front."),
        Mistake(GAMMA * inv * (n * G - G.sum(axis=0) - x_hat * (G * x_hat).sum(axis=0)), "the 1 / n in front is "
                "missing: gamma * inv_std / n * (...)."),
        Mistake(GAMMA * inv / n * (n * G - G.sum(axis=0) - x_hat * G.sum(axis=0)), "the variance's term sums dy, "
                "not dy * x_hat: - x_hat * (dy * x_hat).sum(0)."),
    ])
    expect_close(layer.grads.get("gamma"), dgamma_true, "self.grads['gamma'] after backward", mistakes=[
        Mistake(G.sum(axis=0), "dgamma is dy summed, dbeta's formula: gamma multiplies x_hat, so dgamma = "
                "(dy * x_hat).sum(axis=0)."),
        Mistake((G * x_hat).mean(axis=0), "dgamma is averaged: sum over the batch, (dy * x_hat).sum(axis=0)."),
        Mistake(lambda g: np.shape(g) == G.shape, "dgamma has one value per feature: sum over the batch, axis=0."),
    ])
    _expect_gradient(layer.grads.get("gamma"), dgamma_true, "self.grads['gamma'] after backward")
    expect_close(layer.grads.get("beta"), dbeta_true, "self.grads['beta'] after backward", mistakes=[
        Mistake((G * x_hat).sum(axis=0), "dbeta has dgamma's formula: beta is added to every row, so dbeta = "
                "dy.sum(axis=0)."),
        Mistake(G.mean(axis=0), "dbeta is averaged: sum over the batch, dy.sum(axis=0)."),
    ])
    _expect_gradient(layer.grads.get("beta"), dbeta_true, "self.grads['beta'] after backward")
    grads = {name: np.array(layer.grads[name]) for name in ("gamma", "beta")}
    dx_again = call(f"{what}, called a second time", layer.backward, G.copy())
    expect_same_again(dx, dx_again, what)
    for name in grads:
        expect_same_again(grads[name], np.asarray(layer.grads[name]), f"BatchNorm.backward's self.grads['{name}']")

    layer = _batchnorm(eps, dtype=np.float32)
    layer.inv_std = (1 / np.sqrt(var + eps)).astype(np.float32)
    layer.x_hat = ((BN_X - mean) / np.sqrt(var + eps)).astype(np.float32)
    what = "BatchNorm.backward(grad_out) for float32"
    dx = call(what, layer.backward, G.astype(np.float32))
    expect_dtype_kept(dx, np.float32, what)
    for name in ("gamma", "beta"):
        expect_dtype_kept(layer.grads.get(name), np.float32, f"{what}: self.grads['{name}']")
