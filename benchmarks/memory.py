"""How much memory does each chapter need? The course's target: every chapter's kernel peaks
below 500 MB (a laptop in a workshop, a small JupyterHub account, Binder's 1-2 GB).

    python benchmarks/memory.py                 a table, one row per chapter
    python benchmarks/memory.py --only 07_mnist one chapter
    python benchmarks/memory.py --json          one JSON object, for scripts

Each notebook runs top to bottom in a fresh kernel, as a learner who runs every cell would (in
reference mode unless --mode says otherwise); then the kernel reports its own peak resident
memory (getrusage's ru_maxrss). Exits with status 1 if a chapter is over the target.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

COURSE = Path(__file__).resolve().parent.parent
LIMIT_MB = 500
PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"  # kB on Linux


def peak_mb(notebook, timeout):
    """The peak resident memory, in MB, of a kernel that ran every cell of `notebook`."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK))
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    kilobytes = int(nb.cells[-1].outputs[0]["text"].strip())
    return kilobytes / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one chapter's folder name, e.g. 07_mnist")
    parser.add_argument("--mode", default="reference", choices=["reference", "learner", "fill"])
    parser.add_argument("--timeout", type=int, default=1800, help="seconds a cell may take")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    os.environ["SCRATCHDL_MODE"] = args.mode  # the kernels inherit it
    os.environ.setdefault("MPLBACKEND", "Agg")
    shared = COURSE.parent / "shared" / "data" / "mnist"  # the verified copy beside the course, as in CI
    if "SCRATCHDL_DATA" not in os.environ and shared.is_dir():
        os.environ["SCRATCHDL_DATA"] = str(shared)
    notebooks = sorted((COURSE / "chapters").glob("*/*.ipynb"))
    if args.only:
        notebooks = [nb for nb in notebooks if nb.parent.name == args.only]
        if not notebooks:
            parser.error(f"no chapter folder named {args.only!r} in {COURSE / 'chapters'}")
    peaks = {}
    for notebook in notebooks:
        peaks[notebook.parent.name] = peak_mb(notebook, args.timeout)
        if not args.json:
            print(f"  {notebook.parent.name:<16} {peaks[notebook.parent.name]:6.0f} MB", flush=True)
    over = {name: mb for name, mb in peaks.items() if mb >= LIMIT_MB}
    if args.json:
        print(json.dumps({"peak_mb": peaks, "limit_mb": LIMIT_MB, "over": over}, indent=2))
    else:
        print(f"every chapter below {LIMIT_MB} MB" if not over else f"over {LIMIT_MB} MB: {over}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
