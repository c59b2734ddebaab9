"""After a fit: what the history and the model say went wrong, and the usual remedy.

    history = fit(model, X, y, ...)          # prints the diagnosis itself when something is wrong
    for finding in diagnose(history, model, X[:256]):
        print(finding)

Each rule looks for one common failure:

    diverged     the loss became nan, or ended well above where it started  -> lower the learning rate
    flat         the loss hardly moved from its first value                  -> check the init, dead ReLUs
    dead_relu    most units of a ReLU layer output 0 for every example       -> He init, a lower rate, leaky ReLU
    overfitting  training accuracy far above validation, or the validation
                 loss rising while the training loss falls                   -> weight decay, fewer epochs

The thresholds are rules of thumb, not laws: a finding is a place to look, not a verdict.
"""

from dataclasses import dataclass

import numpy as np

from scratchdl.tools.monitor import layer_statistics

FLAT = 0.01  # the loss fell by less than 1% of its first value: it "hardly moved"
DEAD = 0.5  # half or more of a ReLU layer silent for every example
GAP = 0.10  # training accuracy this far above validation accuracy
RISE = 0.10  # validation loss 10% above its lowest value


@dataclass(frozen=True)
class Finding:
    rule: str  # "diverged", "flat", "dead_relu" or "overfitting"
    what: str  # what was seen, with the numbers
    remedy: str  # what usually helps

    def __str__(self):
        return f"{self.rule}: {self.what}\n  → {self.remedy}"


def diagnose(history, model=None, X=None):
    """Look for the common training failures in a history (and the model, if given).

    Args:
        history: the dict a fit returned, or the TrainingDiverged error a fit raised.
        model:   the trained Network (optional): needed to look for dead ReLU layers.
        X:       array (n, ...), a sample of training inputs for the model (optional, with model).

    Returns:
        list of Finding, empty when nothing looks wrong.
    """
    epoch_diverged = getattr(history, "epoch", None)
    history = getattr(history, "history", history)  # a TrainingDiverged carries what was recorded
    if not isinstance(history, dict) or "loss" not in history:
        raise ValueError(f"expected the history dict a fit returns (with a 'loss' list); got {type(history).__name__}")
    losses = np.asarray(history["loss"], dtype=float)
    layers = layer_statistics(model, X) if model is not None and X is not None else []

    findings = []
    if epoch_diverged is not None or not np.all(np.isfinite(losses)):
        findings.append(_diverged_to_nan(epoch_diverged, losses))
    elif len(losses) >= 2 and losses[-1] > losses[0] and losses[-1] > 1.5 * losses.min():
        findings.append(Finding(
            "diverged",
            f"the loss went down to {losses.min():.4g} and back up to {losses[-1]:.4g}, above where it started ({losses[0]:.4g})",
            "the steps overshoot: lower the learning rate (ten times smaller is a good first try)",
        ))
    elif len(losses) >= 2 and losses[0] - losses.min() < FLAT * abs(losses[0]):
        findings.append(_flat(losses, layers))
    findings += _dead_layers(layers) if not any(f.rule == "flat" for f in findings) else []
    findings += _overfitting(history)
    return findings


def _diverged_to_nan(epoch, losses):
    when = f"in epoch {epoch}" if epoch is not None else f"in epoch {int(np.argmax(~np.isfinite(losses))) + 1}"
    return Finding(
        "diverged",
        f"the loss became nan or infinite, or exploded, {when}",
        "the steps are too large: lower the learning rate (ten times smaller is a good first try)",
    )


def _flat(losses, layers):
    remedy = ("check the initial weights (equal or zero weights keep every unit the same; very small "
              "ones silence the signal), look for dead ReLU layers, or raise a learning rate that is tiny")
    dead = [row for row in layers if row["dead_share"] is not None and row["dead_share"] >= DEAD]
    if dead:
        names = ", ".join(f"layer {row['index']} ({row['dead_share']:.0%} dead)" for row in dead)
        remedy = f"{names}: a dead ReLU passes no gradient. Use He initialisation, a lower learning rate or leaky_relu"
    return Finding("flat", f"the loss hardly moved in {len(losses)} epochs: from {losses[0]:.4g} to {losses[-1]:.4g}", remedy)


def _dead_layers(layers):
    return [
        Finding(
            "dead_relu",
            f"layer {row['index']}, {row['layer']}: {row['dead_share']:.0%} of its units output 0 for every example",
            "dead units learn nothing: use He initialisation, a lower learning rate, or leaky_relu",
        )
        for row in layers if row["dead_share"] is not None and row["dead_share"] >= DEAD
    ]


def _overfitting(history):
    findings = []
    train, val = history.get("accuracy"), history.get("val_accuracy")
    if train and val and train[-1] - val[-1] > GAP:
        findings.append(Finding(
            "overfitting",
            f"training accuracy {train[-1]:.1%} but validation accuracy {val[-1]:.1%}",
            "the network memorises its training examples: add weight decay (AdamW), train fewer epochs, "
            "use more data or a smaller network",
        ))
    val_loss, loss = history.get("val_loss"), history.get("loss")
    if val_loss and len(val_loss) >= 3 and not findings:
        best = int(np.argmin(val_loss))
        if val_loss[-1] > (1 + RISE) * val_loss[best] and loss[-1] < loss[best]:
            findings.append(Finding(
                "overfitting",
                f"the validation loss was lowest in epoch {best + 1} ({val_loss[best]:.4g}) and rose to "
                f"{val_loss[-1]:.4g} while the training loss kept falling",
                f"stop near epoch {best + 1}, or add weight decay (AdamW) and keep training",
            ))
    return findings


def print_diagnosis(findings, file=None):
    """Print the findings under a heading (nothing when there are none)."""
    if findings:
        print("What the training history suggests:", file=file)
        for finding in findings:
            print(f"- {finding}", file=file)
