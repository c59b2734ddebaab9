"""Second learner's bodies for scratchdl/regularization.py (chapter 10).

The L2 term as a sum of np.vdot self-products (each weight array flattened against itself);
its gradient added with np.add into a new array; dropout's mask made with np.where from one
rng.random draw per call (a float mask of 0 and 1 / (1 - rate) in x's dtype); batch norm's
forward taking the centred input once and the variance as the mean of its squares, with the
running statistics blended by np.add of two scaled arrays; its backward with np.mean in place
of the sums divided by n (dx = gamma * s * (dy - mean(dy) - x_hat * mean(dy * x_hat))).
"""

import numpy as np

from scratchdl.regularization import weight_layers  # as in scratchdl/regularization.py, where these bodies go


def l2_penalty(model, strength):
    # sum of squares of each W as the dot product of the flattened array with itself
    squares = 0.0
    for layer in weight_layers(model):
        W = layer.params["W"]
        squares += float(np.vdot(W, W))
    return 0.5 * float(strength) * squares


def add_l2_gradients(model, strength):
    # a new gradient array per weight layer: dL/dW + lambda * W (biases untouched)
    for layer in weight_layers(model):
        W = layer.params["W"]
        layer.grads["W"] = np.add(layer.grads["W"], np.multiply(strength, W, dtype=W.dtype))


class Dropout:
    def forward(self, x):
        # evaluation: the mask is all ones and x goes through untouched
        if not self.training:
            self.mask = np.ones(x.shape, dtype=x.dtype)
            return x
        # training: one uniform per element; kept where it is at least the drop rate
        keep = self.rng.random(x.shape) >= self.rate
        scale = 1.0 / (1.0 - self.rate)
        self.mask = np.where(keep, scale, 0.0).astype(x.dtype)
        return x * self.mask

    def backward(self, grad_out):
        # the mask of the last forward, elementwise, in grad_out's dtype
        return np.multiply(grad_out, self.mask).astype(grad_out.dtype, copy=False)


class BatchNorm:
    def forward(self, x):
        gamma, beta = self.params["gamma"], self.params["beta"]
        if self.training:
            # the batch's own statistics, per column
            mean = x.mean(axis=0)
            centred = x - mean
            var = np.mean(centred * centred, axis=0)
            # blend them into the running statistics (new arrays, the state's dtype)
            m = self.momentum
            for key, batch in (("running_mean", mean), ("running_var", var)):
                old = self.state[key]
                self.state[key] = np.add(m * old, (1.0 - m) * batch).astype(old.dtype)
        else:
            mean, var = self.state["running_mean"], self.state["running_var"]
            centred = x - mean
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = centred * self.inv_std
        return (self.x_hat * gamma + beta).astype(x.dtype, copy=False)

    def backward(self, grad_out):
        # averages over the batch instead of sums divided by n
        dy, x_hat = grad_out, self.x_hat
        self.grads["beta"] = dy.sum(axis=0)
        self.grads["gamma"] = np.sum(dy * x_hat, axis=0)
        through_mean = dy.mean(axis=0)
        through_var = np.mean(dy * x_hat, axis=0)
        return self.params["gamma"] * self.inv_std * (dy - through_mean - x_hat * through_var)
