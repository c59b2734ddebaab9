"""Yours to write - chapter 6: 6.2 SGD.step, 6.3 Momentum.step, 6.4 AdaGrad.step, 6.5
RMSProp.step, 6.6 Adam.step; chapter 7: 7.5 AdamW.step, 7.6 cosine_learning_rate.

Chapters 6 and 7 - optimizers: how parameters change, given their gradients; and how the
learning rate changes during a run.

Every optimizer has one method, step(params, grads): two lists of arrays in the same order
(from network.parameters() and network.gradients()). It must change each parameter array *in
place* - `p -= ...`, not `p = p - ...` - because the layers hold those very arrays: a new array
would be thrown away and the network would never change. State that lasts from step to step
(a velocity, running averages) is kept per parameter, by its position in the list.
"""

import numpy as np  # noqa: F401 - for your code

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.tools.inputs import params_and_grads, schedule_arguments  # check the arguments before your code runs


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


class AdaGrad:
    """AdaGrad (Duchi, Hazan and Singer, 2011): a step size of its own for every parameter.

        s <- s + g**2                                   (the sum of every squared gradient so far)
        p <- p - learning_rate * g / (sqrt(s) + eps)

    Each entry of p is divided by the root of its own sum of squared gradients: an entry with
    steep, large gradients takes small steps, a flat one large steps. On a long narrow valley
    that evens out the two directions. But s only grows, so every step is smaller than the one
    before (for a steady gradient g, the k-th step is learning_rate / sqrt(k)): AdaGrad slows
    down whether or not it has arrived.

    eps is added outside the square root, as in Adam (6.6): it only keeps the division safe
    where s is still 0 (a gradient that has always been 0).
    """

    def __init__(self, learning_rate=0.1, eps=1e-8):
        self.learning_rate, self.eps = learning_rate, eps
        self.s = {}  # position in the parameter list -> sum of g**2 over every step so far

    def __repr__(self):
        return f"AdaGrad(learning_rate={self.learning_rate})"

    @exercise("6.4", arguments=params_and_grads)
    def step(self, params, grads):
        """One AdaGrad step for every parameter, in place (s starts as zeros, one per parameter).

            s <- s + g**2                                   (first, so this step's g counts)
            p <- p - learning_rate * g / (sqrt(s) + eps)

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i].
        """
        raise ExerciseTodo("6.4")


class RMSProp:
    """RMSProp (Hinton, 2012): AdaGrad with a memory that fades.

        v <- rho * v + (1 - rho) * g**2                 (a running average of g**2)
        p <- p - learning_rate * g / (sqrt(v) + eps)

    Instead of AdaGrad's sum, v is a running average that forgets: each step keeps a fraction
    rho of the old v (about the last 1 / (1 - rho) steps count). The step size therefore
    follows the recent size of the gradient and does not shrink for ever. v starts at 0 and
    nothing corrects that, so the first steps are larger than later ones (the first is
    learning_rate / sqrt(1 - rho) per entry): Adam's bias correction (6.6) fixes exactly this.

    eps is added outside the square root, as in AdaGrad and Adam.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, eps=1e-8):
        self.learning_rate, self.rho, self.eps = learning_rate, rho, eps
        self.v = {}  # position in the parameter list -> running average of g**2

    def __repr__(self):
        return f"RMSProp(learning_rate={self.learning_rate}, rho={self.rho})"

    @exercise("6.5", arguments=params_and_grads)
    def step(self, params, grads):
        """One RMSProp step for every parameter, in place (v starts as zeros, one per parameter).

            v <- rho * v + (1 - rho) * g**2                 (first, so this step's g counts)
            p <- p - learning_rate * g / (sqrt(v) + eps)

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i].
        """
        raise ExerciseTodo("6.5")


class Adam:
    """Adam (Kingma and Ba, 2015): momentum plus a step size adapted to each parameter.

    m is a running average of the gradient (momentum, as in 6.3), v of its square (RMSProp's v,
    with beta2 for rho). Both start at 0, so early on they are too small; dividing by
    (1 - beta**t) corrects that bias. The step divides by sqrt(v_hat): parameters with large,
    noisy gradients take smaller steps. eps is added outside the square root.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.t = 0  # steps taken so far
        self.m = {}  # position in the parameter list -> running average of g
        self.v = {}  # position in the parameter list -> running average of g**2

    def __repr__(self):
        return f"Adam(learning_rate={self.learning_rate})"

    @exercise("6.6", arguments=params_and_grads)
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
        raise ExerciseTodo("6.6")


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

    @exercise("7.5", arguments=params_and_grads)
    def step(self, params, grads):
        """One AdamW step: shrink every parameter in place, then take Adam's step.

            p <- p - learning_rate * weight_decay * p     (every parameter, biases too; first)
            then Adam's step on the shrunk p:  super().step(params, grads)   (your 6.6)

        The shrinking uses p as it was before this step, as in Loshchilov and Hutter's paper;
        the gradients are left as they are (weight_decay * p is not added to them: that would
        be an L2 penalty, which Adam would rescale).

        Args:
            params: list of float arrays, changed in place.
            grads:  list of float arrays, grads[i] of the shape of params[i]; not changed.
        """
        raise ExerciseTodo("7.5")


@exercise("7.6", arguments=schedule_arguments)
def cosine_learning_rate(start, step, total):
    """The learning rate after `step` of a run's `total` batches: half a cosine from start to 0.

        learning_rate = start * (1 + cos(pi * step / total)) / 2     for step <= total
        learning_rate = 0                                             for step > total

    At step 0 it is start; it falls slowly at first, fastest halfway (start / 2 at step =
    total / 2), slowly again at the end, and is 0 at step = total. A run that goes on past
    `total` stays at 0: the cosine would climb again. (np.cos takes radians.)

    Args:
        start: float >= 0, the learning rate at step 0.
        step:  int >= 0, the batches done so far.
        total: int >= 1, the batches of the whole run.
    Returns:
        a float.
    """
    raise ExerciseTodo("7.6")


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam,
              "adamw": AdamW}


def get_optimizer(optimizer, learning_rate=None):
    """An optimizer from a name in OPTIMIZERS (or an optimizer object, returned as it is)."""
    if not isinstance(optimizer, str):
        return optimizer
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
    cls = OPTIMIZERS[optimizer]
    return cls() if learning_rate is None else cls(learning_rate)
