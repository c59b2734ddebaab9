"""Yours to write - chapter 6: 6.2 SGD.step, 6.3 Momentum.step, 6.4 Adam.step.

Chapter 6 - optimizers: how parameters change, given their gradients.

Every optimizer has one method, step(params, grads): two lists of arrays in the same order
(from network.parameters() and network.gradients()). It must change each parameter array *in
place* - `p -= ...`, not `p = p - ...` - because the layers hold those very arrays: a new array
would be thrown away and the network would never change. State that lasts from step to step
(a velocity, running averages) is kept per parameter, by its position in the list.
"""

import numpy as np  # noqa: F401 - for your code

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.tools.inputs import params_and_grads  # checks step's arguments before your code runs


class SGD:
    """Plain (minibatch) gradient descent: p <- p - learning_rate * g."""

    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate

    def __repr__(self):
        return f"SGD(learning_rate={self.learning_rate})"

    @exercise("6.2", arguments=params_and_grads)
    def step(self, params, grads):
        """Move every parameter a small step against its gradient, in place.

            p <- p - learning_rate * g

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i].
        """
        raise ExerciseTodo("6.2")


class Momentum:
    """Gradient descent with momentum: a velocity that remembers past steps.

        v <- momentum * v - learning_rate * g
        p <- p + v

    In a long narrow valley the gradient zigzags across the valley; the zigzags cancel in v
    while the steady downhill component adds up, so momentum moves faster along the valley.
    """

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocities = {}  # position in the parameter list -> velocity array

    def __repr__(self):
        return f"Momentum(learning_rate={self.learning_rate}, momentum={self.momentum})"

    @exercise("6.3", arguments=params_and_grads)
    def step(self, params, grads):
        """One momentum step for every parameter, in place (v starts as zeros, one per parameter).

            v <- momentum * v - learning_rate * g
            p <- p + v

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i].
        """
        raise ExerciseTodo("6.3")


class Adam:
    """Adam (Kingma and Ba, 2015): momentum plus a step size adapted to each parameter.

    m is a running average of the gradient, v of its square. Both start at 0, so early on they
    are too small; dividing by (1 - beta**t) corrects that bias. The step divides by sqrt(v):
    parameters with large, noisy gradients take smaller steps.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0  # steps taken so far
        self.m = {}  # position in the parameter list -> running average of g
        self.v = {}  # position in the parameter list -> running average of g**2

    def __repr__(self):
        return f"Adam(learning_rate={self.learning_rate})"

    @exercise("6.4", arguments=params_and_grads)
    def step(self, params, grads):
        """One Adam step for every parameter, in place (m and v start as zeros).

            t <- t + 1                                  (once per step, not per parameter)
            m <- beta1 * m + (1 - beta1) * g
            v <- beta2 * v + (1 - beta2) * g**2
            m_hat = m / (1 - beta1**t),   v_hat = v / (1 - beta2**t)
            p <- p - learning_rate * m_hat / (sqrt(v_hat) + eps)

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i].
        """
        raise ExerciseTodo("6.4")


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019).

    Before each Adam step every parameter shrinks a little, p <- p - learning_rate *
    weight_decay * p, which pulls weights the data does not need back towards 0: a simple way
    to curb overfitting. Every weight shrinks by the same factor, 1 - learning_rate *
    weight_decay, whatever its gradients have been.

    Adding weight_decay * p to the gradient instead (an L2 penalty) is the same thing for plain
    gradient descent, but not for Adam: Adam divides that term, like the rest of the gradient,
    by sqrt(v_hat), so a weight shrinks by about learning_rate * weight_decay * p / sqrt(v_hat)
    per step. Weights with a history of large gradients (a large v_hat) are then decayed less,
    and weights with small gradients more.
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.01, **adam_options):
        super().__init__(learning_rate, **adam_options)
        self.weight_decay = weight_decay

    def __repr__(self):
        return f"AdamW(learning_rate={self.learning_rate}, weight_decay={self.weight_decay})"

    def step(self, params, grads):
        shrink = self.learning_rate * self.weight_decay
        for p in params:
            p -= shrink * p
        super().step(params, grads)  # your Adam (exercise 6.4)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam, "adamw": AdamW}


def get_optimizer(optimizer, learning_rate=None):
    """An optimizer from a name in OPTIMIZERS (or an optimizer object, returned as it is)."""
    if not isinstance(optimizer, str):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[optimizer]
    return cls() if learning_rate is None else cls(learning_rate)
