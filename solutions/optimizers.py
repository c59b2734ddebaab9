"""Reference bodies for scratchdl/optimizers.py (chapters 6 and 7)."""

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


class AdaGrad:
    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            s = self.s.setdefault(i, np.zeros_like(p))
            s += g**2  # the sum only grows, so the steps only shrink
            p -= self.learning_rate * g / (np.sqrt(s) + self.eps)


class RMSProp:
    def step(self, params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            v = self.v.setdefault(i, np.zeros_like(p))
            v *= self.rho  # forget a little of the past...
            v += (1 - self.rho) * g**2  # ...and let this step's g**2 in
            p -= self.learning_rate * g / (np.sqrt(v) + self.eps)


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


class AdamW:
    def step(self, params, grads):
        # Adam's step, which follows the learner/reference switch. (Imported here because this
        # file defines its own Adam; in scratchdl/optimizers.py the line does nothing, so the
        # body can be pasted there as it is: there super().step(params, grads) does the same.)
        from scratchdl.optimizers import Adam

        shrink = self.learning_rate * self.weight_decay
        for p in params:
            p -= shrink * p  # decoupled: the gradients, and so Adam's scaling, never see it
        Adam.step(self, params, grads)


def cosine_learning_rate(start, step, total):
    if step >= total:
        return 0.0  # the run has gone past its planned length: the cosine would climb again
    return start * (1 + np.cos(np.pi * step / total)) / 2
