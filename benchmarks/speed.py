"""How fast is the course's network? One training epoch on MNIST, against PyTorch on this machine.

    python benchmarks/speed.py            a table
    python benchmarks/speed.py --json     one JSON object, for scripts
    python benchmarks/speed.py --mode learner    time your own code instead of the reference

The MLP is chapter 7's: 784-64-64-10, ReLU, softmax cross-entropy, Adam(0.001), batch 128,
float32, 60,000 images. Where PyTorch is installed, the same network and recipe run in the
same process, alternating with ours, and the ratio (ours / PyTorch) is printed: below 1 means
the course's network is faster. Each figure is the best of --repeats epochs, which is the most
stable measure on a busy machine. Timing is noisy: compare the ratio, not the seconds, between
machines.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

MLP = [
    {"input_dim": 784, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
]
BATCH = 128


def course_mlp_epoch(X, y, seed):
    """Seconds for one epoch of the course's MLP (a fresh network each time)."""
    from scratchdl.network import Network
    from scratchdl.optimizers import Adam

    model = Network.from_architecture(MLP, np.random.default_rng(seed), dtype=np.float32)
    start = time.perf_counter()
    model.fit(X, y, epochs=1, batch_size=BATCH, optimizer=Adam(0.001), verbose=0, rng=seed)
    return time.perf_counter() - start


def torch_mlp_epoch(X, y, seed):
    """Seconds for one epoch of the same MLP and recipe in PyTorch (CPU)."""
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10),
    )
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


def measure(name, epoch, X, y, repeats):
    epoch(X[:2048], y[:2048], 0)  # warm up: first calls allocate and load code
    return min(epoch(X, y, seed) for seed in range(repeats))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3, help="epochs timed per model (the best counts)")
    parser.add_argument("--mode", default=os.environ.get("SCRATCHDL_MODE") or "reference",
                        choices=["reference", "learner", "fill"], help="whose exercise code to time")
    args = parser.parse_args(argv)
    os.environ["SCRATCHDL_MODE"] = args.mode

    from scratchdl.mnist import load_mnist

    data = load_mnist(flatten=True)
    X, y = data.X_train, data.y_train
    ours = measure("course", course_mlp_epoch, X, y, args.repeats)
    theirs = measure("torch", torch_mlp_epoch, X, y, args.repeats) if torch_available() else None
    result = {"mlp": {
        "seconds_per_epoch": round(ours, 4),
        "samples_per_second": round(len(X) / ours),
        "torch_seconds_per_epoch": None if theirs is None else round(theirs, 4),
        "ratio": None if theirs is None else round(ours / theirs, 3),
    }}
    if args.json:
        print(json.dumps(result))
        return
    mlp = result["mlp"]
    print(f"MLP 784-64-64-10, one epoch of {len(X):,} images, batch {BATCH}, Adam, float32 (mode {args.mode})")
    print(f"  scratchdl: {mlp['seconds_per_epoch']:.3f} s/epoch, {mlp['samples_per_second']:,} samples/s")
    if theirs is None:
        print("  PyTorch:   not installed (pip install torch==2.13.0 for the comparison)")
    else:
        print(f"  PyTorch:   {theirs:.3f} s/epoch")
        print(f"  ratio scratchdl / PyTorch: {mlp['ratio']:.2f} (below 1: the course's network is faster)")


if __name__ == "__main__":
    main()
