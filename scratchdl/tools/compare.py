"""Chapter 8's optional comparison with PyTorch: the same network, the same weights, the same
training recipe - do both give the same numbers?

PyTorch is not needed for the course. Install it for this comparison only, with
pip install -e ".[torch]" in the course folder (a CPU build is enough). Everything here imports
it when called.
"""

import numpy as np

from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from scratchdl.layers import Activation, Dense
from scratchdl.losses import SoftmaxCrossEntropy
from scratchdl.training import minibatches


class TorchMissing(ImportError):
    def _render_traceback_(self):
        return [f"TorchMissing: {self}"]


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _torch():
    try:
        import torch
    except ImportError:
        raise TorchMissing("PyTorch is not installed, and this comparison needs it. It is optional: "
                           "pip install torch (a CPU build is enough) and restart the kernel.") from None
    return torch


def to_torch(model):
    """The same network as a torch.nn.Sequential, with a copy of the same weights.

    Our Dense weight is (fan_in, fan_out) and PyTorch's Linear weight is (fan_out, fan_in), so
    it is transposed; convolution kernels have the same layout in both.
    """
    torch = _torch()
    nn = torch.nn
    activations = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
    modules = []
    for layer in model.layers:
        if isinstance(layer, Dense):
            module = nn.Linear(layer.fan_in, layer.fan_out)
            weight = layer.params["W"].T
        elif isinstance(layer, Conv2D):
            module = nn.Conv2d(layer.in_channels, layer.out_channels, layer.k, padding=layer.padding)
            weight = layer.params["W"]
        elif isinstance(layer, Activation) and layer.name in activations:
            modules.append(activations[layer.name]())
            continue
        elif isinstance(layer, (AvgPool2D, MaxPool2D, Flatten)):
            modules.append({AvgPool2D: lambda: nn.AvgPool2d(2), MaxPool2D: lambda: nn.MaxPool2d(2),
                            Flatten: nn.Flatten}[type(layer)]())
            continue
        else:
            raise TypeError(f"no PyTorch counterpart for {layer!r}")
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(np.ascontiguousarray(weight)))
            module.bias.copy_(torch.from_numpy(layer.params["b"]))
        modules.append(module)
    return nn.Sequential(*modules).to(_torch_dtype(model.dtype))


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


def compare_one_batch(model, X, y):
    """Run both networks forward and backward on one batch; return the largest differences.

    Returns:
        dict: "output" (largest difference between the logits), "loss", and "gradients" (the
        largest difference relative to the size of each gradient array, over all of them).
    """
    torch = _torch()
    if not isinstance(model.loss, SoftmaxCrossEntropy):
        raise ValueError("the comparison is written for classifiers trained with softmax cross-entropy")
    twin = to_torch(model)
    ours_out = model.forward(X)
    with torch.no_grad():
        theirs_out = twin(torch.from_numpy(X)).numpy()
    ours_loss, _ = model.loss_and_gradients(X, y)
    theirs_loss, theirs_grads = torch_gradients(twin, X, y)
    relative = [float(np.abs(a - b).max() / (np.abs(b).max() + 1e-12)) for a, b in zip(model.gradients(), theirs_grads)]
    return {"output": float(np.abs(ours_out - theirs_out).max()),
            "loss": abs(ours_loss - theirs_loss),
            "gradients": max(relative)}


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
