"""Checking a network described as a list of dicts, before Network.from_architecture builds it."""

from scratchdl.activations import ACTIVATIONS

KEYS = {"input_dim", "output_dim", "activation", "init"}


def check_architecture(architecture):
    """The list of layer dicts itself, or a clear error naming the layer and what is wrong with it."""
    previous_dim = None
    for i, spec in enumerate(architecture):
        if not isinstance(spec, dict):
            raise TypeError(f"layer {i}: expected a dict like {{'input_dim': 2, 'output_dim': 4, 'activation': 'relu'}}; got {spec!r}")
        missing = {"input_dim", "output_dim", "activation"} - set(spec)
        unknown = set(spec) - KEYS
        if missing or unknown:
            raise ValueError(f"layer {i}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}; "
                             f"expected {sorted(KEYS)}")
        if previous_dim is not None and spec["input_dim"] != previous_dim:
            raise ValueError(f"layer {i}: input_dim is {spec['input_dim']}, but layer {i - 1} outputs "
                             f"{previous_dim} features")
        activation = spec["activation"]
        if activation == "softmax" and i != len(architecture) - 1:
            raise ValueError(f"layer {i}: 'softmax' can only be the last layer's activation")
        if activation not in ACTIVATIONS and activation != "softmax":
            raise ValueError(f"layer {i}: unknown activation {activation!r}; expected one of "
                             f"{', '.join(ACTIVATIONS)}, or softmax for the last layer")
        previous_dim = spec["output_dim"]
    if not architecture:
        raise ValueError("the architecture is empty: give at least one layer")
    return architecture
