"""Yours to write - chapter 3: 3.1 Dense.forward; chapter 5: 5.2 Dense.backward, 5.3
Activation.backward.

Layers: the building blocks of a network (chapter 3 forward, chapter 5 backward).

Every layer has the same small interface:

    out = layer(x)                  forward: remembers what backward will need
    grad_x = layer.backward(grad_out)   backward: fills layer.grads, returns the gradient for x
    layer.params, layer.grads       dicts of arrays, same keys and shapes
    layer.training                  True while training (chapter 10: dropout and batch norm
                                    behave differently in evaluation); Network.train sets it

`grad_out` is the gradient of the loss with respect to the layer's output; `backward` turns it
into the gradients with respect to the layer's parameters (stored in `grads`) and with respect
to its input (returned, to be passed on to the layer below). Calling a layer - `layer(x)` -
checks the input and then runs `forward`.
"""

import numpy as np

from scratchdl.activations import get_activation
from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.initializers import initialize


class Layer:
    """What every layer has: parameters, their gradients, forward and backward."""

    training = True  # training mode (the default) or evaluation mode (False): see Network.train

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.state = {}  # arrays kept between batches that are not trained (batch norm's running statistics)

    def __call__(self, x):
        self.check_input(x)
        return self.forward(x)

    def check_input(self, x):
        """Raise a clear error for input this layer cannot take (before any state changes)."""
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{self} expects a numpy array; got {type(x).__name__}")

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def output_shape(self):
        """The shape of the last forward's output, from what forward kept (None before forward)."""
        raise NotImplementedError

    def check_grad_out(self, grad_out):
        """Raise a clear error if backward cannot run: no forward yet, or grad_out not of the
        shape of forward's output. Runs before backward's body (yours or the reference)."""
        expected = self.output_shape()
        if expected is None:
            raise ValueError(f"{self}.backward was called before forward: backward needs what forward "
                             "keeps. Run forward on the batch first.")
        if np.shape(grad_out) != expected:
            raise ValueError(f"{self}.backward: grad_out has shape {np.shape(grad_out)}; expected {expected}, "
                             "the shape of the output of the last forward")


class Dense(Layer):
    """A fully connected layer: out = x @ W + b.

    Args:
        fan_in:  int, number of input features.
        fan_out: int, number of units (output features).
        rng:     numpy.random.Generator for the initial weights.
        init:    name of an initialiser from chapter 1 (see scratchdl.initializers).
        dtype:   float64 (gradient checks, small demos) or float32 (MNIST, for speed).

    Parameters: W of shape (fan_in, fan_out), b of shape (fan_out,), which starts at 0.
    """

    def __init__(self, fan_in, fan_out, rng, init="xavier_normal", dtype=np.float64):
        super().__init__()
        self.fan_in, self.fan_out = fan_in, fan_out
        self.params["W"] = initialize(init, fan_in, fan_out, rng).astype(dtype)
        self.params["b"] = np.zeros(fan_out, dtype=dtype)
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.x = None  # the last input, kept by forward for backward

    def __repr__(self):
        return f"Dense({self.fan_in} → {self.fan_out})"

    def check_input(self, x):
        super().check_input(x)
        if x.ndim != 2 or x.shape[1] != self.fan_in:
            raise ValueError(
                f"{self} expects input of shape (n, {self.fan_in}); got shape {x.shape}"
            )

    @exercise("3.1")
    def forward(self, x):
        """The forward pass: out = x @ W + b.

        Each row of x is one example; x @ W gives every unit's weighted sum for every example at
        once, and b (one number per unit) is added to every row by broadcasting.

        Args:
            x: float array of shape (n, fan_in), a batch of n examples.

        Returns:
            out: float array of shape (n, fan_out).

        Keeps, for backward:
            self.x: x itself, shape (n, fan_in).
        """
        raise ExerciseTodo("3.1")

    def output_shape(self):
        return None if self.x is None else (len(self.x), self.fan_out)

    @exercise("5.2", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """The backward pass of out = x @ W + b, for the x that forward kept in self.x.

        With G = grad_out, the gradient of the loss with respect to out:

            dW = x.T @ G          (fan_in, fan_out): each weight's gradient, summed over the batch
            db = G.sum(axis=0)    (fan_out,): the bias is added to every row, so its gradients add up
            dx = G @ W.T          (n, fan_in): passed on to the layer below

        Store dW and db in self.grads["W"] and self.grads["b"] (assigning new arrays is fine: the
        optimizer reads self.grads afresh at every step); return dx.

        Args:
            grad_out: float array of shape (n, fan_out).

        Returns:
            grad_x: float array of shape (n, fan_in).
        """
        raise ExerciseTodo("5.2")


class Activation(Layer):
    """An activation function applied elementwise: out = g(z), with no parameters.

    Args:
        name: "sigmoid", "tanh", "relu", "leaky_relu" or "linear" (see scratchdl.activations).
    """

    def __init__(self, name):
        super().__init__()
        self.name = name
        self.g, self.g_prime = get_activation(name)
        self.z = None  # the last input (any shape), kept by forward for backward

    def __repr__(self):
        return f"Activation({self.name!r})"

    def forward(self, z):
        self.z = z
        return self.g(z)

    def output_shape(self):
        return None if self.z is None else np.shape(self.z)

    @exercise("5.3", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """The backward pass of out = g(z): grad_z = grad_out * g'(z), elementwise.

        Each output depends only on the input at the same position, so the chain rule is a plain
        elementwise product with the derivative at the z kept by forward (self.z).

        Args:
            grad_out: float array, the shape of z.

        Returns:
            grad_z: float array, the shape of z.
        """
        raise ExerciseTodo("5.3")
