"""Reference bodies for scratchdl/regularization.py (chapter 10)."""

import numpy as np


def l2_penalty(model, strength):
    return strength / 2 * sum(float(np.sum(layer.params["W"] ** 2)) for layer in model.layers if "W" in layer.params)


def add_l2_gradients(model, strength):
    for layer in (layer for layer in model.layers if "W" in layer.params):
        layer.grads["W"] = layer.grads["W"] + strength * layer.params["W"]


class Dropout:
    def forward(self, x):
        if not self.training:
            self.mask = np.ones_like(x)
            return x
        keep = self.rng.random(x.shape) >= self.rate
        self.mask = keep.astype(x.dtype) / x.dtype.type(1 - self.rate)
        return x * self.mask

    def backward(self, grad_out):
        return grad_out * self.mask


class BatchNorm:
    def forward(self, x):
        if self.training:
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.state["running_mean"] = m * self.state["running_mean"] + (1 - m) * mean
            self.state["running_var"] = m * self.state["running_var"] + (1 - m) * var
        else:
            mean, var = self.state["running_mean"], self.state["running_var"]
        self.inv_std = 1 / np.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        return self.params["gamma"] * self.x_hat + self.params["beta"]

    def backward(self, grad_out):
        n = len(grad_out)
        self.grads["beta"] = grad_out.sum(axis=0)
        self.grads["gamma"] = (grad_out * self.x_hat).sum(axis=0)
        return (self.params["gamma"] * self.inv_std / n) * (
            n * grad_out - self.grads["beta"] - self.x_hat * self.grads["gamma"])
