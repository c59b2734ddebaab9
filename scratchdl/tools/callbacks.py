"""What watches a fit: the history, a stop for a run that blew up, a progress bar, a learning-rate
schedule and the diagnosis at the end. The training loop (scratchdl.training.fit) stays short
because all of this plugs in here.

A callback is an object with any of these methods, which `fit` calls as it goes:

    on_train_begin(model, epochs, n_batches)   before the first batch
    on_batch_end(epoch, batch, loss)           after each optimizer step (epochs and batches count from 1)
    on_epoch_end(epoch, logs)                  after each epoch; logs holds its numbers ("loss", ...)
    on_train_end(history)                      after the last epoch
"""

import html
import sys
import time

import numpy as np

from scratchdl.course import hosts
from scratchdl.losses import MeanSquaredError
from scratchdl.network import scores_to_labels
from scratchdl.optimizers import cosine_learning_rate
from scratchdl.tools.diagnose import diagnose, print_diagnosis

EXPLODED = 1e3  # a loss this many times its first value (or 1, if larger) has exploded


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


class TrainingDiverged(RuntimeError):
    """The loss became nan or infinite, or exploded: training cannot recover from here."""

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch = epoch
        self.history = history  # what was recorded before things went wrong

    def _render_traceback_(self):
        return [f"TrainingDiverged: {self}"]


class History:
    """The numbers of every epoch: the mean loss over its batches and, for a classifier, the
    accuracy on those batches as they were trained; the same on validation data, if given."""

    def __init__(self, model, validation_data=None):
        self.model, self.validation_data = model, validation_data
        self.classifier = not isinstance(model.loss, MeanSquaredError)
        self.history = {"loss": [], "accuracy": []} if self.classifier else {"loss": []}
        if validation_data is not None:
            self.history.update({f"val_{key}": [] for key in list(self.history)})
        self._start_epoch()

    def _start_epoch(self):
        self.total_loss, self.correct, self.seen = 0.0, 0, 0

    def record(self, loss, scores, targets):
        self.total_loss += loss * len(targets)
        self.seen += len(targets)
        if self.classifier:
            self.correct += int(np.sum(scores_to_labels(self.model.loss, scores) == np.ravel(targets)))

    def end_epoch(self):
        logs = {"loss": self.total_loss / self.seen}
        if self.classifier:
            logs["accuracy"] = self.correct / self.seen
        if self.validation_data is not None:
            logs.update({f"val_{k}": v for k, v in self.model.evaluate(*self.validation_data).items()})
        for key, value in logs.items():
            self.history[key].append(value)
        self._start_epoch()
        return logs


class StopIfDiverged(Callback):
    """Stop at the first batch whose loss is nan, infinite, or EXPLODED times its first value."""

    def __init__(self, optimizer, history):
        self.optimizer, self.history, self.first = optimizer, history, None

    def on_train_begin(self, model, epochs, n_batches):
        self.n_batches = n_batches

    def on_batch_end(self, epoch, batch, loss):
        self.first = loss if self.first is None else self.first
        if not np.isfinite(loss) or loss > EXPLODED * max(self.first, 1.0):
            what = f"became {loss}" if not np.isfinite(loss) else f"exploded to {loss:.3g} (it started at {self.first:.3g})"
            rate = getattr(self.optimizer, "learning_rate", None)
            raise TrainingDiverged(
                f"training stopped in epoch {epoch} (batch {batch} of {self.n_batches}): the loss {what}. "
                f"The usual cause is a learning rate that is too high ({self.optimizer!r}): try one ten times "
                f"smaller{f', {rate / 10:g}' if rate else ''}. What was recorded before is in this error's .history.",
                epoch, self.history)


def in_notebook():
    """True inside a Jupyter kernel (where HTML output is shown), False in a terminal or script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    # ipykernel's IPKernelApp configures its shell. JupyterLite's Pyodide kernel has no such app:
    # its shell is pyodide_kernel's Interpreter, and it runs only inside the browser's notebook.
    return "IPKernelApp" in shell.config or (hosts.in_pyodide() and type(shell).__module__.startswith("pyodide_kernel."))


class ProgressBar(Callback):
    """A one-line progress bar with the latest numbers and the time left.

    It stays quiet for fits shorter than `quiet_for` seconds, so quick demos print nothing.

    In a terminal it rewrites one line with "\r". In a notebook it is one display, updated in
    place: every write to stdout would be a separate output there, and a long fit would leave
    about a hundred of them in the saved notebook. It is one output, whatever the fit's length.

    Args:
        quiet_for: seconds of training before the bar first shows.
        stream:    where the plain text goes (default sys.stdout); giving one means plain text.
        width:     characters of the bar.
        rich:      True for the updating display, False for plain text; None: a display in a
                   notebook (unless a stream is given), plain text elsewhere.
    """

    def __init__(self, quiet_for=1.0, stream=None, width=24, rich=None):
        self.quiet_for, self.width = quiet_for, width
        self.rich = (stream is None and in_notebook()) if rich is None else rich
        self.stream = stream or sys.stdout
        self.shown_at = 0.0

    def on_train_begin(self, model, epochs, n_batches):
        self.epochs, self.n_batches = epochs, n_batches
        self.start = time.perf_counter()
        self.logs, self.epoch, self.batch = {}, 0, 0
        self.printed = False
        self.handle = None  # the notebook's display, made at the first draw

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
            if not self.rich:
                self.stream.write("\n")
                self.stream.flush()

    def line(self):
        """The bar as one line of text: epoch, bar, the latest numbers, the time spent and left."""
        elapsed = time.perf_counter() - self.start
        done = self.done()
        filled = int(round(self.width * done))
        left = elapsed / done - elapsed if done > 0 else 0.0
        numbers = "  ".join(f"{k} {v:.4f}" for k, v in self.logs.items())
        return (f"epoch {self.epoch}/{self.epochs} [{'=' * filled}{' ' * (self.width - filled)}] "
                f"{numbers}  {elapsed:.1f}s, {left:.1f}s left")

    def done(self):
        """The share of all batches trained so far, from 0 to 1."""
        return ((self.epoch - 1) * self.n_batches + self.batch) / (self.epochs * self.n_batches)

    def _draw(self, force=False):
        now = time.perf_counter()
        if now - self.start < self.quiet_for and not force:
            return
        self.shown_at, self.printed = now, True
        line = self.line()
        if not self.rich:
            self.stream.write(f"\r{line} ")
            self.stream.flush()
            return
        bundle = {"text/plain": line,
                  "text/html": f"<progress value='{self.done():.4f}' max='1' style='width:30%'></progress> "
                               f"<span style='font-family:monospace;white-space:pre'>{html.escape(line)}</span>"}
        if self.handle is None:
            from IPython.display import display

            self.handle = display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)


class CosineSchedule(Callback):
    """Lower the learning rate along half a cosine, from its starting value to 0, batch by batch.

    After k of the run's `total` batches the rate is cosine_learning_rate(start, k, total) -
    your exercise 7.6: start * (1 + cos(pi * k / total)) / 2.

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
        self.optimizer.learning_rate = cosine_learning_rate(self.start, self.done, self.total)

    def on_train_end(self, history):
        self.optimizer.learning_rate = self.start


class Diagnosis(Callback):
    """After training, print what the history and the network suggest went wrong, if anything."""

    def __init__(self, sample):
        self.sample = sample  # a few inputs, for the statistics of every layer

    def on_train_begin(self, model, epochs, n_batches):
        self.model = model

    def on_train_end(self, history):
        print_diagnosis(diagnose(history, self.model, self.sample))


class Watchers:
    """Everything that watches one fit: the History first, then the callbacks, in order.

    The training loop tells it what happened (begin, batch, epoch, end) and each callback hears it.
    """

    def __init__(self, history, callbacks):
        self.history, self.callbacks = history, list(callbacks)

    def begin(self, model, epochs, n_batches):
        for callback in self.callbacks:
            callback.on_train_begin(model, epochs, n_batches)

    def batch(self, epoch, batch, loss, scores, targets):
        self.history.record(loss, scores, targets)
        for callback in self.callbacks:
            callback.on_batch_end(epoch, batch, loss)

    def epoch(self, epoch):
        logs = self.history.end_epoch()
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def end(self):
        for callback in self.callbacks:
            callback.on_train_end(self.history.history)
        return self.history.history
