"""Chapter 8's optional comparison with PyTorch: the same network, the same weights, the same
training recipe - do both give the same numbers?

PyTorch is not needed for the course. Install it for this comparison only, with
pip install -e ".[torch]" in the course folder (a CPU build is enough). Everything here imports
it when called.
"""

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from scratchdl.course.chapters import COURSE_DIR
from scratchdl.layers import Activation, Dense
from scratchdl.losses import SoftmaxCrossEntropy
from scratchdl.training import minibatches


class TorchMissing(ImportError):
    def _render_traceback_(self):
        return [f"TorchMissing: {self}"]


def torch_available():
    """Whether PyTorch is installed - found without importing it (that alone takes about 200 MB)."""
    return importlib.util.find_spec("torch") is not None


def torch_version():
    return importlib.metadata.version("torch")


def _torch_installed_or_say_so():
    if not torch_available():
        _torch()


def _torch():
    try:
        import torch
    except ImportError:
        raise TorchMissing("PyTorch is not installed, and this comparison needs it. It is optional: "
                           "pip install torch (a CPU build is enough) and restart the kernel.") from None
    return torch


ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def describe(model):
    """(layers, weights): the network as plain data - each layer's type and settings, and every
    parameter by "layer number.name" - from which PyTorch's copy is built, here or in another
    process."""
    layers, weights = [], {}
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            spec = {"type": "Dense"}
        elif isinstance(layer, Conv2D):
            spec = {"type": "Conv2D", "padding": layer.padding}
        elif isinstance(layer, Activation) and layer.name in ACTIVATIONS:
            spec = {"type": "Activation", "name": layer.name}
        elif isinstance(layer, (AvgPool2D, MaxPool2D, Flatten)):
            spec = {"type": type(layer).__name__}
        else:
            raise TypeError(f"no PyTorch counterpart for {layer!r}")
        layers.append(spec)
        weights.update({f"{i}.{name}": value for name, value in layer.params.items()})
    return layers, weights


def to_torch(model):
    """The same network as a torch.nn.Sequential, with a copy of the same weights."""
    return _torch_model(*describe(model))


def _torch_model(layers, weights):
    """Our Dense weight is (fan_in, fan_out) and PyTorch's Linear weight is (fan_out, fan_in), so
    it is transposed; convolution kernels have the same layout in both."""
    torch = _torch()
    nn = torch.nn
    activations = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
    pools = {"AvgPool2D": lambda: nn.AvgPool2d(2), "MaxPool2D": lambda: nn.MaxPool2d(2), "Flatten": nn.Flatten}
    modules, dtype = [], np.float64
    for i, spec in enumerate(layers):
        if spec["type"] in ("Dense", "Conv2D"):
            W, b = weights[f"{i}.W"], weights[f"{i}.b"]
            if spec["type"] == "Dense":
                module, weight = nn.Linear(W.shape[0], W.shape[1]), W.T
            else:
                module, weight = nn.Conv2d(W.shape[1], W.shape[0], W.shape[2], padding=spec["padding"]), W
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
                module.bias.copy_(torch.from_numpy(b))
            dtype = W.dtype
        elif spec["type"] == "Activation":
            module = activations[spec["name"]]()
        else:
            module = pools[spec["type"]]()
        modules.append(module)
    return nn.Sequential(*modules).to(_torch_dtype(dtype))


def _torch_dtype(dtype):
    torch = _torch()
    return {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}[np.dtype(dtype)]


def torch_gradients(torch_model, X, y):
    """Loss and parameter gradients of the PyTorch copy on one batch, in our parameter order and layouts."""
    torch = _torch()
    torch_model.zero_grad()
    loss = torch.nn.functional.cross_entropy(torch_model(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    grads = []
    for module in torch_model:
        if isinstance(module, torch.nn.Linear):
            grads += [module.weight.grad.numpy().T, module.bias.grad.numpy()]
        elif isinstance(module, torch.nn.Conv2d):
            grads += [module.weight.grad.numpy(), module.bias.grad.numpy()]
    return loss.item(), grads


def compare_one_batch(model, X, y, separate_process=False):
    """Run both networks forward and backward on one batch; return the largest differences.

    separate_process: run PyTorch's side in a Python process of its own, which exits
                      afterwards, so that this one never imports PyTorch (about 200 MB that a
                      notebook's kernel would keep until it is restarted).

    Returns:
        dict: "output" (largest difference between the logits), "loss", and "gradients" (the
        largest difference relative to the size of each gradient array, over all of them).
    """
    if not isinstance(model.loss, SoftmaxCrossEntropy):
        raise ValueError("the comparison is written for classifiers trained with softmax cross-entropy")
    layers, weights = describe(model)
    theirs_out, theirs_loss, theirs_grads = (_torch_side_apart if separate_process else torch_side)(layers, weights, X, y)
    ours_out = model.forward(X)
    ours_loss, _ = model.loss_and_gradients(X, y)
    relative = [float(np.abs(a - b).max() / (np.abs(b).max() + 1e-12)) for a, b in zip(model.gradients(), theirs_grads)]
    return {"output": float(np.abs(ours_out - theirs_out).max()),
            "loss": abs(ours_loss - theirs_loss),
            "gradients": max(relative)}


def torch_side(layers, weights, X, y):
    """PyTorch's output, loss and gradients on one batch, for the network `describe` gave."""
    torch = _torch()
    twin = _torch_model(layers, weights)
    with torch.no_grad():
        out = twin(torch.from_numpy(X)).numpy()
    loss, grads = torch_gradients(twin, X, y)
    return out, loss, grads


def _torch_side_apart(layers, weights, X, y):
    """torch_side, run by `python -m scratchdl.tools.compare FOLDER` in a process of its own."""
    _torch_installed_or_say_so()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "layers.json").write_text(json.dumps(layers))
        np.savez(folder / "batch.npz", X=X, y=y, **weights)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(COURSE_DIR), os.environ.get("PYTHONPATH")])))
        done = subprocess.run([sys.executable, "-m", "scratchdl.tools.compare", str(folder)],
                              capture_output=True, text=True, env=env, timeout=600)
        if done.returncode:
            raise RuntimeError(f"PyTorch's side of the comparison failed in its own process:\n{done.stderr[-2000:]}")
        with np.load(folder / "theirs.npz", allow_pickle=False) as theirs:
            grads = [theirs[f"grad{i}"] for i in range(len(theirs.files) - 2)]
            return theirs["out"], float(theirs["loss"]), grads


def _run_saved(folder):
    """The other process's half: read the batch and the network, write PyTorch's answers."""
    folder = Path(folder)
    layers = json.loads((folder / "layers.json").read_text())
    with np.load(folder / "batch.npz", allow_pickle=False) as saved:
        X, y = saved["X"], saved["y"]
        weights = {name: saved[name] for name in saved.files if name not in ("X", "y")}
    out, loss, grads = torch_side(layers, weights, X, y)
    np.savez(folder / "theirs.npz", out=out, loss=loss, **{f"grad{i}": g for i, g in enumerate(grads)})


def torch_fit(torch_model, X, y, epochs, batch_size, learning_rate, seed, cosine=False):
    """Train the PyTorch copy with our recipe: Adam, the same batches in the same order (from
    our minibatches and the same seed), and optionally the same per-batch cosine schedule."""
    torch = _torch()
    optimizer = torch.optim.Adam(torch_model.parameters(), lr=learning_rate)
    rng = np.random.default_rng(seed)
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    total = epochs * -(-len(X) // batch_size)
    done = 0
    for _ in range(epochs):
        for batch in minibatches(len(X), batch_size, rng):
            index = torch.from_numpy(batch)
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(torch_model(X_t[index]), y_t[index]).backward()
            optimizer.step()
            done += 1
            if cosine:
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate * (1 + np.cos(np.pi * done / total)) / 2
    return torch_model


def torch_accuracy(torch_model, X, y, batch_size=2048):
    torch = _torch()
    with torch.no_grad():
        predictions = [torch_model(torch.from_numpy(X[i:i + batch_size])).argmax(dim=1).numpy()
                       for i in range(0, len(X), batch_size)]
    return float(np.mean(np.concatenate(predictions) == y))


if __name__ == "__main__":
    _run_saved(sys.argv[1])
