"""Yours to write - chapter 10: 10.1 l2_penalty, 10.2 add_l2_gradients, 10.3 Dropout.forward,
10.4 Dropout.backward, 10.5 BatchNorm.forward, 10.6 BatchNorm.backward.

Chapter 10 - regularisation and normalisation: what keeps a network from learning its training
set by heart (an L2 term, dropout), and what lets a deep one train at all (batch normalisation).

    model = Network([Dense(784, 256, rng), BatchNorm(256), Activation("relu"), Dropout(0.5, rng),
                     Dense(256, 10, rng)])
    fit(model, X, y, epochs=20, optimizer=Adam(1e-3), regularizer=L2(1e-4))

Dropout and batch normalisation behave differently while training and afterwards: every layer
has a flag, layer.training, which model.train() sets to True and model.train(False) to False for
all of a network's layers. fit trains in training mode; predict, predict_proba and evaluate (and
so the validation after every epoch) run in evaluation mode and switch back.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.layers import Layer


# --- the L2 term ----------------------------------------------------------------------------------


def weight_layers(model):
    """The layers of `model` that have a weight W (dense and convolution layers)."""
    return [layer for layer in model.layers if "W" in layer.params]


@exercise("10.1")
def l2_penalty(model, strength):
    """The L2 term added to the loss: strength / 2 times the sum of the squares of every weight.

        penalty = strength / 2 * sum over the weight layers of np.sum(W ** 2)

    Only the weights W are penalised (layer.params["W"] of the layers weight_layers(model) gives):
    not the biases b, nor batch norm's gamma and beta. A bias only shifts a unit; shrinking it
    does not make the function any smoother, and the usual convention leaves it alone.

    Args:
        model:    a Network; its weights are read, never changed.
        strength: float >= 0, the lambda in front of the term.

    Returns:
        float, the value of the term (0.0 for a network without weights).
    """
    raise ExerciseTodo("10.1")


@exercise("10.2")
def add_l2_gradients(model, strength):
    """Add the gradient of l2_penalty to the weights' gradients, after backward has filled them.

    The derivative of strength / 2 * W ** 2 with respect to W is strength * W (the 1/2 is there
    so that the 2 of the square cancels), so for every weight layer:

        layer.grads["W"]  becomes  layer.grads["W"] + strength * layer.params["W"]

    The biases' gradients stay as they are, and the weights themselves do not change: this is
    the gradient of a term of the loss, which the optimizer then uses like any other.

    Args:
        model:    a Network whose layers' grads hold the gradients of the data loss.
        strength: float >= 0.

    Returns:
        None.
    """
    raise ExerciseTodo("10.2")


class L2:
    """An L2 term for fit: fit(model, X, y, ..., regularizer=L2(1e-4)).

    After every backward, fit calls regularizer(model): it adds the term's gradient to the
    weights' gradients (your 10.2) and returns the term's value (your 10.1), which fit adds to the
    batch's loss. (The validation loss is the data loss alone.)
    """

    def __init__(self, strength):
        if not np.isscalar(strength) or not np.isfinite(strength) or strength < 0:
            raise ValueError(f"L2 strength must be a number >= 0; got {strength!r}")
        self.strength = float(strength)

    def __repr__(self):
        return f"L2({self.strength:g})"

    def __call__(self, model):
        add_l2_gradients(model, self.strength)
        return l2_penalty(model, self.strength)


# --- dropout ---------------------------------------------------------------------------------


class Dropout(Layer):
    """Inverted dropout: while training, each input is set to 0 with probability `rate` and the
    others are multiplied by 1 / (1 - rate); in evaluation, the input passes unchanged.

    The factor keeps every unit's expected output what it was: a unit kept with probability
    1 - rate and scaled by 1 / (1 - rate) has the mean x. So the network needs no change at all
    for evaluation, when nothing is dropped.

    Args:
        rate: float in [0, 1), the probability of DROPPING a unit (as in Keras and PyTorch).
        rng:  numpy.random.Generator: the masks are drawn from it, so that a seed fixes them.
    """

    def __init__(self, rate, rng):
        super().__init__()
        if not np.isscalar(rate) or not 0 <= rate < 1:
            raise ValueError(f"Dropout rate (the probability of dropping a unit) must be in [0, 1); got {rate!r}")
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dropout needs a numpy.random.Generator (np.random.default_rng(seed)); got {type(rng).__name__}")
        self.rate, self.rng = float(rate), rng
        self.mask = None  # what the last forward multiplied its input by, kept for backward

    def __repr__(self):
        return f"Dropout({self.rate:g})"

    @exercise("10.3")
    def forward(self, x):
        """Drop and rescale in training mode (self.training True); pass x through in evaluation.

        Training: draw a new mask for every call, from self.rng (never np.random): keep each
        element with probability 1 - rate, independently, e.g. self.rng.random(x.shape) >= rate.
        The kept elements are multiplied by 1 / (1 - rate), the dropped ones by 0.

        Evaluation: return x as it is, and draw nothing.

        Args:
            x: float array of any shape, (n, features) or images.

        Returns:
            float array of the shape and dtype of x (float32 stays float32). x is not changed.

        Keeps, for backward:
            self.mask: float array of the shape and dtype of x, what x was multiplied by:
                0 where dropped and 1 / (1 - rate) where kept - all ones in evaluation mode.
        """
        raise ExerciseTodo("10.3")

    def output_shape(self):
        return None if self.mask is None else self.mask.shape

    @exercise("10.4", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """out = x * mask, so grad_x = grad_out * mask, with the mask of the last forward.

        The same mask, not a new one: a dropped unit did not take part in this forward pass, so
        it gets no gradient, and a kept one passes its gradient on with the same factor.

        Args:
            grad_out: float array of the shape of forward's output.

        Returns:
            float array of that shape and dtype.
        """
        raise ExerciseTodo("10.4")


# --- batch normalisation ------------------------------------------------------------------------


class BatchNorm(Layer):
    """Batch normalisation for dense layers: each feature normalised over the batch, then scaled
    and shifted by learnt parameters.

        x_hat = (x - mean) / sqrt(var + eps)      per feature (column), over the batch (axis 0)
        out   = gamma * x_hat + beta

    While training, mean and var are the batch's own, and running averages of them are kept;
    in evaluation the running averages stand in for them, so that an example's output does not
    depend on the other examples of its batch.

    Args:
        n_features: int, the number of features (columns) of the input.
        momentum:   float in [0, 1): running = momentum * running + (1 - momentum) * batch's
                    (Keras's convention; PyTorch's momentum is 1 minus this).
        eps:        float > 0, added to the variance inside the square root: a feature that is
                    constant over the batch has variance 0.
        dtype:      float64 (gradient checks) or float32 (MNIST).

    Parameters: gamma (n_features,), starting at 1, and beta (n_features,), starting at 0.
    State (not trained, saved with the parameters): self.state["running_mean"], starting at 0,
    and self.state["running_var"], starting at 1.
    """

    def __init__(self, n_features, momentum=0.9, eps=1e-5, dtype=np.float64):
        super().__init__()
        if not np.isscalar(momentum) or not 0 <= momentum < 1:
            raise ValueError(f"BatchNorm momentum must be in [0, 1); got {momentum!r}")
        if not np.isscalar(eps) or not eps > 0:
            raise ValueError(f"BatchNorm eps must be a number > 0; got {eps!r}")
        self.n_features, self.momentum, self.eps = n_features, float(momentum), float(eps)
        self.params["gamma"] = np.ones(n_features, dtype=dtype)
        self.params["beta"] = np.zeros(n_features, dtype=dtype)
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.state["running_mean"] = np.zeros(n_features, dtype=dtype)
        self.state["running_var"] = np.ones(n_features, dtype=dtype)
        self.x_hat = None  # the last normalised input, kept by forward for backward
        self.inv_std = None  # 1 / sqrt(var + eps) of the last forward, kept for backward

    def __repr__(self):
        return f"BatchNorm({self.n_features})"

    def check_input(self, x):
        super().check_input(x)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"{self} expects input of shape (n, {self.n_features}); got shape {x.shape}")
        if self.training and len(x) < 2:
            raise ValueError(f"{self} in training mode needs a batch of at least 2 examples to take a variance "
                             f"over; got {len(x)}. (In evaluation mode, model.train(False), one is fine.)")

    @exercise("10.5")
    def forward(self, x):
        """Normalise every feature, then scale by gamma and shift by beta.

        Training mode (self.training True):
            mean = x.mean(axis=0), var = x.var(axis=0)   over the batch: one per feature, shape
                                                          (n_features,); the variance divides by
                                                          n (np.var's default, ddof=0)
            x_hat = (x - mean) / sqrt(var + eps)
            and update the running statistics (store new arrays in self.state):
            running_mean = momentum * running_mean + (1 - momentum) * mean
            running_var  = momentum * running_var  + (1 - momentum) * var

        Evaluation mode: x_hat = (x - running_mean) / sqrt(running_var + eps), and the running
        statistics stay as they are.

        Both: out = gamma * x_hat + beta.

        Args:
            x: float array of shape (n, n_features).

        Returns:
            float array of shape (n, n_features), x's dtype. x is not changed.

        Keeps, for backward:
            self.x_hat:   the normalised input, shape (n, n_features).
            self.inv_std: 1 / sqrt(var + eps) as used for x_hat, shape (n_features,).
        """
        raise ExerciseTodo("10.5")

    def output_shape(self):
        return None if self.x_hat is None else self.x_hat.shape

    @exercise("10.6", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """The backward pass of a training-mode forward, in the simplified form derived in the chapter.

        With dy = grad_out, n the batch size, and x_hat and inv_std as forward kept them:

            dbeta  = dy.sum(axis=0)
            dgamma = (dy * x_hat).sum(axis=0)
            dx     = gamma * inv_std / n * (n * dy - dy.sum(axis=0) - x_hat * (dy * x_hat).sum(axis=0))

        The two sums in dx are the paths through the batch's mean and variance: every x of a
        column moved the mean and the variance that normalised all the others.
        Store dgamma and dbeta in self.grads["gamma"] and self.grads["beta"]; return dx.

        Args:
            grad_out: float array of shape (n, n_features).

        Returns:
            float array of shape (n, n_features).
        """
        raise ExerciseTodo("10.6")
