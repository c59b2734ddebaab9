"""Chapter 4 demos: losses that overflow, losses that take log(0), why classifiers use cross-entropy,
and binary cross-entropy in two steps (a sigmoid, then the loss) against one (from the logit).

The `textbook_...` functions are the formulas exactly as printed, kept here to show how they fail;
numpy_warnings runs them and records what numpy complains about. Everything else uses your
losses (chapter 4) and your sigmoid (chapter 2).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from scratchdl.activations import sigmoid, sigmoid_derivative
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy
from scratchdl.tools.plots import VANISHING


def numpy_warnings(f, *args):
    """Call f(*args) and record numpy's floating-point warnings instead of printing them.

    Returns:
        (what f returned, list of warning messages such as "overflow encountered in exp").
    """
    # Underflow (exp(-2000) rounding to 0) is silent by default in numpy, and stays silent here.
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("always")
        result = f(*args)
    return result, list(dict.fromkeys(str(w.message) for w in caught))  # each message once, in order


def _check_logits(logits, y):
    if not isinstance(logits, np.ndarray) or logits.ndim != 2:
        raise ValueError(f"logits must be an array of shape (n, k); got {getattr(logits, 'shape', type(logits).__name__)}")
    y = np.asarray(y)
    if y.shape != (len(logits),):
        raise ValueError(f"y must hold one integer label per row of logits, shape ({len(logits)},); got shape {y.shape}")
    return y


def textbook_softmax_cross_entropy(logits, y):
    """-mean(log softmax(logits)[label]) with softmax = exp(z) / sum(exp(z)), exactly as printed.

    Args:
        logits: float array of shape (n, k).  y: int array of shape (n,).

    Returns:
        float: the loss, or inf / nan when exp overflows or a probability rounds to 0.
    """
    y = _check_logits(logits, y)
    e = np.exp(logits)
    probabilities = e / e.sum(axis=1, keepdims=True)
    return float(-np.log(probabilities[np.arange(len(y)), y]).mean())


def shifted_softmax_cross_entropy(logits, y):
    """The same with the row maximum subtracted first (softmax no longer overflows), and then the
    log of the probability: still log(0) when a probability rounds to 0.

    Args:
        logits: float array of shape (n, k).  y: int array of shape (n,).

    Returns:
        float.
    """
    y = _check_logits(logits, y)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities = e / e.sum(axis=1, keepdims=True)
    return float(-np.log(probabilities[np.arange(len(y)), y]).mean())


def textbook_binary_cross_entropy(p, y):
    """-mean(y log p + (1 - y) log(1 - p)) without clipping p.

    Args:
        p: float array of shape (n, 1), probabilities.  y: float array of shape (n, 1), labels 0 or 1.

    Returns:
        float: inf for a sure wrong answer, nan for a sure right one (0 * log 0).
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape != y.shape:
        raise ValueError(f"p and y must have the same shape; got {p.shape} and {y.shape}")
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def compare_losses(losses, y_pred, y):
    """The same batch through several versions of a loss, with what numpy said about each.

    Args:
        losses: dict {name: function(y_pred, y) returning the loss}, e.g. your loss objects.
        y_pred: the network's outputs for the batch.  y: the targets.

    Returns:
        list of (name, loss value, list of numpy's warning messages), one per loss.
    """
    if not losses:
        raise ValueError("losses is empty: give at least one {name: loss function}")
    rows = []
    for name, loss in losses.items():
        value, complaints = numpy_warnings(loss, y_pred.copy(), np.copy(y))  # a fresh copy each
        rows.append((name, float(value), complaints))
    return rows


def print_loss_table(rows):
    """Print the rows of compare_losses, one line per loss."""
    width = max(len(name) for name, _, _ in rows)
    for name, value, complaints in rows:
        said = "; ".join(complaints) if complaints else "no warnings"
        print(f"{name:<{width}}  loss {value + 0.0:<10.6g} numpy: {said}")  # + 0.0 prints -0.0 as 0


# --- why cross-entropy for a sigmoid output ---------------------------------------------------


def per_example(loss, y_pred, y):
    """Your loss on one example at a time, with its gradient (so the batch average is over one).

    Args:
        loss:   a loss object, e.g. BinaryCrossEntropy().
        y_pred: float array of shape (n, 1), one prediction per example.
        y:      float array of shape (n, 1), the targets.

    Returns:
        (values, gradients): two float arrays of shape (n,), the loss of each example and its
        gradient with respect to that example's prediction.
    """
    y_pred, y = np.asarray(y_pred, dtype=float), np.asarray(y, dtype=float)
    if y_pred.ndim != 2 or y_pred.shape[1] != 1 or y.shape != y_pred.shape:
        raise ValueError(f"y_pred and y must both have shape (n, 1); got {y_pred.shape} and {y.shape}")
    values, gradients = [], []
    for i in range(len(y_pred)):
        values.append(loss(y_pred[i:i + 1], y[i:i + 1]))
        gradients.append(loss.backward()[0, 0])
    return np.array(values, dtype=float), np.array(gradients, dtype=float)


def sigmoid_output_gradients(z, target=1.0):
    """dL/dz for a sigmoid output p = sigmoid(z), under the MSE and under binary cross-entropy.

    The chain rule: dL/dz = dL/dp * dp/dz, with dL/dp from your loss's backward and
    dp/dz = sigmoid'(z) from chapter 2. For one example with target y this gives
    2 (p - y) p (1 - p) for the MSE and (p - y) for cross-entropy.

    Args:
        z:      float array of shape (m,), the sigmoid's inputs (one example each).
        target: the label of every example, 0 or 1.

    Returns:
        dict {"MSE": array (m,), "cross-entropy": array (m,)}.
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 1:
        raise ValueError(f"z must be a 1-D array of sigmoid inputs; got shape {z.shape}")
    if target not in (0, 1):
        raise ValueError(f"target must be 0 or 1; got {target!r}")
    p = sigmoid(z).reshape(-1, 1)
    y = np.full_like(p, float(target))
    slope = sigmoid_derivative(z)
    return {name: per_example(loss, p, y)[1] * slope
            for name, loss in (("MSE", MeanSquaredError()), ("cross-entropy", BinaryCrossEntropy()))}


def mse_blind_spot(z, gradients, threshold=VANISHING):
    """Where the MSE's gradient is below `threshold` although the prediction is wrong (target 1).

    Args:
        z:         float array of shape (m,), increasing.
        gradients: the dict from sigmoid_output_gradients(z, target=1).

    Returns:
        bool array of shape (m,): p = sigmoid(z) < 0.5 and |dL/dz| of the MSE < threshold.
    """
    z = np.asarray(z, dtype=float)
    return (z < 0) & (np.abs(gradients["MSE"]) < threshold)


def plot_saturation(z_min=-10.0, z_max=6.0, threshold=VANISHING):
    """The gradient that reaches a sigmoid's input z under each loss, for an example of class 1.

    Left: dL/dz on a linear scale; right: its size on a log scale. Shaded: the prediction is
    wrong (p < 0.5) and yet the MSE's gradient is below `threshold`.
    """
    z = np.linspace(z_min, z_max, 801)
    gradients = sigmoid_output_gradients(z, target=1)
    blind = mse_blind_spot(z, gradients, threshold)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, log in zip(axes, (False, True)):
        for (name, g), color in zip(gradients.items(), ("C1", "C0")):
            ax.plot(z, np.abs(g) if log else g, color=color, label=name)
        if blind.any():
            ax.axvspan(z[blind].min(), z[blind].max(), color="0.85",
                       label=f"p < 0.5, yet |MSE gradient| < {threshold}")
        ax.axvline(0, color="0.6", linewidth=0.6)
        ax.set_xlabel("z, the input of the output sigmoid (p = σ(z))")
        # A second scale on top: the prediction p at a few values of z = log(p / (1 - p)).
        p_ticks = np.array([1e-4, 0.01, 0.1, 0.5, 0.9, 0.99])
        z_ticks = np.log(p_ticks / (1 - p_ticks))
        shown = (z_ticks >= z_min) & (z_ticks <= z_max)
        top = ax.secondary_xaxis("top")
        top.set_xticks(z_ticks[shown], [f"{p:g}" for p in p_ticks[shown]])
        top.set_xlabel("p = σ(z)")
    axes[0].axhline(0, color="0.6", linewidth=0.6)
    axes[0].set_ylabel("dL/dz")
    axes[0].set_title("Gradient reaching z, target 1")
    axes[0].legend(fontsize=8, loc="lower right")
    axes[1].set_yscale("log")
    axes[1].set_ylabel("|dL/dz| (log scale)")
    axes[1].set_title("Its size: the MSE's vanishes when p is near 0")
    axes[1].legend(fontsize=8, loc="lower center")
    fig.tight_layout()
    return fig


def plot_losses_against_probability(p_min=1e-10, p_max=0.999):
    """Each loss, and the size of its gradient, against the predicted probability of the true class.

    Computed by your MeanSquaredError and BinaryCrossEntropy for target 1, one example at a time,
    on a log scale of p that reaches below BinaryCrossEntropy.EPS, so that the clip shows: the
    shaded strip is p < EPS, where the loss stops at its cap, -log(EPS), and backward, evaluated
    at the clipped p (straight-through), stays at 1 / EPS although the clipped loss is flat there.
    """
    if not 0 < p_min < BinaryCrossEntropy.EPS < p_max < 1:
        raise ValueError(f"need 0 < p_min < EPS = {BinaryCrossEntropy.EPS:g} < p_max < 1, so that the clip "
                         f"shows; got p_min = {p_min!r}, p_max = {p_max!r}")
    eps = BinaryCrossEntropy.EPS
    p = np.logspace(np.log10(p_min), np.log10(p_max), 601).reshape(-1, 1)
    y = np.ones_like(p)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax in axes:
        ax.axvspan(p_min, eps, color="0.88", label=f"p < EPS = {eps:g}: clipped")
    for (name, loss), color in zip((("MSE", MeanSquaredError()), ("cross-entropy", BinaryCrossEntropy())), ("C1", "C0")):
        values, gradients = per_example(loss, p, y)
        axes[0].plot(p, values, color=color, label=name)
        axes[1].plot(p, np.abs(gradients), color=color, label=name)
    cap = -np.log(eps)
    axes[0].axhline(cap, color="0.35", linestyle=":", linewidth=1, label=f"the cap, -log(EPS) = {cap:.1f}")
    axes[1].axhline(1 / eps, color="0.35", linestyle=":", linewidth=1,
                    label=f"1 / EPS = {1 / eps:g}, backward's largest")
    axes[1].text(np.sqrt(p_min * eps), 1e3, "the clipped loss is\nflat here (slope 0);\nbackward keeps 1 / EPS:\nstraight-through",
                 ha="center", va="center", fontsize=7.5, color="0.25")
    axes[0].set_title("Loss for an example of class 1")
    axes[0].set_ylabel("loss L")
    axes[0].set_ylim(0, 1.15 * cap)
    axes[1].set_title("Size of its gradient, from your backward")
    axes[1].set_ylabel("|dL/dp| (log scale)")
    axes[1].set_yscale("log")
    axes[1].set_ylim(0.3, 10 / eps)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlim(p_min, 1)
        ax.set_xlabel("p, the predicted probability of class 1 (log scale)")
        ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


# --- binary cross-entropy in two steps or in one --------------------------------------------------


TWO_STEPS, FUSED = "sigmoid, then BinaryCrossEntropy", "SigmoidCrossEntropy"


def two_steps_and_fused(z, y):
    """The loss of each example and its gradient with respect to the logit z, computed two ways,
    one example at a time, in z's dtype.

    Two steps: p = sigmoid(z), your BinaryCrossEntropy on p, and the chain rule for the gradient,
    BinaryCrossEntropy.backward() * sigmoid_derivative(z) - what a network with an
    Activation("sigmoid") layer computes. Fused: your SigmoidCrossEntropy on z itself.

    Args:
        z: float array of shape (m,), one logit per example (float64 or float32: kept).
        y: labels 0 or 1, an array of shape (m,) or one number for every example.

    Returns:
        dict {TWO_STEPS: (losses, gradients), FUSED: (losses, gradients)}: arrays of shape (m,),
        the losses as float64, the gradients in z's dtype.
    """
    z = np.asarray(z)
    if z.ndim != 1 or z.dtype.kind != "f":
        raise ValueError(f"z must be a 1-D float array of logits; got dtype {z.dtype}, shape {z.shape}")
    y = np.broadcast_to(np.asarray(y, dtype=z.dtype), z.shape)
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"y must be labels 0 or 1; got values {np.unique(y)[:10]}")
    results = {TWO_STEPS: ([], []), FUSED: ([], [])}
    bce, fused = BinaryCrossEntropy(), SigmoidCrossEntropy()
    for zi, yi in zip(z.reshape(-1, 1, 1), y.reshape(-1, 1, 1)):
        losses, gradients = results[TWO_STEPS]
        losses.append(bce(sigmoid(zi), yi))
        gradients.append((bce.backward() * sigmoid_derivative(zi))[0, 0])
        losses, gradients = results[FUSED]
        losses.append(fused(zi, yi))
        gradients.append(fused.backward()[0, 0])
    return {name: (np.array(losses, dtype=np.float64), np.array(gradients, dtype=z.dtype))
            for name, (losses, gradients) in results.items()}


def print_two_steps_and_fused(z, y, dtype=np.float64):
    """One line per example: z, its label, and the loss and dL/dz of each way (two_steps_and_fused)."""
    z = np.asarray(z, dtype=dtype)
    results = two_steps_and_fused(z, y)
    labels = np.broadcast_to(np.asarray(y), z.shape)
    print(f"{np.dtype(dtype).name}: {'z':>6} {'y':>2} {'loss, 2 steps':>14} {'loss, fused':>12} "
          f"{'dL/dz, 2 steps':>15} {'dL/dz, fused':>13}")
    (two_losses, two_grads), (fused_losses, fused_grads) = results[TWO_STEPS], results[FUSED]
    for row in zip(z, labels, two_losses, fused_losses, two_grads, fused_grads):
        zi, yi, l2, lf, g2, gf = (float(v) for v in row)
        print(f"{'':>{len(np.dtype(dtype).name) + 1}} {zi:6g} {yi:2g} {l2:14.8g} {lf:12.8g} {g2 + 0.0:15.4g} {gf + 0.0:13.4g}")
    return results


def compare_on_a_batch(z, y):
    """Both ways on one batch (not one example at a time): how far apart are they?

    Args:
        z: float array of shape (n, 1), logits.  y: float array of shape (n, 1), labels 0 or 1.

    Returns:
        dict: "loss, 2 steps" and "loss, fused" (floats), "relative loss difference"
        (|difference| / fused loss) and "relative gradient difference" (the largest |difference|
        of dL/dz over the largest |dL/dz| of the fused loss).
    """
    bce, fused = BinaryCrossEntropy(), SigmoidCrossEntropy()
    two_loss, fused_loss = bce(sigmoid(z), y), fused(z, y)
    two_grad, fused_grad = bce.backward() * sigmoid_derivative(z), fused.backward()
    return {"loss, 2 steps": two_loss, "loss, fused": fused_loss,
            "relative loss difference": abs(two_loss - fused_loss) / fused_loss,
            "relative gradient difference": float(np.abs(two_grad - fused_grad).max() / np.abs(fused_grad).max())}


def clip_starts():
    """The logit below which BinaryCrossEntropy's clip is active for an example of class 1:
    sigmoid(z) = EPS at z = log(EPS / (1 - EPS))."""
    eps = BinaryCrossEntropy.EPS
    return float(np.log(eps / (1 - eps)))


def plot_two_steps_and_fused(z_min=-50.0, z_max=10.0):
    """The loss of an example of class 1, and the size of its gradient with respect to z, computed
    in two steps and fused (two_steps_and_fused, float64), against the logit z.

    Shaded: z below clip_starts(), where sigmoid(z) < EPS and the two-step loss is clipped.
    """
    if not z_min < clip_starts() < z_max:
        raise ValueError(f"need z_min < {clip_starts():.1f} < z_max, so that the clip shows; "
                         f"got z_min = {z_min!r}, z_max = {z_max!r}")
    z = np.linspace(z_min, z_max, 601)
    results = two_steps_and_fused(z, 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax in axes:
        ax.axvspan(z_min, clip_starts(), color="0.88", label="σ(z) < EPS: the two-step loss is clipped")
    for (name, (losses, gradients)), style in zip(results.items(), ({"color": "C1"}, {"color": "C0", "linestyle": "--"})):
        axes[0].plot(z, losses, label=name, **style)
        axes[1].plot(z, np.abs(gradients), label=name, **style)
    axes[0].set_title("Loss of an example of class 1")
    axes[0].set_ylabel("loss L")
    axes[1].set_title("Size of its gradient with respect to z")
    axes[1].set_ylabel("|dL/dz| (log scale)")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlim(z_min, z_max)
        ax.set_xlabel("z, the logit (the sigmoid's input)")
        ax.legend(fontsize=8, loc="upper right" if ax is axes[0] else "lower right")
    fig.tight_layout()
    return fig
