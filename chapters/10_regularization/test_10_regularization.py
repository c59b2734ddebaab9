"""Chapter 10, regularisation and normalisation: checks name typical mistakes; the layers pass the
numerical gradient check below 1e-7 in float64; fit, predict and evaluate switch between training
and evaluation mode; batch norm's running statistics are saved and loaded."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.gradcheck import gradient_check, gradient_check_layer
from scratchdl.layers import Activation, Dense
from scratchdl.network import Network
from scratchdl.optimizers import SGD
from scratchdl.regularization import L2, BatchNorm, Dropout, add_l2_gradients, l2_penalty, weight_layers
from scratchdl.training import fit


# --- 10.1 l2_penalty
def l2_without_half(model, strength):
    return strength * sum(np.sum(layer.params["W"] ** 2) for layer in weight_layers(model))


def l2_with_biases(model, strength):
    return strength / 2 * sum(np.sum(layer.params["W"] ** 2) + np.sum(layer.params["b"] ** 2)
                              for layer in weight_layers(model))


def l2_every_parameter(model, strength):
    return strength / 2 * sum(np.sum(p ** 2) for p in model.parameters())


def l2_first_layer_only(model, strength):
    return strength / 2 * np.sum(weight_layers(model)[0].params["W"] ** 2)


def l2_overwritten_in_loop(model, strength):
    for layer in weight_layers(model):
        total = np.sum(layer.params["W"] ** 2)
    return strength / 2 * total


def l2_of_norms(model, strength):
    return strength / 2 * sum(np.linalg.norm(layer.params["W"]) for layer in weight_layers(model))


def l2_mean_of_squares(model, strength):
    return strength / 2 * sum(np.mean(layer.params["W"] ** 2) for layer in weight_layers(model))


def l2_per_layer_list(model, strength):
    return [strength / 2 * np.sum(layer.params["W"] ** 2) for layer in weight_layers(model)]


def l2_squares_in_place(model, strength):
    total = 0.0
    for layer in weight_layers(model):
        W = layer.params["W"]
        W **= 2
        total += W.sum()
    return strength / 2 * total


# --- 10.2 add_l2_gradients
def grad_factor_two(model, strength):
    for layer in weight_layers(model):
        layer.grads["W"] = layer.grads["W"] + 2 * strength * layer.params["W"]


def grad_half_strength(model, strength):
    for layer in weight_layers(model):
        layer.grads["W"] = layer.grads["W"] + strength / 2 * layer.params["W"]


def grad_wrong_sign(model, strength):
    for layer in weight_layers(model):
        layer.grads["W"] = layer.grads["W"] - strength * layer.params["W"]


def grad_replaced(model, strength):
    for layer in weight_layers(model):
        layer.grads["W"] = strength * layer.params["W"]


def grad_biases_too(model, strength):
    for layer in weight_layers(model):
        for name in layer.params:
            layer.grads[name] = layer.grads[name] + strength * layer.params[name]


def grad_every_parameter(model, strength):
    for layer in model.layers:
        for name in layer.params:
            layer.grads[name] = layer.grads[name] + strength * layer.params[name]


def grad_decays_weights(model, strength):
    for layer in weight_layers(model):
        layer.params["W"] -= strength * layer.params["W"]


def grad_local_name_only(model, strength):
    for layer in weight_layers(model):
        g = layer.grads["W"]
        g = g + strength * layer.params["W"]  # noqa: F841 - rebinds a local name only


def grad_of_the_square(model, strength):
    for layer in weight_layers(model):
        layer.grads["W"] = layer.grads["W"] + strength * layer.params["W"] ** 2


# --- 10.3 Dropout.forward
def dropout_forward(self, x, scale=True, rate_is_keep=False, rng=None, evaluate=True, per_feature=False,
                    bool_mask=False, eval_scaled=False, float64=False, factor=None):
    if not self.training and evaluate:
        self.mask = np.ones_like(x)
        return x * (1 - self.rate) if eval_scaled else x
    generator = rng if rng is not None else self.rng
    draws = generator.random(x.shape[1:] if per_feature else x.shape)
    keep = draws < self.rate if rate_is_keep else draws >= self.rate
    if factor is None:
        factor = 1 / (1 - self.rate) if scale else 1.0
    self.mask = keep if bool_mask else (keep / (1 - self.rate) if float64 else keep.astype(x.dtype) * x.dtype.type(factor))
    if bool_mask:
        return x * keep * factor
    return x * np.broadcast_to(self.mask, x.shape)


class GlobalRandom:
    def random(self, shape):
        return np.random.random(shape)


def dropout_not_rescaled(self, x):
    return dropout_forward(self, x, scale=False)


def dropout_times_keep(self, x):
    return dropout_forward(self, x, factor=1 - self.rate)


def dropout_over_rate(self, x):
    return dropout_forward(self, x, factor=1 / self.rate)


def dropout_rate_as_keep(self, x):
    return dropout_forward(self, x, rate_is_keep=True)


def dropout_np_random(self, x):
    return dropout_forward(self, x, rng=GlobalRandom())


def dropout_seeded_each_call(self, x):
    return dropout_forward(self, x, rng=np.random.default_rng(0))


def dropout_in_evaluation(self, x):
    return dropout_forward(self, x, evaluate=False)


def dropout_scaled_in_evaluation(self, x):
    return dropout_forward(self, x, eval_scaled=True)


def dropout_one_per_feature(self, x):
    return dropout_forward(self, x, per_feature=True)


def dropout_boolean_mask(self, x):
    return dropout_forward(self, x, bool_mask=True)


def dropout_float64_mask(self, x):
    return dropout_forward(self, x, float64=True)


def dropout_in_place(self, x):
    out = dropout_forward(self, x)
    x *= self.mask
    return out


# --- 10.4 Dropout.backward
def backward_not_rescaled(self, grad_out):
    return grad_out * (self.mask > 0)


def backward_new_mask(self, grad_out):
    return grad_out * (self.rng.random(grad_out.shape) >= self.rate) / (1 - self.rate)


def backward_new_mask_from_np_random(self, grad_out):
    return grad_out * (np.random.random(grad_out.shape) >= self.rate) / (1 - self.rate)


def backward_unchanged(self, grad_out):
    return grad_out


def backward_scaled_twice(self, grad_out):
    return grad_out * self.mask / (1 - self.rate)


def backward_times_keep(self, grad_out):
    return grad_out * (self.mask > 0) * (1 - self.rate)


def backward_in_place(self, grad_out):
    grad_out *= self.mask
    return grad_out


def backward_float64(self, grad_out):
    return grad_out * (self.mask > 0) / (1 - self.rate) * np.ones(grad_out.shape)


# --- 10.5 BatchNorm.forward
def bn_forward(self, x, axis=0, ddof=0, eps_outside=False, no_eps=False, update=True, update_in_eval=False,
               momentum_swapped=False, replace=False, running_ddof=0, eval_batch=False, affine=True,
               swap_affine=False, divide_by_var=False, train_running=False, inv=True):
    m = self.momentum
    if self.training or eval_batch:
        mean = x.mean(axis=axis, keepdims=axis == 1)
        var = x.var(axis=axis, ddof=ddof, keepdims=axis == 1)
    if (self.training and update) or update_in_eval:
        batch_mean, batch_var = x.mean(axis=0), x.var(axis=0, ddof=running_ddof)
        for name, batch in (("running_mean", batch_mean), ("running_var", batch_var)):
            old = self.state[name]
            self.state[name] = batch if replace else ((1 - m) * old + m * batch if momentum_swapped else m * old + (1 - m) * batch)
    if not (self.training or eval_batch) or train_running:
        mean, var = self.state["running_mean"], self.state["running_var"]
    if eps_outside:
        std = np.sqrt(var) + self.eps
    elif no_eps:
        std = np.sqrt(var)
    elif divide_by_var:
        std = var + self.eps
    else:
        std = np.sqrt(var + self.eps)
    self.inv_std = 1 / std if inv else std
    self.x_hat = (x - mean) / std
    gamma, beta = self.params["gamma"], self.params["beta"]
    if swap_affine:
        gamma, beta = beta, gamma
    return gamma * self.x_hat + beta if affine else self.x_hat


def bn_over_features(self, x):
    return bn_forward(self, x, axis=1)


def bn_over_features_unbroadcastable(self, x):
    mean, var = x.mean(axis=1), x.var(axis=1)
    self.inv_std = 1 / np.sqrt(var + self.eps)
    self.x_hat = (x - mean) * self.inv_std
    return self.params["gamma"] * self.x_hat + self.params["beta"]


def bn_unbiased(self, x):
    return bn_forward(self, x, ddof=1)


def bn_eps_outside(self, x):
    return bn_forward(self, x, eps_outside=True)


def bn_without_eps(self, x):
    return bn_forward(self, x, no_eps=True)


def bn_divided_by_variance(self, x):
    return bn_forward(self, x, divide_by_var=True)


def bn_without_gamma_beta(self, x):
    return bn_forward(self, x, affine=False)


def bn_gamma_beta_swapped(self, x):
    return bn_forward(self, x, swap_affine=True)


def bn_running_not_updated(self, x):
    return bn_forward(self, x, update=False)


def bn_updated_in_evaluation(self, x):
    return bn_forward(self, x, update_in_eval=True)


def bn_momentum_swapped(self, x):
    return bn_forward(self, x, momentum_swapped=True)


def bn_running_replaced(self, x):
    return bn_forward(self, x, replace=True)


def bn_running_var_unbiased(self, x):
    return bn_forward(self, x, running_ddof=1)


def bn_batch_stats_in_evaluation(self, x):
    return bn_forward(self, x, eval_batch=True)


def bn_running_stats_in_training(self, x):
    return bn_forward(self, x, train_running=True)


def bn_keeps_std(self, x):
    return bn_forward(self, x, inv=False)


# --- 10.6 BatchNorm.backward
def bn_grads(self, grad_out):
    self.grads["beta"] = grad_out.sum(axis=0)
    self.grads["gamma"] = (grad_out * self.x_hat).sum(axis=0)
    return self.params["gamma"], self.inv_std, len(grad_out)


def bn_backward_direct_only(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return grad_out * gamma * inv


def bn_backward_no_variance_term(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return gamma * inv * (grad_out - grad_out.mean(axis=0))


def bn_backward_no_mean_term(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return gamma * inv * (grad_out - self.x_hat * (grad_out * self.x_hat).mean(axis=0))


def bn_backward_no_gamma(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return inv / n * (n * grad_out - grad_out.sum(axis=0) - self.x_hat * (grad_out * self.x_hat).sum(axis=0))


def bn_backward_no_one_over_n(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return gamma * inv * (n * grad_out - grad_out.sum(axis=0) - self.x_hat * (grad_out * self.x_hat).sum(axis=0))


def bn_backward_variance_term_sums_dy(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return gamma * inv / n * (n * grad_out - grad_out.sum(axis=0) - self.x_hat * grad_out.sum(axis=0))


def bn_backward_dgamma_without_x_hat(self, grad_out):
    dx = bn_correct_backward(self, grad_out)
    self.grads["gamma"] = grad_out.sum(axis=0)
    return dx


def bn_backward_dbeta_averaged(self, grad_out):
    dx = bn_correct_backward(self, grad_out)
    self.grads["beta"] = grad_out.mean(axis=0)
    return dx


def bn_backward_dgamma_not_summed(self, grad_out):
    dx = bn_correct_backward(self, grad_out)
    self.grads["gamma"] = grad_out * self.x_hat
    return dx


def bn_backward_swapped_grads(self, grad_out):
    dx = bn_correct_backward(self, grad_out)
    self.grads["gamma"], self.grads["beta"] = self.grads["beta"], self.grads["gamma"]
    return dx


def bn_backward_in_place(self, grad_out):
    dx = bn_correct_backward(self, grad_out.copy())
    grad_out *= self.params["gamma"]
    return dx


def bn_correct_backward(self, grad_out):
    gamma, inv, n = bn_grads(self, grad_out)
    return gamma * inv / n * (n * grad_out - self.grads["beta"] - self.x_hat * self.grads["gamma"])


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases([
    ("10.1", l2_without_half, r"1/2 is missing"),
    ("10.1", l2_with_biases, r"biases are penalised"),
    ("10.1", l2_every_parameter, r"every parameter is penalised"),
    ("10.1", l2_first_layer_only, r"only the first weight layer"),
    ("10.1", l2_overwritten_in_loop, r"only the last weight layer"),
    ("10.1", l2_of_norms, r"norms of the weights are added"),
    ("10.1", l2_mean_of_squares, r"averaged \(np\.mean\)"),
    ("10.1", l2_per_layer_list, r"one value per layer"),
    ("10.1", l2_squares_in_place, r"changed its input array in place"),
    ("10.2", grad_factor_two, r"factor is 2 \* strength"),
    ("10.2", grad_half_strength, r"factor is strength / 2"),
    ("10.2", grad_wrong_sign, r"sign is wrong"),
    ("10.2", grad_replaced, r"replaced by strength \* W"),
    ("10.2", grad_biases_too, r"biases' gradients got the L2 term"),
    ("10.2", grad_every_parameter, r"biases' gradients got the L2 term"),
    ("10.2", grad_decays_weights, r"changed layer 0's weights themselves"),
    ("10.2", grad_local_name_only, r"nothing was added"),
    ("10.2", grad_of_the_square, r"not strength \* W \*\* 2"),
    ("10.3", dropout_not_rescaled, r"dropout not rescaled"),
    ("10.3", dropout_times_keep, r"multiplied by the keep probability"),
    ("10.3", dropout_over_rate, r"scaled by 1 / rate"),
    ("10.3", dropout_rate_as_keep, r"rate used as the probability of keeping"),
    ("10.3", dropout_np_random, r"drawn from np\.random"),
    ("10.3", dropout_seeded_each_call, r"same elements on the second call.*one mask for every call"),
    ("10.3", dropout_in_evaluation, r"dropout applied in evaluation mode"),
    ("10.3", dropout_scaled_in_evaluation, r"non-inverted dropout scales at test time"),
    ("10.3", dropout_one_per_feature, r"one random number per feature"),
    ("10.3", dropout_boolean_mask, r"kept self\.mask as 0s and 1s"),
    ("10.3", dropout_float64_mask, r"float32 input into float64.*float64 mask"),
    ("10.3", dropout_in_place, r"changed its input array in place"),
    ("10.4", backward_not_rescaled, r"masked but not rescaled"),
    ("10.4", backward_new_mask, r"drew random numbers.*new mask drawn in backward"),
    ("10.4", backward_new_mask_from_np_random, r"new mask drawn in backward\? Use self\.mask"),
    ("10.4", backward_unchanged, r"grad_out returned unchanged"),
    ("10.4", backward_scaled_twice, r"rescaled twice"),
    ("10.4", backward_times_keep, r"multiplied by 1 - rate"),
    ("10.4", backward_in_place, r"changed its input array in place"),
    ("10.4", backward_float64, r"float32 input into float64"),
    ("10.5", bn_over_features, r"over axis=1, one per example"),
    ("10.5", bn_over_features_unbroadcastable, r"taken over axis=1, one per example"),
    ("10.5", bn_unbiased, r"divides by n - 1 \(ddof=1\)"),
    ("10.5", bn_eps_outside, r"eps is outside the square root"),
    ("10.5", bn_without_eps, r"eps is missing"),
    ("10.5", bn_divided_by_variance, r"divided by the variance"),
    ("10.5", bn_without_gamma_beta, r"gamma and beta are not applied"),
    ("10.5", bn_gamma_beta_swapped, r"gamma and beta are swapped"),
    ("10.5", bn_running_not_updated, r"running statistics were not updated"),
    ("10.5", bn_updated_in_evaluation, r"running statistics updated in evaluation mode"),
    ("10.5", bn_momentum_swapped, r"momentum applied the wrong way round"),
    ("10.5", bn_running_replaced, r"replaced by the batch's"),
    ("10.5", bn_running_var_unbiased, r"running variance uses ddof=1"),
    ("10.5", bn_batch_stats_in_evaluation, r"evaluation mode normalised with the batch's statistics"),
    ("10.5", bn_running_stats_in_training, r"training mode normalised with the running statistics"),
    ("10.5", bn_keeps_std, r"inv_std holds sqrt\(var \+ eps\)"),
    ("10.6", bn_backward_direct_only, r"only the direct path"),
    ("10.6", bn_backward_no_variance_term, r"term through the variance is missing"),
    ("10.6", bn_backward_no_mean_term, r"term through the mean is missing"),
    ("10.6", bn_backward_no_gamma, r"gamma is missing"),
    ("10.6", bn_backward_no_one_over_n, r"1 / n in front is missing"),
    ("10.6", bn_backward_variance_term_sums_dy, r"variance's term sums dy"),
    ("10.6", bn_backward_dgamma_without_x_hat, r"dgamma is dy summed"),
    ("10.6", bn_backward_dbeta_averaged, r"dbeta is averaged"),
    ("10.6", bn_backward_dgamma_not_summed, r"dgamma has one value per feature"),
    ("10.6", bn_backward_swapped_grads, r"dgamma is dy summed|dbeta has dgamma's formula"),
    ("10.6", bn_backward_in_place, r"changed its input array in place"),
]))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


# --- the layers in a network: gradients, modes, saving ------------------------------------------


def _net(rng, dropout=0.0, batchnorm=True):
    # BatchNorm after the activation: right after a Dense it would cancel the bias, whose gradient is then 0
    layers = [Dense(4, 6, rng), Activation("tanh"), BatchNorm(6) if batchnorm else Activation("linear")]
    if dropout:
        layers.append(Dropout(dropout, rng))
    return Network(layers + [Dense(6, 3, rng)])


def test_batchnorm_passes_the_gradient_check_in_float64():
    rng = np.random.default_rng(0)
    layer = BatchNorm(5)
    layer.params["gamma"][:] = rng.normal(size=5)
    layer.params["beta"][:] = rng.normal(size=5)
    report = gradient_check_layer(layer, rng.normal(size=(7, 5)) * 3 + 1, rng)
    assert report.passed and report.worst() < 1e-7, report


def test_a_network_with_batchnorm_and_the_l2_term_passes_the_gradient_check():
    rng = np.random.default_rng(1)
    model = _net(rng)
    x, y = rng.normal(size=(8, 4)), rng.integers(0, 3, size=8)
    assert gradient_check(model, x, y).worst() < 1e-7
    l2 = L2(0.05)
    model.loss_and_gradients(x, y, l2)
    analytic = [g.copy() for g in model.gradients()]

    def loss():
        return model.loss(model.forward(x), y) + l2_penalty(model, 0.05)

    from scratchdl.course.numeric import central_differences
    for param, grad in zip(model.parameters(), analytic):
        numeric = central_differences(loss, param)
        assert np.linalg.norm(grad - numeric) / (np.linalg.norm(grad) + np.linalg.norm(numeric)) < 1e-7


def test_dropout_with_a_fixed_mask_passes_the_gradient_check():
    rng = np.random.default_rng(2)
    layer = Dropout(0.3, rng)

    class Again(np.random.Generator):  # the same mask at every forward, for the numerical gradient
        pass

    layer.rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4))
    state = layer.rng.bit_generator.state

    def forward_with_the_same_mask(x):
        layer.rng.bit_generator.state = state
        return Dropout.forward(layer, x)

    layer.forward = forward_with_the_same_mask
    report = gradient_check_layer(layer, x, rng)
    assert report.passed and report.worst() < 1e-7, report


def test_fit_trains_in_training_mode_and_predict_evaluates_in_evaluation_mode():
    rng = np.random.default_rng(3)
    model = _net(rng, dropout=0.5)
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, size=64)
    modes = []
    original = Dropout.forward

    class Spy(Dropout):
        def forward(self, x):
            modes.append(self.training)
            return original(self, x)

    model.layers[3].__class__ = Spy
    fit(model, X, y, epochs=2, batch_size=32, optimizer=SGD(0.1), validation_data=(X, y), rng=0, verbose=0)
    assert True in modes and False in modes  # batches trained, validation evaluated
    assert model.training and all(layer.training for layer in model.layers)  # switched back
    first = model.predict_proba(X)
    assert np.array_equal(first, model.predict_proba(X))  # nothing random in evaluation
    running = model.layers[2].state["running_mean"].copy()
    model.evaluate(X, y)
    assert np.array_equal(running, model.layers[2].state["running_mean"])  # evaluation updates nothing


def test_the_regularizer_adds_its_term_to_the_training_loss_only():
    rng = np.random.default_rng(4)
    model = _net(rng, batchnorm=False)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 3, size=32)
    value, _ = model.loss_and_gradients(X, y)
    with_term, _ = model.loss_and_gradients(X, y, L2(0.1))
    assert with_term == pytest.approx(value + l2_penalty(model, 0.1))
    history = fit(model, X, y, epochs=1, batch_size=32, optimizer=SGD(0.0), validation_data=(X, y),
                  rng=0, verbose=0, regularizer=L2(0.1))
    assert history["loss"][0] == pytest.approx(history["val_loss"][0] + l2_penalty(model, 0.1))


def test_save_and_load_keep_batchnorm_running_statistics(tmp_path):
    rng = np.random.default_rng(5)
    model = _net(rng)
    X, y = rng.normal(size=(64, 4)), rng.integers(0, 3, size=64)
    fit(model, X, y, epochs=2, batch_size=16, optimizer=SGD(0.1), rng=0, verbose=0)
    model.save(tmp_path / "model.npz")
    other = _net(np.random.default_rng(6)).load(tmp_path / "model.npz")
    assert np.array_equal(other.layers[2].state["running_var"], model.layers[2].state["running_var"])
    assert np.array_equal(other.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="running_mean"):
        Network([Dense(4, 6, rng), Activation("tanh"), Dense(6, 3, rng)]).load(tmp_path / "model.npz")


def test_weight_layers_and_add_l2_gradients_leave_other_layers_alone():
    rng = np.random.default_rng(7)
    model = _net(rng)
    assert [type(layer).__name__ for layer in weight_layers(model)] == ["Dense", "Dense"]
    for layer in model.layers:
        for name in layer.params:
            layer.grads[name] = np.zeros_like(layer.params[name])
    add_l2_gradients(model, 0.5)
    assert np.array_equal(model.layers[2].grads["gamma"], np.zeros(6))
    assert np.allclose(model.layers[0].grads["W"], 0.5 * model.layers[0].params["W"])
