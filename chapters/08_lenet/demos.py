"""Chapter 8 demos: convolution by hand and as one matrix product, pooling, and what LeNet-5 learns.

Everything here runs your code from scratchdl/conv.py (exercises 8.1-8.8) and the layers of the
chapters before. Images are (n, channels, height, width), as everywhere in the course; a
convolution's kernels W are (c_out, c_in, k, k). Galleries of digits come from
scratchdl.tools.classifiers. Every plot_ function returns its figure.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import NullFormatter

from scratchdl.conv import im2col
from scratchdl.layers import Activation
from scratchdl.tools.callbacks import Callback
from scratchdl.tools.classifiers import plot_digits

# --- the idea: a small kernel slid over the image ----------------------------------------------


def hand_made_kernels():
    """Three classic 3 x 3 kernels, chosen by hand rather than learnt.

    Returns:
        (W, names): W of shape (3, 1, 3, 3) - three kernels for one input channel, in the
        layout of a Conv2D's W - and their three names.
    """
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    W = np.stack([sobel, sobel.T, np.full((3, 3), 1 / 9)])[:, None]
    # Applied as it is (no flip), sobel gives (left column - right column) of the patch: positive
    # where a stroke ends on the right (ink, then paper), negative where one begins.
    return W, ["vertical edges", "horizontal edges", "blur (mean of 9)"]


def _annotate(ax, values, fmt="{:g}", fontsize=8, limit=None):
    """Write every entry of a small 2-D array on its cell, light on dark cells.

    Cells are dark at the top of a sequential scale (e.g. "Blues"); with `limit`, the scale is
    diverging, from -limit to limit (see _symmetric), and dark at both ends.
    """
    finite = values[np.isfinite(values)]
    middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
    for (i, j), value in np.ndenumerate(values):
        if np.isfinite(value):
            if limit is not None:
                dark = abs(value) > 0.55 * limit
            else:
                dark = value > middle and finite.max() > finite.min()
            ax.text(j, i, fmt.format(value), ha="center", va="center", fontsize=fontsize,
                    color="white" if dark else "black")


def _symmetric(ax, values, cmap="RdBu_r", limit=None):
    """imshow with a colour scale centred on 0, so that positive and negative weigh the same."""
    limit = limit or float(np.nanmax(np.abs(values))) or 1.0
    return ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)


def plot_filters_and_maps(image, W, maps, names, suptitle):
    """The input, each kernel (with its numbers), and each kernel's output map below it.

    Args:
        image: float array of shape (h, w) or (1, h, w), one greyscale image.
        W:     float array of shape (f, 1, k, k) or (f, k, k), f kernels for one channel.
        maps:  float array of shape (f, oh, ow), the output of each kernel on the image.
        names: f strings, one per kernel.
    """
    image = np.asarray(image).reshape(np.shape(image)[-2:])
    W = np.asarray(W)
    W = W.reshape(len(W), *W.shape[-2:])
    if len(W) != len(maps) or len(names) != len(W):
        raise ValueError(f"{len(W)} kernels, {len(maps)} maps and {len(names)} names: one of each per kernel")
    f = len(W)
    fig, axes = plt.subplots(2, f + 1, figsize=(1.9 * (f + 1), 4.4), squeeze=False)
    axes[0, 0].imshow(image, cmap="gray_r")
    axes[0, 0].set_title("the input", fontsize=9)
    axes[0, 0].set_ylabel("row")
    axes[0, 0].set_xlabel("column")
    axes[1, 0].set_visible(False)
    limit = float(np.abs(W).max())  # one scale for all kernels, so that their sizes compare
    for top, bottom, kernel, out, name in zip(axes[0, 1:], axes[1, 1:], W, maps, names):
        _symmetric(top, kernel, limit=limit)
        _annotate(top, kernel, "{:.2f}", fontsize=7, limit=limit)
        top.set_title(name, fontsize=9)
        _symmetric(bottom, out)
        bottom.set_title(f"output {out.shape[0]}×{out.shape[1]}", fontsize=9)
        bottom.set_xlabel("column")
    axes[1, 1].set_ylabel("row")
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- im2col: every patch a column -----------------------------------------------------------------


def plot_im2col(x, kh, kw, patch):
    """A small image with one patch framed, and your im2col's matrix with that patch's column framed.

    Args:
        x:     float array of shape (h, w), one small single-channel image (numbers are printed).
        kh, kw: ints, the kernel size.
        patch: (i, j), the top-left corner of the patch to highlight.
    """
    x = np.asarray(x, dtype=float)
    h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    i, j = patch
    if not (0 <= i < oh and 0 <= j < ow):
        raise ValueError(f"a {kh}x{kw} patch of a {h}x{w} image starts at rows 0..{oh - 1} and columns "
                         f"0..{ow - 1}; got {patch}")
    cols = im2col(x[None, None], kh, kw)  # your exercise 8.1: (kh * kw, oh * ow)
    column = i * ow + j  # columns are in (example, i, j) order
    fig, (left, right) = plt.subplots(1, 2, figsize=(4 + 0.45 * cols.shape[1], 3.6),
                                      gridspec_kw={"width_ratios": [w, cols.shape[1]]})
    left.imshow(x, cmap="Blues")
    _annotate(left, x)
    left.add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False, edgecolor="C3", linewidth=3))
    left.set_title(f"x ({h}×{w}), the patch at ({i}, {j})")
    left.set_xlabel("column")
    left.set_ylabel("row")
    right.imshow(cols, cmap="Blues")
    _annotate(right, cols)
    right.add_patch(Rectangle((column - 0.5, -0.5), 1, kh * kw, fill=False, edgecolor="C3", linewidth=3))
    right.set_title(f"im2col(x): {cols.shape[0]}×{cols.shape[1]}, one column per patch")
    right.set_xlabel("patch (column)")
    right.set_ylabel("position in the patch (row)")
    for ax in (left, right):
        ax.set_xticks(np.arange(ax.images[0].get_array().shape[1]))
        ax.set_yticks(np.arange(ax.images[0].get_array().shape[0]))
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def plot_grids(grids, titles, suptitle, fmt="{:g}"):
    """Small matrices side by side, every entry printed on its cell.

    Args:
        grids:  list of 2-D float arrays (any sizes).
        titles: one string per grid.
    """
    if len(grids) != len(titles):
        raise ValueError(f"{len(grids)} grids but {len(titles)} titles")
    fig, axes = plt.subplots(1, len(grids), figsize=(2.6 * len(grids), 3.0), squeeze=False,
                             gridspec_kw={"width_ratios": [np.shape(g)[1] for g in grids]})
    for ax, grid, title in zip(axes[0], grids, titles):
        grid = np.asarray(grid, dtype=float)
        ax.imshow(grid, cmap="Blues", vmin=min(0.0, grid.min()), vmax=max(grid.max(), 1e-12))
        _annotate(ax, grid, fmt)
        ax.set_title(title, fontsize=9)
        ax.set_xticks(np.arange(grid.shape[1]))
        ax.set_yticks(np.arange(grid.shape[0]))
        ax.set_xlabel("column")
    axes[0, 0].set_ylabel("row")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# --- inside a trained network -------------------------------------------------------------------


def layer_table(model, input_shape):
    """Each layer's output shape and parameter count, found by running one example through.

    Args:
        model:       a Network.
        input_shape: the shape of one example, e.g. (1, 28, 28).

    Returns:
        list of dicts, one per layer: "layer" (its repr), "output" (the output shape of one
        example, a tuple), "parameters" (an int) and "multiply-adds" (an int: the products the
        layer's weights take part in for one example; 0 for a layer without weights).
    """
    x = np.zeros((1, *input_shape), dtype=model.dtype)
    rows = []
    for layer in model.layers:
        x = layer(x)
        output = tuple(x.shape[1:])
        # Every weight is used once per output position: once for a dense layer (output
        # (units,)), h_out * w_out times for a convolution (output (c_out, h_out, w_out)).
        positions = int(np.prod(output[1:]))
        work = layer.params["W"].size * positions if "W" in layer.params else 0
        rows.append({"layer": repr(layer), "output": output,
                     "parameters": int(sum(p.size for p in layer.params.values())), "multiply-adds": int(work)})
    return rows


def format_layer_table(rows):
    """layer_table's rows as aligned text, with the total number of parameters."""
    width = max(len(row["layer"]) for row in rows)
    lines = [f"{'layer':<{width}}  {'output of one example':<22}{'parameters':>10}"]
    for row in rows:
        shape = " × ".join(str(s) for s in row["output"])
        lines.append(f"{row['layer']:<{width}}  {shape:<22}{row['parameters']:>10,}")
    lines.append(f"{'total':<{width}}  {'':<22}{sum(row['parameters'] for row in rows):>10,}")
    return "\n".join(lines)


def feature_maps(model, image):
    """What each layer makes of one image: the output after every layer.

    An Activation is merged with the layer before it ("Conv2D(1 → 6, 3x3) + relu"), since the
    maps worth looking at are the activated ones.

    Args:
        model: a Network whose first layer takes images.
        image: float array of shape (c, h, w) or (1, c, h, w), one image.

    Returns:
        list of (name, array) pairs, the input first ("input", shape (c, h, w)), then one per
        layer that is not an activation: shape (channels, height, width) for image-shaped
        outputs, (features,) after Flatten.
    """
    x = np.asarray(image, dtype=model.dtype)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"expected one image of shape (c, h, w) or (1, c, h, w); got shape {np.shape(image)}")
    stages = [("input", x[0])]
    for layer in model.layers:
        x = layer(x)
        if isinstance(layer, Activation) and len(stages) > 1:
            stages[-1] = (f"{stages[-1][0]} + {layer.name}", x[0])
        else:
            stages.append((repr(layer), x[0]))
    return stages


def stage_names(stages):
    """Short names for the stages of feature_maps, counted by kind: "input", "conv1", "pool1", ...

    Args:
        stages: list of (name, array) from feature_maps.

    Returns:
        list of strings, one per stage: "input"; "conv" for a Conv2D, "pool" for a pooling layer
        and "dense" for a Dense, each numbered from 1 within its kind; anything else the name of
        its class in lower case ("flatten").
    """
    kinds = {"Conv2D": "conv", "MaxPool2D": "pool", "AvgPool2D": "pool", "Dense": "dense"}
    counts, names = {}, []
    for name, _ in stages:
        kind = kinds.get(name.split("(")[0])
        if kind is None:
            names.append(name.split("(")[0].lower())
            continue
        counts[kind] = counts.get(kind, 0) + 1
        names.append(f"{kind}{counts[kind]}")
    return names


def plot_feature_maps(stages, suptitle, max_channels=16):
    """One row per image-shaped stage of feature_maps: every map as a small picture.

    Each map is titled by its layer and its number ("conv1 map 3": the third output map of the
    first convolution, after its ReLU). Within a row all maps share one colour scale, shown by
    the row's colour bar, so a bright map is a strong response.

    Args:
        stages:       list of (name, array) from feature_maps; only arrays of shape (c, h, w)
                      are drawn.
        max_channels: at most this many maps per row.
    """
    shown = [(short, name, maps[:max_channels]) for short, (name, maps) in zip(stage_names(stages), stages)
             if np.ndim(maps) == 3]
    columns = max(len(maps) for _, _, maps in shown)
    fig, axes = plt.subplots(len(shown), columns + 1, figsize=(0.95 * columns + 2.2, 1.2 * len(shown) + 0.6),
                             squeeze=False, gridspec_kw={"width_ratios": [1] * columns + [0.08]})
    for row, (short, name, maps) in zip(axes, shown):
        low, high = float(maps.min()), float(maps.max())
        is_input = short == "input"
        for k, ax in enumerate(row[:-1]):
            if k >= len(maps):
                ax.set_visible(False)
                continue
            image = ax.imshow(maps[k], cmap="gray_r" if is_input else "magma", vmin=low, vmax=high)
            if is_input:
                ax.set_title("the image" if len(maps) == 1 else f"input channel {k + 1}", fontsize=7)
            else:
                ax.set_title(f"{short} map {k + 1}", fontsize=7)
            ax.set_xticks([])
            ax.set_yticks([])
        colour_bar = fig.colorbar(image, cax=row[-1])
        colour_bar.ax.set_label("<colorbar>")  # a scale, not a panel
        colour_bar.ax.tick_params(labelsize=6)
        colour_bar.set_label("pixel value" if is_input else "output", fontsize=7)
        c, h, w = maps.shape
        label = name if is_input else f"{short}: {name}"
        row[0].set_ylabel(f"{label}\n{c} × {h}×{w}".replace(" + ", "\n+ "), fontsize=7, rotation=0,
                          ha="right", va="center")
    for ax in axes[-1][:-1]:
        ax.set_xlabel("column", fontsize=7)
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def filter_mosaic(W, gap=1):
    """The kernels of a convolution tiled into one array, NaN between them.

    Args:
        W:   float array of shape (c_out, c_in, k, k).
        gap: pixels of NaN between neighbouring kernels.

    Returns:
        float array of shape (c_in * (k + gap) - gap, c_out * (k + gap) - gap): row block r,
        column block f holds W[f, r], the kernel filter f applies to input channel r.
    """
    if np.ndim(W) != 4:
        raise ValueError(f"expected kernels of shape (c_out, c_in, k, k); got shape {np.shape(W)}")
    c_out, c_in, kh, kw = np.shape(W)
    mosaic = np.full((c_in * (kh + gap) - gap, c_out * (kw + gap) - gap), np.nan)
    for f in range(c_out):
        for r in range(c_in):
            mosaic[r * (kh + gap):r * (kh + gap) + kh, f * (kw + gap):f * (kw + gap) + kw] = W[f, r]
    return mosaic


def plot_filter_mosaic(W, title):
    """Every kernel of a convolution layer in one picture: a column per filter, a row per input channel.

    Args:
        W: float array of shape (c_out, c_in, k, k).
    """
    c_out, c_in, k, _ = np.shape(W)
    fig, ax = plt.subplots(figsize=(0.42 * c_out * (k + 1) / 4 + 2.2, 0.42 * c_in * (k + 1) / 4 + 1.6))
    image = _symmetric(ax, filter_mosaic(W))
    ax.set_xticks((k + 1) * np.arange(c_out) + (k - 1) / 2, [str(f + 1) for f in range(c_out)], fontsize=7)
    ax.set_yticks((k + 1) * np.arange(c_in) + (k - 1) / 2, [str(r + 1) for r in range(c_in)], fontsize=7)
    ax.set_xlabel("filter (output channel)")
    ax.set_ylabel("input channel")
    ax.set_title(title)
    colour_bar = fig.colorbar(image, ax=ax, shrink=0.8)
    colour_bar.ax.set_title("weight", fontsize=8)
    fig.tight_layout()
    return fig


def feature_map_explorer(model, images, labels):
    """A widget: choose a test image, see its feature maps and the network's answer.

    The function behind the widget returns the predicted class probabilities, so the widget's
    `.result` can be read (and tested) without looking at the plot.

    Args:
        model:  a trained Network taking images of shape (n, c, h, w).
        images: float array of shape (n, c, h, w).
        labels: int array of shape (n,).
    """
    import ipywidgets as widgets

    from scratchdl.activations import softmax

    def show(index):
        stages = feature_maps(model, images[index])
        probabilities = softmax(stages[-1][1][None])[0]
        guess = int(probabilities.argmax())
        plot_feature_maps(stages, f"test image {index}: label {labels[index]}, the network says {guess} "
                                  f"(probability {probabilities[guess]:.3f})")
        plt.show()
        return probabilities

    explorer = widgets.interactive(
        show, index=widgets.IntSlider(value=0, min=0, max=len(images) - 1, description="image",
                                      continuous_update=False))
    explorer.out.layout.min_height = "560px"  # keeps the page still while the plot redraws
    return explorer


# --- choosing by validation ----------------------------------------------------------------------


class KeepBest(Callback):
    """A callback for fit: remembers the parameters after the epoch with the best validation score.

    After every epoch, if logs[monitor] (fit's validation accuracy, by default) is higher than at
    every epoch before, a copy of every parameter is kept; at a tie the earlier epoch stays.
    restore() writes the kept copy back into the model, in place. The choice is made on the
    validation set only: the test set plays no part in it.

    Args:
        model:   the Network being trained.
        monitor: the key of fit's logs to maximise (needs validation_data for "val_...").
    """

    def __init__(self, model, monitor="val_accuracy"):
        self.model, self.monitor = model, monitor
        self.best, self.epoch, self.kept = -np.inf, None, None

    def on_epoch_end(self, epoch, logs):
        if self.monitor not in logs:
            raise ValueError(f"KeepBest watches {self.monitor!r}, which fit does not record: "
                             "pass validation_data=(X_val, y_val) to fit")
        if logs[self.monitor] > self.best:
            self.best, self.epoch = logs[self.monitor], epoch
            self.kept = [p.copy() for p in self.model.parameters()]

    def restore(self):
        """Put the kept parameters back (in place, so the optimizer's arrays stay the model's)."""
        if self.kept is None:
            raise ValueError("KeepBest has kept nothing yet: it keeps parameters at the end of an epoch")
        for parameter, kept in zip(self.model.parameters(), self.kept):
            parameter[...] = kept


def plot_validation_curve(history, chosen, title="Training and validation, epoch by epoch"):
    """The share of images got wrong per epoch, on the training batches and on the validation set,
    on a log scale (so that 1% and 0.5% are as far apart as 10% and 5%), with the chosen epoch marked.

    Args:
        history: fit's history, with "accuracy" and "val_accuracy".
        chosen:  int, the epoch whose weights were kept (counted from 1).
    """
    epochs = np.arange(1, len(history["accuracy"]) + 1)
    training = 100 * (1 - np.asarray(history["accuracy"]))
    validation = 100 * (1 - np.asarray(history["val_accuracy"]))
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(epochs, training, "o-", color="C0", label="training batches (while learning)")
    ax.plot(epochs, validation, "o-", color="C1", label="validation set (after the epoch)")
    ax.plot([chosen], [validation[chosen - 1]], "*", color="C3", markersize=15,
            label=f"chosen: epoch {chosen}, {validation[chosen - 1]:.2f}% wrong")
    ax.set_yscale("log")
    low, high = min(training.min(), validation.min()), max(training.max(), validation.max())
    ticks = [t for t in (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if low / 2 <= t <= high * 2]
    ax.set_yticks(ticks, [f"{t:g}%" for t in ticks])
    ax.yaxis.set_minor_formatter(NullFormatter())  # the labelled ticks above are enough
    ax.set_xticks(epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("images got wrong (log scale)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --- comparing the classifiers ------------------------------------------------------------------


def summarise_model(name, y_true, y_pred, parameters, seconds, epochs=None):
    """One row of the comparison table.

    Args:
        name:       the classifier's name.
        y_true:     int array of shape (n,), the test labels.
        y_pred:     int array of shape (n,), its predictions.
        parameters: int, the numbers it learnt (or, for the baseline, computed).
        seconds:    float, its whole training time.
        epochs:     int, or None for a classifier that is fitted in one pass (no epochs).

    Returns:
        dict: "name", "parameters", "epochs", "seconds", "seconds per epoch" (None without
        epochs), "accuracy" (a fraction), "mistakes" (a count) and "examples" (n).
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"labels of shape {y_true.shape} but predictions of shape {y_pred.shape}")
    wrong = int(np.sum(y_true != y_pred))
    return {"name": name, "parameters": int(parameters), "epochs": epochs, "seconds": float(seconds),
            "seconds per epoch": None if epochs is None else float(seconds) / epochs,
            "accuracy": 1 - wrong / len(y_true), "mistakes": wrong, "examples": len(y_true)}


def format_comparison(rows, reported=None, reported_title="reported"):
    """summarise_model's rows as an aligned text table.

    Args:
        rows:           list of dicts from summarise_model.
        reported:       optional dict of classifier name -> a test accuracy (a fraction) published
                        elsewhere, shown in a last column ("-" for a name it does not have).
        reported_title: that column's heading.
    """
    width = max(len(row["name"]) for row in rows)
    header = (f"{'':<{width}}  {'parameters':>10}  {'epochs':>6}  {'s / epoch':>9}  {'training':>9}  "
              f"{'test accuracy':>13}  {'mistakes':>8}")
    if reported is not None:
        header += f"  {reported_title:>{max(len(reported_title), 8)}}"
    lines = [header]
    for row in rows:
        epochs = "-" if row["epochs"] is None else str(row["epochs"])
        per_epoch = "-" if row["seconds per epoch"] is None else f"{row['seconds per epoch']:.2f}"
        line = (f"{row['name']:<{width}}  {row['parameters']:>10,}  {epochs:>6}  {per_epoch:>9}  "
                f"{row['seconds']:>8.1f}s  {row['accuracy']:>13.2%}  {row['mistakes']:>8,}")
        if reported is not None:
            value = reported.get(row["name"])
            line += f"  {'-' if value is None else f'{value:.2%}':>{max(len(reported_title), 8)}}"
        lines.append(line)
    return "\n".join(lines)


def plot_comparison(rows, suptitle="Three classifiers on MNIST"):
    """Three bar charts side by side: parameters, training time, and mistakes on the test set.

    Args:
        rows: list of dicts from summarise_model.
    """
    names = [row["name"] for row in rows]
    panels = [
        ("parameters", [row["parameters"] for row in rows], "{:,.0f}", "numbers learnt"),
        ("training time", [row["seconds"] for row in rows], "{:.1f} s", "seconds (whole training)"),
        ("test mistakes", [row["mistakes"] for row in rows], "{:,.0f}", f"wrong answers of {rows[0]['examples']:,}"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (title, values, fmt, ylabel) in zip(axes, panels):
        bars = ax.bar(names, values, color=[f"C{i}" for i in range(len(rows))])
        for bar, value in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), fmt.format(value),
                    ha="center", va="bottom", fontsize=8)
        ax.set_ylim(0, max(values) * 1.15 or 1)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_xlabel("classifier")
    fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def wrong_only_by(y_true, pred_wrong, pred_right):
    """The examples that one classifier gets wrong and the other gets right.

    Args:
        y_true:     int array of shape (n,).
        pred_wrong: int array of shape (n,), the classifier that should be wrong.
        pred_right: int array of shape (n,), the classifier that should be right.

    Returns:
        int array of indices i, in increasing order, with pred_wrong[i] != y_true[i] and
        pred_right[i] == y_true[i].
    """
    y_true, pred_wrong, pred_right = (np.asarray(a) for a in (y_true, pred_wrong, pred_right))
    if not y_true.shape == pred_wrong.shape == pred_right.shape:
        raise ValueError(f"expected three arrays of one shape; got {y_true.shape}, {pred_wrong.shape}, {pred_right.shape}")
    return np.flatnonzero((pred_wrong != y_true) & (pred_right == y_true))


def plot_disagreements(images, y_true, predictions, indices, suptitle, columns=10):
    """A gallery of examples titled with the true label and every classifier's answer.

    Args:
        images:      the n images (any shape chapter 7's plot_digits takes).
        y_true:      int array of shape (n,).
        predictions: dict of classifier name -> int array of shape (n,).
        indices:     which examples to show, e.g. from wrong_only_by.
    """
    indices = np.asarray(indices, dtype=int)
    titles = [f"#{i}: true {y_true[i]}\n" + ", ".join(f"{name} {pred[i]}" for name, pred in predictions.items())
              for i in indices]
    return plot_digits(np.asarray(images)[indices], titles, suptitle, columns)


def shift_right(X, pixels):
    """Move every image `pixels` to the right (left if negative), filling with blank paper.

    Args:
        X: float array of shape (n, c, h, w).

    Returns:
        float array of the same shape and dtype; X is not changed.
    """
    X = np.asarray(X)
    if X.ndim != 4:
        raise ValueError(f"expected images of shape (n, c, h, w); got shape {X.shape}")
    shifted = np.zeros_like(X)
    if pixels >= 0:
        shifted[..., pixels:] = X[..., :X.shape[-1] - pixels]
    else:
        shifted[..., :pixels] = X[..., -pixels:]
    return shifted


def plot_shift_accuracy(shifts, accuracies, title="Digits moved sideways"):
    """Test accuracy against how far the digits were moved, one line per classifier.

    Args:
        shifts:     ints, the shifts in pixels.
        accuracies: dict of classifier name -> one accuracy per shift.
    """
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for i, (name, values) in enumerate(accuracies.items()):
        ax.plot(shifts, values, "o-", color=f"C{i}", label=name)
    ax.set_xticks(shifts)
    ax.set_xlabel("shift to the right (pixels)")
    ax.set_ylabel("test accuracy")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
