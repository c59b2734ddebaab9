"""Chapter 6, updates and training: checks name typical mistakes; fit, predict and evaluate
behave as a scikit-learn user expects, and training that goes wrong is reported."""

import io

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.tools import datasets
from scratchdl.course.checks import run_check
from scratchdl.course.exercises import substitute
from scratchdl.layers import Activation, Dense
from scratchdl.network import Network
from scratchdl.optimizers import SGD, AdaGrad, Adam, Momentum, get_optimizer
from scratchdl.tools.callbacks import Callback, ProgressBar, TrainingDiverged
from scratchdl.training import fit


# --- 6.1 minibatches
def dropping_the_last(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def with_replacement(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.integers(0, n, size=n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def global_random(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else np.random.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def always_shuffled(n, batch_size, rng=None):
    order = np.random.default_rng(0).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def as_generator(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.permutation(n)
    for i in range(0, n, batch_size):
        yield order[i:i + batch_size]


def equal_parts(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.permutation(n)
    return np.array_split(order, -(-n // batch_size))  # as many parts as batches, but equal sizes


def shuffle_returns_none(n, batch_size, rng=None):
    order = np.arange(n) if rng is None else rng.shuffle(np.arange(n))
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def reseeding(n, batch_size, rng=None):
    # a generator of its own, seeded the same way every call: every epoch in the same order
    order = np.arange(n) if rng is None else np.random.default_rng(42).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


# --- 6.2 SGD
def sgd_rebinding(self, params, grads):
    for p, g in zip(params, grads):
        p = p - self.learning_rate * g  # noqa: F841 - the classic mistake: a new array, thrown away


def sgd_uphill(self, params, grads):
    for p, g in zip(params, grads):
        p += self.learning_rate * g


def sgd_first_only(self, params, grads):
    params[0] -= self.learning_rate * grads[0]


def sgd_fixed_rate(self, params, grads):
    for p, g in zip(params, grads):
        p -= 0.1 * g


def sgd_scaling_the_gradient(self, params, grads):
    for p, g in zip(params, grads):
        g *= self.learning_rate  # saves an array, but changes the layer's gradient
        p -= g


def sgd_replacing_entries(self, params, grads):
    for i in range(len(params)):
        params[i] = params[i] - self.learning_rate * grads[i]


def sgd_zip_swapped(self, params, grads):
    for g, p in zip(params, grads):
        p -= self.learning_rate * g


# --- 6.3 momentum
def momentum_forgetful(self, params, grads):
    for p, g in zip(params, grads):
        v = np.zeros_like(p)
        v = self.momentum * v - self.learning_rate * g
        p += v


def momentum_rebinding_v(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        v = self.momentum * v - self.learning_rate * g  # a new array: the stored one stays zero
        p += v


def momentum_rebinding_p(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        v *= self.momentum
        v -= self.learning_rate * g
        p = p + v  # noqa: F841 - the velocity is right, but p is a new array, thrown away


def momentum_uphill(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        v *= self.momentum
        v += self.learning_rate * g
        p += v


def momentum_averaging_form(self, params, grads):
    # the exponential-average convention of some courses: v = beta v + (1 - beta) g
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        v *= self.momentum
        v += (1 - self.momentum) * g
        p -= self.learning_rate * v


def momentum_p_first(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        p += v
        v *= self.momentum
        v -= self.learning_rate * g


def momentum_fixed_beta(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.velocities.setdefault(i, np.zeros_like(p))
        v *= 0.9
        v -= self.learning_rate * g
        p += v


def momentum_one_velocity(self, params, grads):
    for p, g in zip(params, grads):
        v = self.velocities.setdefault("v", np.zeros_like(p))  # one velocity for every parameter
        v *= self.momentum
        v -= self.learning_rate * g
        p += v


# --- 6.4 AdaGrad
def adagrad(self, params, grads, sqrt=True, square=True, stored=True, first=True, eps_inside=False,
            eps=True, one_number=False, shared=False):
    """AdaGrad, with one thing done wrong for each keyword changed."""
    for i, (p, g) in enumerate(zip(params, grads)):
        key = "s" if shared else i
        s = self.s.setdefault(key, np.zeros_like(p)) if stored else np.zeros_like(p)
        if not first:
            p -= self.learning_rate * g / (np.sqrt(s) + self.eps)
        s += (np.sum(g**2) if one_number else g**2) if square else g
        if not first:
            continue
        if not sqrt:
            root = s + self.eps
        elif eps_inside:
            root = np.sqrt(s + self.eps)
        else:
            root = np.sqrt(s) + (self.eps if eps else 0)
        p -= self.learning_rate * g / root


def adagrad_rebinding_s(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        s = self.s.setdefault(i, np.zeros_like(p))
        s = s + g**2  # a new array: the stored sum stays zero
        p -= self.learning_rate * g / (np.sqrt(s) + self.eps)


def adagrad_rebinding_p(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        s = self.s.setdefault(i, np.zeros_like(p))
        s += g**2
        p = p - self.learning_rate * g / (np.sqrt(s) + self.eps)  # noqa: F841 - thrown away


# --- 6.5 RMSProp
def rmsprop(self, params, grads, form="right", sqrt=True, first=True, eps_inside=False, eps=True, sign=-1,
            shared=False):
    """RMSProp, with one thing done wrong for each keyword changed (form: how v is updated)."""
    self.t = getattr(self, "t", 0) + 1  # used only by the "bias corrected" form
    rho = self.rho
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.v.setdefault("v" if shared else i, np.zeros_like(p))
        if not first:
            p -= self.learning_rate * g / (np.sqrt(v) + self.eps)
        new = {"right": rho * v + (1 - rho) * g**2,
               "swapped": rho * g**2 + (1 - rho) * v,
               "no forgetting": v + (1 - rho) * g**2,
               "adagrad": v + g**2,
               "no (1 - rho)": rho * v + g**2,
               "of g": rho * v + (1 - rho) * g,
               "fixed rho": 0.9 * v + 0.1 * g**2,
               "bias corrected": rho * v + (1 - rho) * g**2}[form]
        v[...] = new
        if not first:
            continue
        used = v / (1 - rho**self.t) if form == "bias corrected" else v
        if not sqrt:
            root = used + self.eps
        elif eps_inside:
            root = np.sqrt(used + self.eps)
        else:
            root = np.sqrt(used) + (self.eps if eps else 0)
        p += sign * self.learning_rate * g / root


def rmsprop_rebinding_v(self, params, grads):
    for i, (p, g) in enumerate(zip(params, grads)):
        v = self.v.setdefault(i, np.zeros_like(p))
        v = self.rho * v + (1 - self.rho) * g**2  # a new array: the stored average stays zero
        p -= self.learning_rate * g / (np.sqrt(v) + self.eps)


# --- 6.6 Adam
def adam(self, params, grads, correct=True, eps_inside=False, t_per_parameter=False, sign=-1,
         power_outside=False, one_minus=True, stored=True, t_first=True, eps=True, efficient=False):
    """Adam, with one thing done wrong (or differently) for each keyword changed."""
    if not t_per_parameter and t_first:
        self.t += 1
    for i, (p, g) in enumerate(zip(params, grads)):
        if t_per_parameter:
            self.t += 1
        m = self.m.setdefault(i, np.zeros_like(p)) if stored else np.zeros_like(p)
        v = self.v.setdefault(i, np.zeros_like(p)) if stored else np.zeros_like(p)
        m[...] = self.beta1 * m + ((1 - self.beta1) * g if one_minus else g)
        v[...] = self.beta2 * v + ((1 - self.beta2) * g**2 if one_minus else g**2)
        if efficient:  # Kingma and Ba, end of section 2: eps added to sqrt(v), not sqrt(v_hat)
            rate = self.learning_rate * np.sqrt(1 - self.beta2**self.t) / (1 - self.beta1**self.t)
            p -= rate * m / (np.sqrt(v) + self.eps)
            continue
        if power_outside:
            m_hat, v_hat = m / (1 - self.beta1) ** self.t, v / (1 - self.beta2) ** self.t
        else:
            m_hat = m / (1 - self.beta1**self.t) if correct else m
            v_hat = v / (1 - self.beta2**self.t) if correct else v
        root = np.sqrt(v_hat + self.eps) if eps_inside else np.sqrt(v_hat) + (self.eps if eps else 0)
        p += sign * self.learning_rate * m_hat / root
    if not t_first:
        self.t += 1


MISTAKES = [
    ("6.1", dropping_the_last, r"the last, smaller batch of 1 was dropped"),
    ("6.1", with_replacement, r"used some indices twice"),
    ("6.1", global_random, r"shuffle with the rng you are given"),
    ("6.1", always_shuffled, r"without a generator the indices stay in order"),
    ("6.1", as_generator, r"returned a generator, not the list.*yield makes a generator"),
    ("6.1", equal_parts, r"np\.array_split\(order, k\) cuts the order into k nearly equal parts"),
    ("6.1", shuffle_returns_none, r"rng\.shuffle\(a\) shuffles a in place and returns None"),
    ("6.1", reseeding, r"gave the same order: draw a new permutation from rng on every call"),
    ("6.2", sgd_rebinding, r"`p = p - \.\.\.` makes a new array that is thrown away"),
    ("6.2", sgd_uphill, r"wrong sign"),
    ("6.2", sgd_fixed_rate, r"every step was 0\.1 \* g, though learning_rate is 0\.5: is a number of your own in place of self\.learning_rate"),
    ("6.2", sgd_first_only, r"changed only some of the parameters"),
    ("6.2", sgd_scaling_the_gradient, r"changed the gradient arrays.*g \*= \.\.\."),
    ("6.2", sgd_replacing_entries, r"params\[i\] = params\[i\] - \.\.\. replaces the list's entry"),
    ("6.2", sgd_zip_swapped, r"zip\(params, grads\) gives \(p, g\) in that order"),
    ("6.3", momentum_forgetful, r"velocity is not kept between steps"),
    ("6.3", momentum_rebinding_v, r"velocity is not kept.*v = momentum \* v - \.\.\. makes a new array"),
    ("6.3", momentum_rebinding_p, r"`p = p - \.\.\.` makes a new array that is thrown away"),
    ("6.3", momentum_uphill, r"wrong sign: the velocity subtracts the gradient"),
    ("6.3", momentum_averaging_form, r"the averaging form.*no \(1 - momentum\) factor"),
    ("6.3", momentum_p_first, r"p \+= v came before the velocity was updated"),
    ("6.3", momentum_fixed_beta, r"the momentum 0\.9 is fixed in your code; use self\.momentum"),
    ("6.3", momentum_one_velocity, r"each parameter needs its own, np\.zeros_like\(p\), kept under its position"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, sqrt=False), r"the square root is missing: divide by sqrt\(s\) \+ eps"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, square=False), r"s went negative.*g\*\*2 \(not g\)"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, stored=False), r"s is not kept between steps"),
    ("6.4", adagrad_rebinding_s, r"s is not kept between steps.*s = s \+ g\*\*2 only makes a new array"),
    ("6.4", adagrad_rebinding_p, r"`p = p - \.\.\.` makes a new array that is thrown away"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, first=False), r"s \+= g\*\*2 came after the step"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, eps_inside=True), r"eps goes outside the square root: sqrt\(s\) \+ eps"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, eps=False), r"0 / 0 where a gradient is 0 \(so s is 0\)"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, one_number=True), r"s must be one number per entry of p"),
    ("6.4", lambda self, p, g: adagrad(self, p, g, shared=True), r"each parameter needs its own, np\.zeros_like\(p\)"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="swapped"), r"rho and 1 - rho are swapped"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="no forgetting"), r"v never forgets: v \+= \(1 - rho\) \* g\*\*2 is a sum"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="adagrad"), r"v \+= g\*\*2 is AdaGrad's sum \(6\.4\), which never forgets"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="no (1 - rho)"), r"the new g\*\*2 lacks its \(1 - rho\) factor"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="of g"), r"v went negative.*g\*\*2 \(not g\)"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="fixed rho"), r"the 0\.9 is fixed in your code; use self\.rho"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, form="bias corrected"), r"RMSProp has no bias correction"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, sqrt=False), r"the square root is missing: divide by sqrt\(v\) \+ eps"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, first=False), r"v was updated after the step"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, eps_inside=True), r"eps goes outside the square root: sqrt\(v\) \+ eps"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, sign=+1), r"wrong sign: RMSProp steps against the gradient"),
    ("6.5", lambda self, p, g: rmsprop(self, p, g, shared=True), r"each parameter needs its own, np\.zeros_like\(p\)"),
    ("6.5", rmsprop_rebinding_v, r"v is not kept between steps.*v = rho \* v \+ \.\.\. only makes a new array"),
    ("6.6", lambda self, p, g: adam(self, p, g, correct=False), r"bias correction is missing"),
    ("6.6", lambda self, p, g: adam(self, p, g, eps_inside=True), r"eps goes outside the square root"),
    ("6.6", lambda self, p, g: adam(self, p, g, t_per_parameter=True), r"t must grow once per step"),
    ("6.6", lambda self, p, g: adam(self, p, g, sign=+1), r"wrong sign: Adam steps against the gradient"),
    ("6.6", lambda self, p, g: adam(self, p, g, power_outside=True), r"not by \(1 - beta1\)\*\*t"),
    ("6.6", lambda self, p, g: adam(self, p, g, one_minus=False), r"lack their \(1 - beta\) factors"),
    ("6.6", lambda self, p, g: adam(self, p, g, stored=False), r"m and v are not kept between steps"),
    ("6.6", lambda self, p, g: adam(self, p, g, t_first=False), r"1 - beta1\*\*t is 0 while t is 0"),
    ("6.6", lambda self, p, g: adam(self, p, g, eps=False), r"0 / 0 where a gradient is 0.*eps keeps the division safe"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


def test_adam_in_the_papers_efficient_form_passes():
    # eps added to sqrt(v), the bias corrections folded into the step size: correct Adam, written
    # differently from the docstring's formula (Keras does it this way).
    with substitute("6.6", lambda self, p, g: adam(self, p, g, efficient=True)):
        run_check("6.6")


# --- fit, predict, evaluate ------------------------------------------------------------------


def moons_model(seed=0, dtype=np.float64):
    return Network.from_architecture(
        [{"input_dim": 2, "output_dim": 8, "activation": "tanh"},
         {"input_dim": 8, "output_dim": 2, "activation": "softmax"}],
        np.random.default_rng(seed), dtype=dtype)


@pytest.fixture(scope="module")
def moons():
    rng = np.random.default_rng(0)
    X, y = datasets.two_moons(200, 0.1, rng)
    return datasets.train_test_split(X, y, 0.25, rng)


def test_fit_returns_a_history_per_epoch_and_the_model_learns(moons):
    X_train, X_test, y_train, y_test = moons
    model = moons_model()
    history = fit(model, X_train, y_train, epochs=30, batch_size=16, optimizer=Adam(0.02),
                        validation_data=(X_test, y_test), verbose=0, rng=0)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 30 for values in history.values())
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    result = model.evaluate(X_test, y_test)
    assert set(result) == {"loss", "accuracy"}
    assert result["accuracy"] == pytest.approx(history["val_accuracy"][-1])
    assert result["accuracy"] > 0.9
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2) and np.allclose(proba.sum(axis=1), 1)
    assert np.array_equal(model.predict(X_test), proba.argmax(axis=1))


def test_each_epoch_draws_a_new_order_unless_shuffle_is_off(moons):
    X_train, _, y_train, _ = moons
    orders = []

    def recording(n, batch_size, rng=None):
        order = np.arange(n) if rng is None else rng.permutation(n)
        orders.append(order)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]

    with substitute("6.1", recording):
        fit(moons_model(), X_train, y_train, epochs=3, batch_size=32, verbose=0, rng=1)
        assert len(orders) == 3 and not np.array_equal(orders[0], orders[1])
        orders.clear()
        fit(moons_model(), X_train, y_train, epochs=2, batch_size=32, verbose=0, shuffle=False)
        assert all(np.array_equal(order, np.arange(len(X_train))) for order in orders)


def test_the_same_seed_gives_the_same_training(moons):
    X_train, _, y_train, _ = moons
    first = fit(moons_model(), X_train, y_train, epochs=3, verbose=0, rng=5)
    again = fit(moons_model(), X_train, y_train, epochs=3, verbose=0, rng=5)
    assert first == again


def test_a_too_high_learning_rate_stops_with_the_epoch_and_the_usual_cause():
    x, y = datasets.wave(64, 0.1, np.random.default_rng(0))
    model = Network.from_architecture([{"input_dim": 1, "output_dim": 16, "activation": "relu"},
                                       {"input_dim": 16, "output_dim": 1, "activation": "linear"}],
                                      np.random.default_rng(0))
    with pytest.raises(TrainingDiverged) as stopped:
        fit(model, x, y, epochs=50, batch_size=16, optimizer=SGD(5.0), verbose=0, rng=0)
    message = str(stopped.value)
    assert f"training stopped in epoch {stopped.value.epoch} (batch" in message
    assert "learning rate that is too high (SGD(learning_rate=5.0))" in message and "0.5" in message
    assert len(stopped.value.history["loss"]) == stopped.value.epoch - 1
    assert stopped.value._render_traceback_()[0].startswith("TrainingDiverged: training stopped in epoch")


def test_a_nan_loss_is_reported_not_silent(moons):
    X_train, _, y_train, _ = moons
    model = moons_model()
    model.layers[0].params["W"][0, 0] = np.nan
    with pytest.raises(TrainingDiverged, match=r"epoch 1 \(batch 1 of \d+\): the loss became nan"):
        with np.errstate(invalid="ignore"):
            fit(model, X_train, y_train, epochs=2, verbose=0)


def test_the_progress_bar_is_quiet_for_short_fits_and_shows_progress_otherwise(moons, capsys):
    X_train, _, y_train, _ = moons
    fit(moons_model(), X_train, y_train, epochs=2, rng=0)  # verbose=1, well under a second
    assert capsys.readouterr().out == ""
    stream = io.StringIO()
    fit(moons_model(), X_train, y_train, epochs=3, rng=0, verbose=0,
                      callbacks=[ProgressBar(quiet_for=0, stream=stream)])
    text = stream.getvalue()
    assert "\repoch 3/3 [" + "=" * 24 + "]" in text and "s left" in text and "accuracy" in text
    assert text.endswith("\n")


def test_callbacks_hear_about_every_batch_and_epoch(moons):
    X_train, _, y_train, _ = moons

    class Counter(Callback):
        def __init__(self):
            self.batches, self.epochs, self.ended = 0, [], False

        def on_batch_end(self, epoch, batch, loss):
            self.batches += 1

        def on_epoch_end(self, epoch, logs):
            self.epochs.append((epoch, sorted(logs)))

        def on_train_end(self, history):
            self.ended = True

    counter = Counter()
    fit(moons_model(), X_train, y_train, epochs=2, batch_size=50, verbose=0, callbacks=[counter])
    assert counter.batches == 2 * 3 and counter.epochs == [(1, ["accuracy", "loss"]), (2, ["accuracy", "loss"])]
    assert counter.ended


def test_binary_and_regression_models_predict_in_the_expected_shapes():
    X, y = datasets.xor()
    rng = np.random.default_rng(0)
    binary = Network([Dense(2, 4, rng), Activation("tanh"), Dense(4, 1, rng), Activation("sigmoid")],
                     loss="binary_cross_entropy")
    fit(binary, X, y, epochs=5, batch_size=4, verbose=0)
    assert binary.predict_proba(X).shape == (4, 2) and binary.predict(X).shape == (4,)
    assert set(binary.evaluate(X, y)) == {"loss", "accuracy"}
    x, t = datasets.wave(30, 0.1, rng)
    regression = Network([Dense(1, 8, rng), Activation("tanh"), Dense(8, 1, rng)], loss="mse")
    history = fit(regression, x, t, epochs=3, verbose=0)
    assert set(history) == {"loss"} and regression.predict(x).shape == (30, 1)
    assert set(regression.evaluate(x, t)) == {"loss"}
    with pytest.raises(ValueError, match=r"predict_proba needs a classifier"):
        regression.predict_proba(x)


def test_float32_models_train_in_float32(moons):
    X_train, _, y_train, _ = moons
    model = moons_model(dtype=np.float32)
    fit(model, X_train, y_train, epochs=2, verbose=0)  # float64 data is converted once, up front
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert all(g.dtype == np.float32 for g in model.gradients())


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros(10), np.zeros(10, dtype=int), r"X must have one row \(or image\) per example, shape \(n_examples, \.\.\.\); got shape \(10,\)"),
        (np.zeros((10, 2)), np.zeros(9, dtype=int), r"X has 10 examples but y has 9 targets"),
        (np.zeros((10, 3)), np.zeros(10, dtype=int), r"Dense\(2 → 8\) expects input of shape \(n, 2\); got shape \(10, 3\)"),
        (np.zeros((10, 2)), np.full(10, 2), r"class labels must be in 0\.\.1 for 2 logits"),
    ],
)
def test_fit_refuses_bad_data_with_what_was_expected(X, y, message):
    model = moons_model()
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters())), "nothing changed"


def test_optimizers_by_name():
    assert isinstance(get_optimizer("momentum"), Momentum)
    assert get_optimizer("adam", 0.01).learning_rate == 0.01
    assert isinstance(get_optimizer("adagrad"), AdaGrad) and get_optimizer("rmsprop", 0.01).learning_rate == 0.01
    with pytest.raises(ValueError, match=r"unknown optimizer 'nesterov'; expected one of sgd, momentum, adagrad, "
                                         r"rmsprop, adam, adamw"):
        get_optimizer("nesterov")


def test_the_cosine_schedule_falls_from_the_start_to_zero_and_is_restored(moons):
    X_train, _, y_train, _ = moons
    optimizer = Adam(0.01)
    rates = []

    class Watch(Callback):
        def on_batch_end(self, epoch, batch, loss):
            rates.append(optimizer.learning_rate)

    fit(moons_model(), X_train, y_train, epochs=4, batch_size=50, optimizer=optimizer, verbose=0,
                      schedule="cosine", callbacks=[Watch()])
    total = len(rates)
    assert total == 4 * 3
    expected = [0.01 * (1 + np.cos(np.pi * k / total)) / 2 for k in range(1, total + 1)]
    assert np.allclose(rates, expected) and rates[-1] == pytest.approx(0.0, abs=1e-12)
    assert optimizer.learning_rate == 0.01
    with pytest.raises(ValueError, match=r"schedule must be None or 'cosine'; got 'step'"):
        fit(moons_model(), X_train, y_train, epochs=1, verbose=0, schedule="step")


def test_adamw_shrinks_weights_before_each_adam_step():
    from scratchdl.optimizers import AdamW

    p, g = np.array([2.0, -4.0]), np.array([0.0, 0.0])  # no gradient: only the decay acts
    AdamW(learning_rate=0.1, weight_decay=0.5).step([p], [g])
    assert np.allclose(p, [2.0 * 0.95, -4.0 * 0.95])
    p2, q2 = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    adam, adamw = Adam(0.1), AdamW(0.1, weight_decay=0.0)
    g = np.array([0.3, -0.2])
    adam.step([p2], [g])
    adamw.step([q2], [g])
    assert np.array_equal(p2, q2), "with no decay AdamW is Adam"
