"""Notices that reference code ran on your behalf: at most one quiet line per notebook cell.

In a notebook (once scratchdl.course.notebook has connected to IPython) the notices of a cell are
gathered and printed as one line when the cell ends - after any progress bar, on the ordinary
output stream rather than the pink error stream. Elsewhere (a script, the command line) each
notice is printed to stderr when the reference first runs.
"""

import contextlib
import sys

_pending = {}  # exercise id -> (name, reason), in the order they first ran
_per_cell = False  # True in a notebook: flush() prints the gathered notices when a cell ends
_quiet = 0  # > 0 while a check runs: it says itself whose code it judged


def reference_ran(exercise_id, name, reason):
    """Say that the reference solution of an exercise runs instead of the learner's code."""
    if _quiet:
        return
    if _per_cell:
        _pending.setdefault(exercise_id, (name, reason))
        return
    print(f"[scratchdl] exercise {exercise_id} ({name}): running the reference solution ({reason}).",
          file=sys.stderr)


def gather_per_cell():
    """From now on, gather notices and print them when flush() is called (at a cell's end)."""
    global _per_cell
    _per_cell = True


@contextlib.contextmanager
def quiet():
    """No notices inside this block."""
    global _quiet
    _quiet += 1
    try:
        yield
    finally:
        _quiet -= 1


def flush(file=None):
    """Print the gathered notices as one line, grouped by reason; then forget them."""
    if not _pending:
        return
    groups = {}
    for exercise_id, (name, reason) in _pending.items():
        groups.setdefault(reason, []).append(f"{exercise_id} {name}")
    _pending.clear()
    parts = [f"{', '.join(items)} ({reason})" for reason, items in groups.items()]
    print("[scratchdl] the reference solution ran for " + "; ".join(parts), file=file or sys.stdout)
