"""What `fit` needs besides its loop: its arguments checked, and the callbacks it asked for.

scratchdl.training.fit is the training loop you read in chapter 6; everything that is not the
loop itself - turning a seed into a generator, a name into an optimizer, verbose and live into a
progress bar or a live view - is here, beside it.
"""

import numpy as np

from scratchdl.optimizers import SGD, get_optimizer
from scratchdl.tools.inputs import inputs, targets, whole_number
from scratchdl.tools.callbacks import CosineSchedule, Diagnosis, History, ProgressBar, StopIfDiverged, Watchers


def check_fit(model, X, y, epochs, batch_size, optimizer, validation_data, rng, schedule, regularizer=None):
    """The arguments of fit in the form its loop uses, or a clear error before anything has
    changed: (X, y, validation data, optimizer, generator)."""
    whole_number("epochs", epochs)
    whole_number("batch_size", batch_size)
    X, y = check_data(model, X, y)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(f"validation_data must be a pair (X_val, y_val); got {type(validation_data).__name__}"
                             + (f" of {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else ""))
        validation_data = check_data(model, *validation_data, names=("X_val", "y_val"))
    if regularizer is not None and not callable(regularizer):
        raise TypeError(f"regularizer must be None or a term such as L2(1e-4); got {regularizer!r}")
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine'; got {schedule!r}")
    optimizer = SGD(0.1) if optimizer is None else get_optimizer(optimizer)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return X, y, validation_data, optimizer, rng


def check_data(model, X, y, names=("X", "y")):
    """Inputs and targets for `model`: every example checked now, not when its batch comes."""
    x_name, y_name = names
    X = inputs(X, x_name, model.dtype)
    y = targets(y, y_name, len(X), x_name)
    # The loss knows what its targets must be (labels in 0..k-1, 0 or 1, a matching shape): ask
    # it about all of y at once, with the shape the network's output will have.
    try:
        out = model.output(X[:1])
    except ValueError:  # X does not fit the network: let the layer say so about all of X
        model.output(X)
        raise
    try:
        model.loss.check_targets(np.broadcast_to(out, (len(X),) + out.shape[1:]), y)
    except ValueError as bad:
        raise ValueError(f"{y_name}: {bad}") from None
    return X, y


def watchers_for(model, X, validation_data, optimizer, callbacks=(), verbose=1, live=False, schedule=None):
    """The History and the callbacks of one fit, in the order they hear of each batch."""
    history = History(model, validation_data)
    sample = X[:256]  # for the statistics of every layer (live view, diagnosis)
    chosen = [StopIfDiverged(optimizer, history.history)]  # first: nothing else sees a blown-up batch
    if schedule == "cosine":
        chosen.append(CosineSchedule(optimizer))
    chosen += list(callbacks)
    if live:
        from scratchdl.tools.live import LiveView  # matplotlib: loaded only when a fit draws

        chosen.append(LiveView(sample))
    elif verbose:
        chosen.append(ProgressBar())
    if verbose:
        chosen.append(Diagnosis(sample))
    return Watchers(history, chosen)
