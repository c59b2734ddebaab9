"""Watch a network learn: one output that redraws itself while `fit` runs.

    history = fit(model, X, y, epochs=20, validation_data=(X_val, y_val), live=True)

In a notebook the output shows a progress bar with the time left, the loss and accuracy curves
(training and validation), and a table with every layer's statistics: the spread of its weights
and of its outputs, and for ReLU layers the share of dead units (see scratchdl.tools.monitor).
Anywhere else (a terminal, CI) it prints one line per epoch instead.

The view is one display (IPython's display_id), replaced in place at every redraw, so the saved
notebook keeps one output for the whole fit: the last view.

Drawing a figure takes time that training could use (about 0.1 s, as long as a few MLP
batches), so the figure is redrawn only while the time spent drawing stays under `budget` (5%)
of the time spent training; the last epoch is always drawn (from the second epoch on:
a curve needs two points). The progress bar and the numbers,
which are cheap, update twice a second.
"""

import base64
import html
import io
import sys
import time

import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from scratchdl.tools.monitor import layer_statistics
from scratchdl.tools.callbacks import Callback, in_notebook  # noqa: F401 (in_notebook: also for callers)


class LiveView(Callback):
    """A Callback for fit: curves, progress and layer statistics, redrawn in place.

    Args:
        sample: array (n, ...), a few hundred training inputs for the layer statistics (or None).
        rich:   True for the HTML view, False for plain text; None decides by in_notebook().
        show:   where the HTML goes, a function of one string; default: one updating display.
        budget: the largest share of the training time that redrawing the figure may take.
        stream: where the plain text goes (default sys.stdout).
    """

    def __init__(self, sample=None, rich=None, show=None, budget=0.05, stream=None):
        self.sample, self.budget = sample, budget
        self.rich = in_notebook() if rich is None else rich
        self.show = show
        self.stream = stream or sys.stdout

    def on_train_begin(self, model, epochs, n_batches):
        self.model, self.epochs, self.n_batches = model, epochs, n_batches
        self.history, self.layers = {}, []
        self.epoch, self.batch = 1, 0
        self.start = self.shown_at = time.perf_counter()
        self.drawing_time, self.image = 0.0, ""
        self.draw_cost = 0.1  # seconds one redraw takes; measured after the first
        if self.rich and self.show is None:
            from IPython.display import HTML, display

            handle = display(HTML("starting…"), display_id=True)
            self.show = lambda markup: handle.update(HTML(markup))

    def on_batch_end(self, epoch, batch, loss):
        self.epoch, self.batch = epoch, batch
        if self.rich and time.perf_counter() - self.shown_at > 0.5:
            self._show()

    def on_epoch_end(self, epoch, logs):
        self.epoch, self.batch = epoch, self.n_batches
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        if self.sample is not None:
            self.layers = layer_statistics(self.model, self.sample)
        if not self.rich:
            self.stream.write(self.text_line() + "\n")
            self.stream.flush()
            return
        training_time = time.perf_counter() - self.start - self.drawing_time
        curves = len(self.history["loss"]) >= 2  # a curve needs two points
        if curves and (epoch == self.epochs or self.drawing_time + self.draw_cost <= self.budget * training_time):
            started = time.perf_counter()
            self.image = figure_as_png(plot_live(self.history))
            self.draw_cost = time.perf_counter() - started
            self.drawing_time += self.draw_cost
        self._show()

    def on_train_end(self, history):
        if self.rich:
            self._show()

    # --- what is shown ------------------------------------------------------------------

    def done(self):
        """The share of all batches trained so far, from 0 to 1."""
        return ((self.epoch - 1) * self.n_batches + self.batch) / (self.epochs * self.n_batches)

    def times(self):
        """(seconds elapsed, seconds left at the pace so far)."""
        elapsed = time.perf_counter() - self.start
        done = self.done()
        return elapsed, (elapsed / done - elapsed if done > 0 else float("nan"))

    def text_line(self):
        """One line: the epoch, its numbers, dead ReLU shares and the time left."""
        elapsed, left = self.times()
        numbers = "  ".join(f"{key} {values[-1]:.4f}" for key, values in self.history.items())
        dead = [f"layer {row['index']} {row['dead_share']:.0%}" for row in self.layers if row["dead_share"] is not None]
        dead = f"  dead ReLUs: {', '.join(dead)}" if dead else ""
        return f"epoch {self.epoch}/{self.epochs}  {numbers}{dead}  {elapsed:.1f}s, {left:.1f}s left"

    def _show(self):
        self.shown_at = time.perf_counter()
        self.show(self.markup())

    def markup(self):
        """The HTML of the whole view: progress bar, figure, layer table."""
        elapsed, left = self.times()
        numbers = "&nbsp; ".join(f"{key} <b>{values[-1]:.4f}</b>" for key, values in self.history.items())
        parts = [
            f"<div><progress value='{self.done():.4f}' max='1' style='width:40%'></progress> "
            f"epoch {self.epoch}/{self.epochs}, batch {self.batch}/{self.n_batches} · "
            f"{elapsed:.1f} s, about {left:.0f} s left</div>",
            f"<div>{numbers}</div>",
        ]
        if self.image:
            parts.append(f"<img src='data:image/png;base64,{self.image}' alt='training curves'>")
        if self.layers:
            parts.append(layer_table(self.layers))
        return "\n".join(parts)


def layer_table(layers):
    """An HTML table of layer_statistics rows."""
    def cell(value, form):
        return "" if value is None else format(value, form)

    rows = "".join(
        f"<tr><td>{row['index']}</td><td>{html.escape(row['layer'])}</td><td>{cell(row['weight_std'], '.3g')}</td>"
        f"<td>{cell(row['output_std'], '.3g')}</td><td>{cell(row['dead_share'], '.0%')}</td></tr>"
        for row in layers
    )
    return ("<table><tr><th>#</th><th>layer</th><th>weights: std</th><th>outputs: std</th>"
            f"<th>dead ReLUs</th></tr>{rows}</table>")


def plot_live(history):
    """Loss and accuracy curves by epoch, training and validation; returns the figure."""
    has_accuracy = "accuracy" in history
    fig, axes = plt.subplots(1, 2 if has_accuracy else 1, figsize=(9 if has_accuracy else 4.5, 3), squeeze=False)
    for ax, metric in zip(axes[0], ["loss", "accuracy"]):
        for prefix, label in [("", "training"), ("val_", "validation")]:
            values = history.get(prefix + metric)
            if values:
                ax.plot(range(1, len(values) + 1), values, marker="o", markersize=3, label=label)
        ax.set_title(metric.capitalize())
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend()
    # Fixed margins: tight_layout would render the figure once more, every redraw.
    fig.subplots_adjust(left=0.1 if has_accuracy else 0.18, right=0.98, bottom=0.18, top=0.88, wspace=0.3)
    return fig


def figure_as_png(fig):
    """The figure as base64 PNG text (for an <img> tag); the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
