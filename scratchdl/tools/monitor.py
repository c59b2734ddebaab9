"""What is going on inside a network: statistics per layer, for the live view and the diagnosis.

    for row in layer_statistics(model, X[:256]):
        print(row["layer"], row["output_std"], row["dead_share"])

A ReLU unit is *dead* when it outputs 0 for every example: its gradient is then 0 as well, so
no weight that feeds it ever changes again, and it stays dead for the rest of training.
"""

import numpy as np

from scratchdl.layers import Activation


def dead_share(activations):
    """The fraction of units that output 0 for every example of the batch.

    Args:
        activations: array of shape (n, ...), a layer's outputs for n examples; every position
                     after the first axis is one unit (for images: one channel at one pixel).

    Returns:
        float from 0 (every unit fires for some example) to 1 (the whole layer is silent).
    """
    activations = np.asarray(activations)
    if activations.ndim < 2 or len(activations) == 0:
        raise ValueError(f"activations must have shape (n_examples, units...); got shape {activations.shape}")
    silent = np.all(activations == 0, axis=0)
    return float(np.mean(silent))


def layer_statistics(model, X):
    """Run X through the model's layers one at a time and describe each layer's output.

    Args:
        model: a Network.
        X:     array (n, ...) of inputs, a sample of the training data (a few hundred is plenty).

    Returns:
        list with one dict per layer, in order: "index" (its place in model.layers), "layer" (its name), "output_std",
        "weight_std" (None for layers without weights) and "dead_share" (None except for ReLU).
    """
    rows = []
    a = np.asarray(X, dtype=model.dtype)
    modes = [getattr(layer, "training", True) for layer in model.layers]
    for layer in model.layers:  # evaluation mode: nothing dropped, no running statistics updated
        layer.training = False
    try:
        outputs = []
        for layer in model.layers:
            a = layer.forward(a)
            outputs.append(a)
    finally:
        for layer, mode in zip(model.layers, modes):
            layer.training = mode
    for index, (layer, a) in enumerate(zip(model.layers, outputs)):  # from 0, like model.layers and named_parameters
        weights = layer.params.get("W")
        is_relu = isinstance(layer, Activation) and layer.name == "relu"
        rows.append({
            "index": index,
            "layer": repr(layer),
            "output_std": float(a.std()),
            "weight_std": None if weights is None else float(weights.std()),
            "dead_share": dead_share(a) if is_relu else None,
        })
    return rows
