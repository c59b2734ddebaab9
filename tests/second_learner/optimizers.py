"""Second learner's bodies for scratchdl/optimizers.py (chapters 6 and 7): in-place ufunc calls with
out=, and the running averages written as m += (1 - beta) * (g - m); state made on first use with
dict.setdefault; AdamW's shrink as one np.multiply(..., out=p) before Adam's own step; the cosine
schedule with the step clamped to total (cos(pi) is exactly -1, so the rate lands on 0)."""

import numpy as np


class SGD:
    def step(self, params, grads):
        # p <- p - lr * g with an explicit out= so the layer's own array changes
        rate = self.learning_rate
        for p, g in zip(params, grads):
            np.subtract(p, rate * g, out=p)


class Momentum:
    def step(self, params, grads):
        # velocity decays in place, then takes the new gradient; the parameter adds it
        for slot, (p, g) in enumerate(zip(params, grads)):
            v = self.velocities.get(slot)
            if v is None:
                v = self.velocities[slot] = np.zeros_like(p)
            v *= self.momentum
            v -= self.learning_rate * g
            p += v


class AdaGrad:
    def step(self, params, grads):
        # the squared gradient is added into s with out=, then the step is formed as
        # g / (sqrt(s) + eps) and subtracted in place
        for slot, (p, g) in enumerate(zip(params, grads)):
            s = self.s.setdefault(slot, np.zeros_like(p))
            np.add(s, np.square(g), out=s)
            root = np.sqrt(s)
            root += self.eps
            np.subtract(p, self.learning_rate * g / root, out=p)


class RMSProp:
    def step(self, params, grads):
        # v moves a fraction (1 - rho) of the way to g**2, as Adam's averages do
        keep = self.rho
        for slot, (p, g) in enumerate(zip(params, grads)):
            v = self.v.setdefault(slot, np.zeros_like(p))
            v += (1.0 - keep) * (g * g - v)
            p -= self.learning_rate * g / (np.sqrt(v) + self.eps)


class Adam:
    def step(self, params, grads):
        # the averages move a fraction (1 - beta) of the way to g and g**2; the bias
        # corrections are applied as divisions when the step is formed
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1.0 - b1**self.t, 1.0 - b2**self.t
        for slot, (p, g) in enumerate(zip(params, grads)):
            if slot not in self.m:
                self.m[slot] = np.zeros_like(p)
                self.v[slot] = np.zeros_like(p)
            m, v = self.m[slot], self.v[slot]
            m += (1.0 - b1) * (g - m)
            v += (1.0 - b2) * (g * g - v)
            denom = np.sqrt(v / c2)
            denom += self.eps
            p -= (self.learning_rate / c1) * m / denom


class AdamW:
    def step(self, params, grads):
        # shrink by the factor 1 - lr * wd with out= (the layer's own arrays), then Adam
        factor = 1.0 - self.learning_rate * self.weight_decay
        for p in params:
            np.multiply(p, factor, out=p)
        super().step(params, grads)


def cosine_learning_rate(start, step, total):
    # past the end the step is held at total, where 1 + cos(pi) is exactly 0
    fraction = min(step, total) / total
    return float(start * (1.0 + np.cos(np.pi * fraction)) / 2.0)
