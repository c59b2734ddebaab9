"""Chapter 5, backpropagation: checks name typical mistakes, and every layer and loss passes a
numerical gradient check below 1e-7 in float64 while a wrong backward is caught."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.gradcheck import gradient_check, gradient_check_layer, gradient_check_loss, relative_error
from scratchdl.layers import Activation, Dense
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy
from scratchdl.network import Network


# --- 5.1 numerical gradient
def one_sided(f, x, eps=1e-6):
    grad, base = np.zeros(x.shape), f(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        grad[i] = (f(x) - base) / eps
        x[i] = saved
    return grad


def not_restoring(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def missing_two(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved - eps
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / eps
    return grad


def nudging_a_copy(f, x, eps=1e-6):
    # "don't touch the caller's array": but gradient_check's f reads the network's own weights
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += eps
        x_minus[i] -= eps
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * eps)
    return grad


def own_step_size(f, x, eps=1e-6):
    h = 1e-5  # a step of its own: the caller's eps is never used
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def large_step_size(f, x, eps=1e-6):
    h = 0.01  # "a bigger step is more stable"
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def plus_twice(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved + eps  # copied from the line above, sign not changed
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rows_only(f, x, eps=1e-6):
    grad = np.zeros(x.shape)
    for i in range(len(x)):  # for a 2-D x, x[i] is a whole row
        saved = x[i].copy()
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved - eps
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def zeros_like_x(f, x, eps=1e-6):
    grad = np.zeros_like(x)  # float32 for float32 x
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        f_plus = f(x)
        x[i] = saved - eps
        f_minus = f(x)
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


# --- 5.2 dense backward
def db_mean(self, grad_out):
    self.grads["W"] = self.x.T @ grad_out
    self.grads["b"] = grad_out.mean(axis=0)
    return grad_out @ self.params["W"].T


def dw_transposed(self, grad_out):
    self.grads["W"] = grad_out.T @ self.x
    self.grads["b"] = grad_out.sum(axis=0)
    return grad_out @ self.params["W"].T


def dx_without_transpose(self, grad_out):
    self.grads["W"] = self.x.T @ grad_out
    self.grads["b"] = grad_out.sum(axis=0)
    return grad_out @ self.params["W"]


def grads_not_stored(self, grad_out):
    return grad_out @ self.params["W"].T


def dw_averaged(self, grad_out):
    self.grads["W"] = self.x.T @ grad_out / len(grad_out)
    self.grads["b"] = grad_out.sum(axis=0)
    return grad_out @ self.params["W"].T


def grads_accumulated(self, grad_out):
    self.grads["W"] += self.x.T @ grad_out
    self.grads["b"] += grad_out.sum(axis=0)
    return grad_out @ self.params["W"].T


def db_keepdims(self, grad_out):
    self.grads["W"] = self.x.T @ grad_out
    self.grads["b"] = grad_out.sum(axis=0, keepdims=True)
    return grad_out @ self.params["W"].T


def db_over_units(self, grad_out):
    self.grads["W"] = self.x.T @ grad_out
    self.grads["b"] = grad_out.sum(axis=1)
    return grad_out @ self.params["W"].T


def grad_out_averaged_in_place(self, grad_out):
    grad_out /= len(grad_out)  # "average over the batch" - in the caller's array
    self.grads["W"] = self.x.T @ grad_out
    self.grads["b"] = grad_out.sum(axis=0)
    return grad_out @ self.params["W"].T


# --- 5.3 activation backward
def derivative_only(self, grad_out):
    return self.g_prime(self.z)


def derivative_at_output(self, grad_out):
    return grad_out * self.g_prime(self.g(self.z))


def matrix_product(self, grad_out):
    return grad_out @ self.g_prime(self.z)


def matrix_product_transposed(self, grad_out):
    return np.dot(grad_out, self.g_prime(self.z).T)


def activation_not_derivative(self, grad_out):
    return grad_out * self.g(self.z)


def grad_out_unchanged(self, grad_out):
    return grad_out


def multiplied_in_place(self, grad_out):
    grad_out *= self.g_prime(self.z)  # saves an array, but changes the caller's
    return grad_out


# --- 5.4 network backward
def backward_forward_order(self, grad_out):
    for layer in self.layers:
        grad_out = layer.backward(grad_out)
    return grad_out


def backward_not_passing_on(self, grad_out):
    for layer in reversed(self.layers):
        layer.backward(grad_out)
    return grad_out


def backward_without_return(self, grad_out):
    for layer in reversed(self.layers):
        grad_out = layer.backward(grad_out)


def range_stopping_at_1(self, grad_out):
    for i in range(len(self.layers) - 1, 0, -1):
        grad_out = self.layers[i].backward(grad_out)
    return grad_out


def range_from_len(self, grad_out):
    for i in range(len(self.layers), -1, -1):
        grad_out = self.layers[i].backward(grad_out)
    return grad_out


def reversing_in_place(self, grad_out):
    self.layers.reverse()
    for layer in self.layers:
        grad_out = layer.backward(grad_out)
    return grad_out


MISTAKES = [
    ("5.1", one_sided, r"one-sided difference"),
    ("5.1", not_restoring, r"left x changed, by up to"),
    ("5.1", nudging_a_copy, r"you nudged a copy of x .* Nudge the caller's array itself"),
    ("5.1", missing_two, r"divide by 2 \* eps"),
    ("5.1", own_step_size, r"as if eps were tiny.*a step size of your own"),
    ("5.1", large_step_size, r"nudged each element by about 0\.01, not by the eps it was given"),
    ("5.1", plus_twice, r"f_plus and f_minus came out equal \(is x\[i\] set to saved \+ eps both times\?"),
    ("5.1", rows_only, r"np\.ndindex\(x\.shape\); range\(len\(x\)\) only visits whole rows"),
    ("5.1", zeros_like_x, r"np\.zeros_like\(x\) copies x's dtype; make the gradient with np\.zeros\(x\.shape\)"),
    ("5.2", db_mean, r"not the mean: grad_out\.sum\(axis=0\)"),
    ("5.2", dw_transposed, r"the transpose of W's"),
    ("5.2", grads_accumulated, r"doubled self\.grads\['W'\].*self\.grads\['W'\] \+= \.\.\. adds .* Assign instead"),
    ("5.2", dx_without_transpose, r"inner sizes of a matrix product must match"),
    ("5.2", grads_not_stored, r"did not store the parameter gradients"),
    ("5.2", dw_averaged, r"dW should not be divided by n"),
    ("5.2", db_keepdims, r"keepdims=True keeps a \(1, fan_out\) row"),
    ("5.2", db_over_units, r"a sum over axis 1 \(the units\)"),
    ("5.2", grad_out_averaged_in_place, r"Dense\(3 → 4\)\.backward\(grad_out\) changed its input array in place"),
    ("5.3", derivative_only, r"without multiplying by grad_out"),
    ("5.3", derivative_at_output, r"derivative at the output g\(z\)"),
    ("5.3", matrix_product, r"elementwise product grad_out \* g.\(z\), not a matrix product"),
    ("5.3", multiplied_in_place, r"Activation\.backward\(grad_out\) changed its input array in place"),
    ("5.3", activation_not_derivative, r"multiplied by g\(z\), the activation itself"),
    ("5.3", grad_out_unchanged, r"returned grad_out unchanged"),
    ("5.3", matrix_product_transposed, r"a matrix product \(@ or np\.dot\) with g'\(z\)\.T"),
    ("5.4", backward_forward_order, r"it must go from the last layer to the first"),
    ("5.4", backward_not_passing_on, r"not what layer 2's backward returned"),
    ("5.4", backward_without_return, r"returned None; return the gradient for the network's input"),
    ("5.4", range_stopping_at_1, r"layer 0 was skipped.*range\(len\(self\.layers\) - 1, 0, -1\) stops before 0"),
    ("5.4", range_from_len, r"IndexError.*a range from len\(self\.layers\) goes one past the end"),
    ("5.4", reversing_in_place, r"self\.layers\.reverse\(\) turns the list round in place"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


# --- gradient checks of everything in the package -------------------------------------------


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_every_activation_layer_passes_the_gradient_check(name):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 5))
    z[np.abs(z) < 1e-3] = 0.5  # keep ReLU's kink away from the nudges
    report = gradient_check_layer(Activation(name), z, rng)
    assert report.passed and report.worst() < 1e-7, report


def test_the_dense_layer_passes_the_gradient_check():
    rng = np.random.default_rng(1)
    report = gradient_check_layer(Dense(4, 3, rng), rng.normal(size=(5, 4)), rng)
    assert set(report.errors) == {"Dense(4 → 3) input", "Dense(4 → 3) W", "Dense(4 → 3) b"}
    assert report.passed and report.worst() < 1e-7, report


@pytest.mark.parametrize(
    "loss, y_pred, y",
    [
        (MeanSquaredError(), np.random.default_rng(2).normal(size=(5, 3)), np.random.default_rng(3).normal(size=(5, 3))),
        (BinaryCrossEntropy(), np.random.default_rng(4).uniform(0.05, 0.95, size=(6, 1)), np.array([0, 1, 1, 0, 1, 0])),
        (SoftmaxCrossEntropy(), np.random.default_rng(5).normal(size=(6, 4)) * 3, np.array([0, 3, 1, 2, 2, 0])),
        (SigmoidCrossEntropy(), np.random.default_rng(7).normal(size=(6, 1)) * 3, np.array([0, 1, 1, 0, 1, 0])),
    ],
    ids=["mse", "binary_cross_entropy", "softmax_cross_entropy", "sigmoid_cross_entropy"],
)
def test_every_loss_passes_the_gradient_check(loss, y_pred, y):
    report = gradient_check_loss(loss, y_pred, y)
    assert report.passed and report.worst() < 1e-7, report


def small_network(rng, loss="softmax_cross_entropy", out=3, last=None):
    layers = [Dense(4, 5, rng), Activation("tanh"), Dense(5, 4, rng), Activation("sigmoid"), Dense(4, out, rng)]
    return Network(layers + ([Activation(last)] if last else []), loss=loss)


@pytest.mark.parametrize("loss, out, last, y", [
    ("softmax_cross_entropy", 3, None, np.array([0, 2, 1, 1, 0, 2])),
    ("binary_cross_entropy", 1, "sigmoid", np.array([0, 1, 1, 0, 1, 0])),
    ("sigmoid_cross_entropy", 1, None, np.array([0, 1, 1, 0, 1, 0])),
    ("mse", 2, None, np.random.default_rng(9).normal(size=(6, 2))),
])
def test_whole_networks_pass_the_gradient_check_per_parameter(loss, out, last, y):
    rng = np.random.default_rng(6)
    net = small_network(rng, loss, out, last)
    report = gradient_check(net, rng.normal(size=(6, 4)), y)
    assert list(report.errors) == [name for name, _ in net.named_parameters()]
    assert report.passed and report.worst() < 1e-7, report


class BiasAveragingDense(Dense):
    """A deliberately wrong backward: the bias gradient averaged instead of summed."""

    def backward(self, grad_out):
        grad_x = super().backward(grad_out)
        self.grads["b"] = grad_out.mean(axis=0)
        return grad_x


def test_a_wrong_backward_is_caught_and_named():
    rng = np.random.default_rng(7)
    net = Network([BiasAveragingDense(4, 5, rng), Activation("tanh"), Dense(5, 3, rng)])
    report = gradient_check(net, rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2]))
    assert not report.passed
    assert report.errors["layer 0 b"] > 0.1
    assert all(error < 1e-7 for name, error in report.errors.items() if name != "layer 0 b")
    assert "✗ too large" in repr(report).splitlines()[2]


def test_gradient_checks_refuse_float32():
    rng = np.random.default_rng(8)
    with pytest.raises(TypeError, match=r"gradient checks need float64 .* got float32"):
        gradient_check_layer(Dense(2, 2, rng, dtype=np.float32), np.zeros((1, 2), np.float32), rng)


def test_relative_error_is_zero_when_equal_and_one_when_opposite():
    a = np.array([1.0, -2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
