"""How fast are the course's networks? One training epoch on MNIST, against PyTorch here.

    python benchmarks/speed.py                 a table, both models
    python benchmarks/speed.py --json          one JSON object, for scripts
    python benchmarks/speed.py --only lenet    one model
    python benchmarks/speed.py --mode learner  time your own code instead of the reference

The models are chapter 7's MLP (784-64-64-10) and chapter 8's LeNet-5 (scratchdl.tools.models), each
trained for one epoch of the 60,000 training images: Adam(0.001), batch 128, float32. Where
PyTorch is installed, the same network and recipe run in the same process and the ratio (ours /
PyTorch) is printed: below 1 means the course's network is faster. Each figure is the best of
--repeats epochs, the most stable measure on a busy machine; compare ratios, not seconds,
between machines. The MLP entry also gives the cost of the live training view per epoch
("live_view_overhead", a fraction: 0.04 = 4% slower). The LeNet entry also gives the peak memory of a process that loads MNIST and
trains one epoch (measured in a fresh process, without PyTorch).
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

BATCH = 128


def course_epoch(build, X, y, seed, epochs=1, live=False):
    """Seconds per epoch of a course model (a fresh network each time).

    With live=True the fit is watched by the notebook's live view, drawing its figure and HTML
    as in Jupyter (only the sending to the browser is left out).
    """
    from scratchdl.tools.live import LiveView
    from scratchdl.optimizers import Adam

    model = build(np.random.default_rng(seed))
    callbacks = [LiveView(X[:256], rich=True, show=lambda markup: None)] if live else []
    start = time.perf_counter()
    fit(model, X, y, epochs=epochs, batch_size=BATCH, optimizer=Adam(0.001), verbose=0, rng=seed, callbacks=callbacks)
    return (time.perf_counter() - start) / epochs


LIVE_EPOCHS = 5  # the live view's cost is measured on a fit of this many epochs


def live_view_overhead(X, y, repeats):
    """How much slower an MLP epoch is with the live view watching: (with / without) - 1."""
    from scratchdl.tools import models

    plain, live = measure([
        lambda X, y, seed: course_epoch(models.mnist_mlp, X, y, seed, epochs=LIVE_EPOCHS),
        lambda X, y, seed: course_epoch(models.mnist_mlp, X, y, seed, epochs=LIVE_EPOCHS, live=True),
    ], X, y, repeats)
    return round(live / plain - 1, 3)


def torch_model(name):
    import torch.nn as nn

    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    return nn.Sequential(
        nn.Conv2d(1, 6, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 3), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )


def torch_epoch(name, X, y, seed):
    """Seconds for one epoch of the same model and recipe in PyTorch (CPU)."""
    import torch

    torch.manual_seed(seed)
    model = torch_model(name)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    start = time.perf_counter()
    order = torch.randperm(len(X))
    for i in range(0, len(X), BATCH):
        batch = order[i:i + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(model(X[batch]), y[batch])
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def measure(epochs, X, y, repeats):
    """The best time of each epoch function, run in turns (ours, PyTorch, ours, ...).

    Taking turns matters here: on this kind of machine a few seconds of full load slow the CPU
    down, so whichever model ran second in a block of repeats would look slower.
    """
    for epoch in epochs:
        epoch(X[:2048], y[:2048], 0)  # warm up: first calls allocate and load code
    times = [[] for _ in epochs]
    for seed in range(repeats):
        for epoch, taken in zip(epochs, times):
            taken.append(epoch(X, y, seed))
    return [min(taken) for taken in times]


PEAK_MEMORY = """
import resource, numpy as np
from scratchdl.tools.mnist import load_mnist
from scratchdl.tools.models import lenet5
from scratchdl.optimizers import Adam
from scratchdl.training import fit
data = load_mnist()
fit(lenet5(np.random.default_rng(0)), data.X_train, data.y_train, epochs=1, batch_size=128, optimizer=Adam(0.001), verbose=0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # kilobytes, on Linux
"""


def peak_memory_mb():
    """The peak resident memory of a fresh process that loads MNIST and trains LeNet one epoch."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-c", PEAK_MEMORY], capture_output=True, text=True, check=True,
                            env=dict(os.environ, PYTHONPATH=str(root)))
    return round(int(result.stdout.split()[-1]) / 1024)


def benchmark(name, X, y, repeats, with_torch):
    from scratchdl.tools import models

    build = models.mnist_mlp if name == "mlp" else models.lenet5
    epochs = [lambda X, y, seed: course_epoch(build, X, y, seed)]
    if with_torch:
        epochs.append(lambda X, y, seed: torch_epoch(name, X, y, seed))
    ours, *others = measure(epochs, X, y, repeats)
    theirs = others[0] if others else None
    return {
        "seconds_per_epoch": round(ours, 4),
        "samples_per_second": round(len(X) / ours),
        "torch_seconds_per_epoch": None if theirs is None else round(theirs, 4),
        "ratio": None if theirs is None else round(ours / theirs, 3),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--only", choices=["mlp", "lenet"], help="benchmark one model")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per model (the best counts)")
    parser.add_argument("--mode", default=os.environ.get("SCRATCHDL_MODE") or "reference",
                        choices=["reference", "learner", "fill"], help="whose exercise code to time")
    args = parser.parse_args(argv)
    os.environ["SCRATCHDL_MODE"] = args.mode

    from scratchdl.tools.mnist import MNISTUnavailable, load_mnist

    try:
        data = load_mnist()
    except MNISTUnavailable as missing:
        sys.exit(f"MNIST is needed for the benchmark. {missing}")
    inputs = {"mlp": data.X_train.reshape(len(data.X_train), -1), "lenet": data.X_train}
    with_torch = torch_available()
    result = {}
    for name in [args.only] if args.only else ["mlp", "lenet"]:
        result[name] = benchmark(name, inputs[name], data.y_train, args.repeats, with_torch)
    if "mlp" in result:
        result["mlp"]["live_view_overhead"] = live_view_overhead(inputs["mlp"], data.y_train, args.repeats)
    if "lenet" in result:
        result["lenet"]["peak_memory_mb"] = peak_memory_mb()
    if args.json:
        print(json.dumps(result))
        return
    titles = {"mlp": "MLP 784-64-64-10", "lenet": "LeNet-5"}
    print(f"One epoch of {len(data.X_train):,} images, batch {BATCH}, Adam, float32 (mode {args.mode})")
    for name, r in result.items():
        print(f"{titles[name]}:")
        print(f"  scratchdl: {r['seconds_per_epoch']:.3f} s/epoch, {r['samples_per_second']:,} samples/s")
        if r["torch_seconds_per_epoch"] is None:
            print("  PyTorch:   not installed (pip install torch==2.13.0 for the comparison)")
        else:
            print(f"  PyTorch:   {r['torch_seconds_per_epoch']:.3f} s/epoch")
            print(f"  ratio scratchdl / PyTorch: {r['ratio']:.2f} (below 1: the course's network is faster)")
        if "live_view_overhead" in r:
            print(f"  live view (fit(..., live=True)), {LIVE_EPOCHS} epochs: {r['live_view_overhead']:+.1%} per epoch (the aim: at most +10%)")
        if "peak_memory_mb" in r:
            print(f"  peak memory of a training process: {r['peak_memory_mb']} MB")


if __name__ == "__main__":
    main()
