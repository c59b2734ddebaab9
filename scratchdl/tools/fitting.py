"""What `fit` needs besides its loop: its arguments checked, and the callbacks it asked for.

scratchdl.training.fit is the training loop you read in chapter 6; everything that is not the
loop itself - turning a seed into a generator, a name into an optimizer, verbose and live into a
progress bar or a live view - is here, beside it.
"""

import numpy as np

from scratchdl.optimizers import SGD, get_optimizer
from scratchdl.tools.callbacks import CosineSchedule, Diagnosis, History, ProgressBar, StopIfDiverged, Watchers
from scratchdl.tools.live import LiveView


def check_fit(model, X, y, optimizer, validation_data, rng, schedule):
    """The arguments of fit in the form its loop uses, or a clear error: (X, y, validation data,
    optimizer, generator)."""
    X, y = check_data(model, X, y)
    if validation_data is not None:
        validation_data = check_data(model, *validation_data)
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine'; got {schedule!r}")
    optimizer = SGD(0.1) if optimizer is None else get_optimizer(optimizer)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return X, y, validation_data, optimizer, rng


def check_data(model, X, y):
    X = np.asarray(X, dtype=model.dtype)
    y = np.asarray(y)
    if X.ndim < 2:
        raise ValueError(f"X must have one row (or image) per example, shape (n_examples, ...); got shape {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} targets")
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
        chosen.append(LiveView(sample))
    elif verbose:
        chosen.append(ProgressBar())
    if verbose:
        chosen.append(Diagnosis(sample))
    return Watchers(history, chosen)
