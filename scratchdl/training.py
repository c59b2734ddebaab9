"""Chapter 6 - the training loop: minibatches, epochs, history, and failures that are reported.

    history = fit(model, X, y, epochs=50, batch_size=32, optimizer=Adam(0.01),
                  validation_data=(X_val, y_val), rng=0)
    history["loss"], history["accuracy"], history["val_loss"], history["val_accuracy"]

model.fit(...) calls this function.
"""

import sys
import time

import numpy as np

from scratchdl.diagnose import diagnose, print_diagnosis
from scratchdl.exercises import ExerciseTodo, exercise
from scratchdl.losses import MeanSquaredError
from scratchdl.network import scores_to_labels
from scratchdl.optimizers import SGD, get_optimizer

EXPLODED = 1e3  # a loss this many times its first value (or 1, if larger) has exploded


@exercise("6.1")
def minibatches(n, batch_size, rng=None):
    """Split the indices 0..n-1 into minibatches, shuffled if a generator is given.

    Every index appears in exactly one batch. All batches have `batch_size` indices except
    the last, which has what is left over (it is not dropped: every example counts in every
    epoch). With rng=None the indices stay in order (0, 1, 2, ...); with a generator, draw a
    new random order each time this is called, so that every epoch sees the batches differently.

    Args:
        n:          int, number of examples.
        batch_size: int, examples per batch.
        rng:        numpy.random.Generator, or None for no shuffling.

    Returns:
        list of int arrays of indices.
    """
    raise ExerciseTodo("6.1")


class TrainingDiverged(RuntimeError):
    """The loss became nan or infinite, or exploded: training cannot recover from here."""

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch = epoch
        self.history = history  # what was recorded before things went wrong

    def _render_traceback_(self):
        return [f"TrainingDiverged: {self}"]


class Callback:
    """Something that watches a fit: override the methods you need."""

    def on_train_begin(self, model, epochs, n_batches):
        pass

    def on_batch_end(self, epoch, batch, loss):
        pass

    def on_epoch_end(self, epoch, logs):
        pass

    def on_train_end(self, history):
        pass


class ProgressBar(Callback):
    """A one-line progress bar with the latest numbers and the time left.

    It stays quiet for fits shorter than `quiet_for` seconds, so quick demos print nothing.
    """

    def __init__(self, quiet_for=1.0, stream=None, width=24):
        self.quiet_for, self.width = quiet_for, width
        self.stream = stream or sys.stdout
        self.shown_at = 0.0

    def on_train_begin(self, model, epochs, n_batches):
        self.epochs, self.n_batches = epochs, n_batches
        self.start = time.perf_counter()
        self.logs, self.epoch, self.batch = {}, 0, 0
        self.printed = False

    def on_batch_end(self, epoch, batch, loss):
        self.epoch, self.batch = epoch, batch
        if time.perf_counter() - self.shown_at > 0.2:
            self._draw()

    def on_epoch_end(self, epoch, logs):
        self.logs, self.epoch, self.batch = logs, epoch, self.n_batches
        self._draw()

    def on_train_end(self, history):
        if self.printed:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force=False):
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.quiet_for and not force:
            return
        self.shown_at, self.printed = now, True
        done = ((self.epoch - 1) * self.n_batches + self.batch) / (self.epochs * self.n_batches)
        filled = int(round(self.width * done))
        left = elapsed / done - elapsed if done > 0 else 0.0
        numbers = "  ".join(f"{k} {v:.4f}" for k, v in self.logs.items())
        self.stream.write(f"\repoch {self.epoch}/{self.epochs} [{'=' * filled}{' ' * (self.width - filled)}] "
                          f"{numbers}  {elapsed:.1f}s, {left:.1f}s left ")
        self.stream.flush()


class CosineSchedule(Callback):
    """Lower the learning rate along half a cosine, from its starting value to 0, batch by batch.

        learning_rate(k) = start * (1 + cos(pi * k / total)) / 2   after k of `total` batches

    Large steps early, when the weights are far from good ones; small steps at the end, to
    settle. The starting value is restored when training ends.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer

    def on_train_begin(self, model, epochs, n_batches):
        self.start = self.optimizer.learning_rate
        self.total, self.done = epochs * n_batches, 0

    def on_batch_end(self, epoch, batch, loss):
        self.done += 1
        self.optimizer.learning_rate = self.start * (1 + np.cos(np.pi * self.done / self.total)) / 2

    def on_train_end(self, history):
        self.optimizer.learning_rate = self.start


def fit(model, X, y, epochs=10, batch_size=32, optimizer=None, validation_data=None,
        shuffle=True, rng=None, verbose=1, callbacks=(), schedule=None, live=False):
    """Train `model` on (X, y) with minibatches; return the history.

    Args:
        X, y:            training inputs (n, n_features) and targets.
        epochs:          passes over the training data.
        batch_size:      examples per gradient step.
        optimizer:       an optimizer object, or "sgd", "momentum", "adam" (default SGD(0.1)).
        validation_data: (X_val, y_val), evaluated after every epoch.
        shuffle:         a new order of the examples every epoch (recommended).
        rng:             numpy.random.Generator or a seed, for the shuffling.
        verbose:         1 shows a progress bar for fits longer than a second, and afterwards what
                         the history suggests went wrong, if anything (scratchdl.diagnose); 0 shows nothing.
        live:            in a notebook, one output that redraws the curves, the progress and the
                         statistics of every layer as training goes (scratchdl.monitor.LiveView);
                         a line per epoch elsewhere.
        callbacks:       objects with Callback's methods, told about every batch and epoch.
        schedule:        None (a constant learning rate) or "cosine" (see CosineSchedule).

    Returns:
        dict of lists, one entry per epoch: "loss" (the mean over the epoch's batches) and, for
        classifiers, "accuracy" (on the batches as they were trained), plus "val_loss" and
        "val_accuracy" with validation_data.

    Raises:
        TrainingDiverged: the loss became nan or inf, or grew to 1000 times its first value.
    """
    X, y = _check_data(model, X, y)
    optimizer = SGD(0.1) if optimizer is None else get_optimizer(optimizer)
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    classifier = not isinstance(model.loss, MeanSquaredError)
    history = {"loss": []}
    if classifier:
        history["accuracy"] = []
    if validation_data is not None:
        X_val, y_val = _check_data(model, *validation_data)
        history["val_loss"] = []
        if classifier:
            history["val_accuracy"] = []
    if schedule not in (None, "cosine"):
        raise ValueError(f"schedule must be None or 'cosine'; got {schedule!r}")
    sample = X[:256]  # for the statistics of every layer
    if live:
        from scratchdl.live import LiveView  # here, not at the top: live.py builds on Callback below

        watcher = [LiveView(sample)]
    else:
        watcher = [ProgressBar()] if verbose else []
    callbacks = ([CosineSchedule(optimizer)] if schedule else []) + list(callbacks) + watcher
    n_batches = -(-len(X) // batch_size)
    for callback in callbacks:
        callback.on_train_begin(model, epochs, n_batches)

    first_loss = None
    for epoch in range(1, epochs + 1):
        total_loss, correct = 0.0, 0
        batches = minibatches(len(X), batch_size, rng if shuffle else None)
        for b, batch in enumerate(batches, start=1):
            loss, out = model.loss_and_gradients(X[batch], y[batch])
            first_loss = loss if first_loss is None else first_loss
            if not np.isfinite(loss) or loss > EXPLODED * max(first_loss, 1.0):
                raise TrainingDiverged(_diverged(epoch, b, len(batches), loss, first_loss, optimizer),
                                       epoch, history)
            optimizer.step(model.parameters(), model.gradients())
            total_loss += loss * len(batch)
            if classifier:
                correct += int(np.sum(scores_to_labels(model.loss, out) == np.ravel(y[batch])))
            for callback in callbacks:
                callback.on_batch_end(epoch, b, loss)
        logs = {"loss": total_loss / len(X)}
        if classifier:
            logs["accuracy"] = correct / len(X)
        if validation_data is not None:
            logs.update({f"val_{k}": v for k, v in model.evaluate(X_val, y_val).items()})
        for key, value in logs.items():
            history[key].append(value)
        for callback in callbacks:
            callback.on_epoch_end(epoch, logs)
    for callback in callbacks:
        callback.on_train_end(history)
    if verbose:
        print_diagnosis(diagnose(history, model, sample))
    return history


def _check_data(model, X, y):
    X = np.asarray(X, dtype=model.dtype)
    y = np.asarray(y)
    if X.ndim < 2:
        raise ValueError(f"X must have one row (or image) per example, shape (n_examples, ...); got shape {X.shape}")
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} targets")
    return X, y


def _diverged(epoch, batch, n_batches, loss, first_loss, optimizer):
    what = f"became {loss}" if not np.isfinite(loss) else f"exploded to {loss:.3g} (it started at {first_loss:.3g})"
    rate = getattr(optimizer, "learning_rate", None)
    return (
        f"training stopped in epoch {epoch} (batch {batch} of {n_batches}): the loss {what}. "
        f"The usual cause is a learning rate that is too high ({optimizer!r}): try one ten times "
        f"smaller{f', {rate / 10:g}' if rate else ''}. What was recorded before is in this error's .history."
    )
