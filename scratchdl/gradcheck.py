"""Yours to write - chapter 5: 5.1 numerical_gradient.

Chapter 5 - checking gradients numerically.

Backpropagation is easy to get subtly wrong, and a wrong gradient often still trains - just
worse. The cure is to compare it with a gradient computed from the definition of a derivative:

    df/dx_i  ~  (f(x + h e_i) - f(x - h e_i)) / (2 h)

one element at a time, with a small step h (the argument eps below; not machine epsilon). This
is far too slow for training (two evaluations of f per parameter), but perfect for testing: in
float64, a correct backward agrees to about 1e-9 or better.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise


@exercise("5.1")
def numerical_gradient(f, x, eps=1e-6):
    """The gradient of f at x by central differences, one element of x at a time.

    For each position i of x: set x[i] to x[i] + eps and evaluate f(x), set it to x[i] - eps
    and evaluate f(x), put back the original value, and take

        grad[i] = (f_plus - f_minus) / (2 * eps)

    x is changed in place while you work (that is how a network's own weights are nudged), so
    it must hold exactly its original values when you return. np.ndindex(x.shape) gives every
    position of an array of any shape.

    Args:
        f:   a function of the array x returning a float.
        x:   float array, any shape.
        eps: float, the size of the nudge: the step h of the central difference.

    Returns:
        float64 array of the shape of x, whatever x's dtype (np.zeros(x.shape) is float64):
        gradient checks compare to about 1e-7, beyond the precision of float32.
    """
    raise ExerciseTodo("5.1")


def relative_error(analytic, numeric):
    """|a - b| / (|a| + |b|) for a = analytic and b = numeric, with |.| the Euclidean norm.

    0 when the two are equal. Never more than 1 (the triangle inequality), and exactly 1 only when
    they point in opposite directions or one of them is zero. Two unrelated vectors of the same
    length land in between: random ones are nearly at right angles, so about sqrt(2)/2 = 0.71.
    Both zero gives 0.
    """
    analytic, numeric = np.asarray(analytic, dtype=float), np.asarray(numeric, dtype=float)
    scale = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(np.linalg.norm(analytic - numeric) / scale) if scale > 0 else 0.0


class GradientReport:
    """Relative errors between backprop and numerical gradients, one row per array."""

    def __init__(self, errors, tolerance):
        self.errors, self.tolerance = errors, tolerance

    @property
    def passed(self):
        return all(error < self.tolerance for error in self.errors.values())

    def worst(self):
        return max(self.errors.values())

    def __repr__(self):
        width = max(len(name) for name in self.errors)
        lines = [f"{'gradient of':<{width}}  relative error"]
        for name, error in self.errors.items():
            mark = "✓" if error < self.tolerance else "✗ too large: is this backward right?"
            lines.append(f"{name:<{width}}  {error:.2e}  {mark}")
        return "\n".join(lines)


def _require_float64(arrays):
    for a in arrays:
        if a.dtype != np.float64:
            raise TypeError(f"gradient checks need float64 (float32 rounding alone gives errors near 1e-3); got {a.dtype}")


def gradient_check(model, x, y, eps=1e-6, tolerance=1e-7):
    """Compare the network's backprop gradients of the loss with numerical ones, per parameter.

    Uses your numerical_gradient (exercise 5.1) and your backward passes.
    """
    _require_float64(model.parameters() + [np.asarray(x)])
    model.loss_and_gradients(x, y)
    analytic = [g.copy() for g in model.gradients()]

    def loss_now(_):
        return model.loss(model.forward(x), y)

    errors = {}
    for (name, param), grad in zip(model.named_parameters(), analytic):
        errors[name] = relative_error(grad, numerical_gradient(loss_now, param, eps))
    return GradientReport(errors, tolerance)


def gradient_check_layer(layer, x, rng, eps=1e-6, tolerance=1e-7):
    """Check one layer's backward: input and parameter gradients of sum(layer(x) * G), G random."""
    _require_float64([x] + list(layer.params.values()))
    G = rng.standard_normal(layer(x).shape)
    grad_x = layer.backward(G)
    analytic = {"input": grad_x, **{name: g.copy() for name, g in layer.grads.items()}}

    def f(_):
        return float(np.sum(layer(x) * G))

    numeric = {"input": numerical_gradient(f, x, eps)}
    for name, param in layer.params.items():
        numeric[name] = numerical_gradient(f, param, eps)
    return GradientReport({f"{layer} {name}": relative_error(analytic[name], numeric[name])
                           for name in analytic}, tolerance)


def gradient_check_loss(loss, y_pred, y, eps=1e-6, tolerance=1e-7):
    """Check a loss's backward: the gradient of loss(y_pred, y) with respect to y_pred."""
    _require_float64([y_pred])
    loss(y_pred, y)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda _: loss(y_pred, y), y_pred, eps)
    return GradientReport({f"{loss} input": relative_error(analytic, numeric)}, tolerance)
