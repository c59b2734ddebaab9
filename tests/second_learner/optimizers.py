"""Second learner's bodies for scratchdl/optimizers.py (chapter 6): in-place ufunc calls with
out=, and the running averages written as m += (1 - beta) * (g - m)."""

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
