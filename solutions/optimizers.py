"""Reference bodies for scratchdl/optimizers.py (chapter 6)."""

import numpy as np


class SGD:
    def step(self, params, grads):
        for p, g in zip(params, grads):
            p -= self.learning_rate * g


class Momentum:
    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            v = self.velocities.setdefault(i, np.zeros_like(p))
            v *= self.momentum
            v -= self.learning_rate * g
            p += v


class Adam:
    def step(self, params, grads):
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads)):
            m = self.m.setdefault(i, np.zeros_like(p))
            v = self.v.setdefault(i, np.zeros_like(p))
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
