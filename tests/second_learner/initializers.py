"""Second learner's bodies for scratchdl/initializers.py (chapter 1).

Each initialiser is written from a unit draw that is then scaled by hand, rather than
by passing loc/scale to the generator.
"""

import numpy as np


def small_normal(fan_in, fan_out, rng, std=0.01):
    # a standard normal draw, scaled afterwards
    unit = rng.standard_normal(size=(fan_in, fan_out))
    return unit * float(std)


def xavier_normal(fan_in, fan_out, rng):
    # variance 2 / (fan_in + fan_out): scale a unit normal by its square root
    spread = np.sqrt(2.0 / (fan_in + fan_out))
    return spread * rng.standard_normal(size=(fan_in, fan_out))


def xavier_uniform(fan_in, fan_out, rng):
    # map U[0, 1) onto [-limit, limit) by hand: limit * (2u - 1)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    u = rng.random(size=(fan_in, fan_out))
    return limit * (2.0 * u - 1.0)


def he_normal(fan_in, fan_out, rng):
    # variance 2 / fan_in, written as sqrt(2) / sqrt(fan_in)
    return rng.normal(loc=0.0, scale=np.sqrt(2.0) / np.sqrt(fan_in), size=(fan_in, fan_out))
