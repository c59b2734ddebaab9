"""L2 in the loss against decoupled weight decay, measured: Adam with the L2 term's gradient added
to the data's, next to AdamW (chapter 7's exercise 7.5, chapter 10's L2 term).

    shrunk = decay_comparison(gradients, decay=0.5)   # {"Adam + L2": (2,), "AdamW": (2,)}

Adam divides every gradient by the root of its running mean square, so an L2 term's gradient
decay * w is divided too: a weight whose data gradients are large hardly feels it. AdamW shrinks
the weights outside that division, by the same factor whatever their gradients.
"""

import numpy as np

from scratchdl.optimizers import Adam, AdamW


def decay_comparison(gradients, decay, learning_rate=1e-3, l2_gradient=None):
    """Adam with an L2 term against AdamW, on two weights that start at 1 and see `gradients`.

    Args:
        gradients:   (steps, 2): the data's gradient at every step.
        decay:       the L2 strength, and AdamW's weight_decay.
        l2_gradient: function (w, g) -> g + decay * w (the term's gradient added); by default written out.

    Returns:
        dict "Adam + L2", "AdamW" -> (2,) how much each weight shrank compared with plain Adam.
    """
    l2_gradient = l2_gradient or (lambda w, g: g + decay * w)
    plain, coupled, decoupled = [np.ones(2)], [np.ones(2)], [np.ones(2)]
    adam, adam_l2, adamw = Adam(learning_rate), Adam(learning_rate), AdamW(learning_rate, weight_decay=decay)
    for g in gradients:
        adam.step(plain, [g.copy()])
        adam_l2.step(coupled, [l2_gradient(coupled[0], g)])
        adamw.step(decoupled, [g.copy()])
    return {"Adam + L2": plain[0] - coupled[0], "AdamW": plain[0] - decoupled[0]}
