"""Small assertion helpers whose failures read like a tutor's comment.

Each helper raises ``CheckFailed`` with what was expected, what came back, and - when the wrong
answer matches a known mistake - what the mistake probably was.
"""

import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratchdl.course.chapters import CHAPTERS_DIR, COURSE_DIR
from scratchdl.course.exercises import ExerciseTodo


class CheckFailed(AssertionError):
    """An exercise did something a correct implementation would not. The message says what."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback into the checking code.
        return [f"✗ {self}"]


def _checking_code(path):
    """True for a frame of the course's machinery or of a chapter's checks: not the learner's code."""
    return path.is_relative_to(Path(__file__).parent) or (path.name == "checks.py" and path.parent.parent == CHAPTERS_DIR)


@dataclass
class Mistake:
    """A typical wrong answer and what to tell the learner who gave it.

    `value` is what such wrong code returns, or a function of the wrong answer that returns
    True when the answer shows this mistake (for mistakes known by a property, not a value).
    """

    value: object
    explanation: str

    def matches(self, got):
        with np.errstate(all="ignore"):
            if callable(self.value):
                try:
                    return bool(self.value(got))
                except (ValueError, TypeError, IndexError):  # an answer of another shape altogether
                    return False
            value = np.asarray(self.value, dtype=float)
            return value.shape == got.shape and np.allclose(got, value, rtol=1e-4, atol=1e-9)


def show(x):
    """A short, readable rendering of a number or an array for a message."""
    if isinstance(x, np.ndarray) or isinstance(x, (list, tuple)):
        array = np.asarray(x)
        if array.dtype.kind in "fc":
            return np.array2string(array, precision=4, threshold=12, edgeitems=3, suppress_small=True)
        return np.array2string(array, threshold=12, edgeitems=3)
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.6g}"
    return repr(x)


def labelled(label, value):
    """'    expected: [[1. 2.]\n               [3. 4.]]' - continuation lines stay aligned."""
    prefix = f"    {label + ':':<10}"
    return prefix + show(value).replace("\n", "\n" + " " * len(prefix))


def where(error):
    """'at scratchdl/activations.py line 12: `return 1 / (1 + np.exp(-z))`' for an exception."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not _checking_code(Path(frame.filename).resolve())
        and "numpy" not in Path(frame.filename).parts
    ]
    if not frames:
        return ""
    frame = frames[-1]
    path = Path(frame.filename).resolve()
    shown = path.relative_to(COURSE_DIR) if path.is_relative_to(COURSE_DIR) else path
    return f" at {shown} line {frame.lineno}: `{frame.line}`"


# Hints for errors whose message gives the mistake away, whatever the exercise.
_ERROR_HINTS = (
    ("could not be broadcast", "the shapes do not line up. When you reduce over an axis (sum, "
     "max, mean) and then combine the result with the original array, pass keepdims=True so "
     "the reduced axis stays as size 1."),
    ("mismatch in its core dimension", "the inner sizes of a matrix product must match: "
     "(a, b) @ (b, c) gives (a, c). Check which of the two matrices needs a transpose (.T)."),
    ("truth value of an array", "`if`, `and`, `or`, `max` and `min` are Python's and see one "
     "number at a time; for arrays use numpy's elementwise np.where, np.maximum, &, |."),
)


def call(what, func, *args, numeric_hint="", error_hint="", **kwargs):
    """Call an exercise and turn any exception it raises into a CheckFailed that says where.

    `what` describes the call for the message, e.g. "sigmoid(z) for z = [1000.]". Overflow,
    0/0 and the like are errors while a check runs; `numeric_hint` says what probably caused
    them. `error_hint` explains any other error better than the general hints can.
    """
    try:
        return func(*args, **kwargs)
    except (ExerciseTodo, CheckFailed):
        raise
    except FloatingPointError as error:
        hint = f"\n  Likely mistake: {numeric_hint}" if numeric_hint else ""
        raise CheckFailed(f"{what}: numpy reported '{error}'{where(error)}.{hint}") from None
    except Exception as error:
        raise CheckFailed(describe_error(what, error, error_hint)) from None


def describe_error(what, error, hint=""):
    """'<what> raised ValueError: ... at scratchdl/x.py line 3: `...`', with a hint if one fits."""
    message = f"{what} raised {type(error).__name__}: {error}{where(error)}"
    hints = [hint] if hint else [h for words, h in _ERROR_HINTS if words in str(error)]
    for hint in hints:
        message += f"\n  Likely mistake: {hint}"
    return message


def expect(condition, message):
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise CheckFailed(message)


def expect_array(got, what, shape=None):
    """`got` must be a numpy array of floats, of `shape` if given."""
    expect(
        isinstance(got, np.ndarray),
        f"{what} should return a numpy array; it returned {type(got).__name__} {show(got)}.",
    )
    expect(
        got.dtype != bool,
        f"{what} should return floating-point numbers; it returned booleans (dtype bool). "
        "Turn a comparison into 0.0 and 1.0 with .astype(z.dtype).",
    )
    expect(
        got.dtype.kind == "f",
        f"{what} should return floating-point numbers; it returned dtype {got.dtype}.",
    )
    if shape is not None:
        expect(
            got.shape == tuple(shape),
            f"{what} should have shape {tuple(shape)}; it has shape {got.shape}.",
        )


def expect_close(got, expected, what, inputs=None, mistakes=(), rtol=1e-6, atol=1e-9):
    """`got` must equal `expected` to within the tolerances, with the same shape.

    `inputs` ({"z": z}) are shown in the message. `mistakes` is a list of Mistake: if `got`
    shows one, its explanation is given as the likely mistake.
    """
    expected = np.asarray(expected, dtype=float)
    got_array = np.asarray(got)
    if got_array.shape != expected.shape:
        known = [m.explanation for m in mistakes if callable(m.value) and m.matches(got_array)]
        expect(False, f"{what} should have shape {expected.shape}; it has shape {got_array.shape}."
               + (f"\n  Likely mistake: {known[0]}" if known else ""))
    with np.errstate(all="ignore"):
        close = np.allclose(got_array, expected, rtol=rtol, atol=atol)
    if close:
        return
    lines = [f"{what} is wrong."]
    lines += [labelled(name, value) for name, value in (inputs or {}).items()]
    lines.append(labelled("expected", expected))
    lines.append(labelled("got", got_array))
    if got_array.dtype.kind in "fc" and np.all(np.isfinite(got_array)):
        difference = float(np.max(np.abs(got_array - expected)))
        if difference < 1e-3:  # too small to see in the numbers above
            lines.append(f"    largest difference: {difference:.2g}")
    if got_array.dtype.kind in "fc" and not np.all(np.isfinite(got_array)):
        lines.append("  The result contains nan or inf: something overflowed or divided by zero.")
    for mistake in mistakes:
        if mistake.matches(got_array):
            lines.append(f"  Likely mistake: {mistake.explanation}")
            break
    raise CheckFailed("\n".join(lines))


def expect_unchanged(before, after, what):
    """An exercise must not modify its input array in place."""
    expect(
        np.array_equal(before, after, equal_nan=True),
        f"{what} changed its input array in place (it was {show(before)}, now {show(after)}). "
        "Compute a new array instead of writing into the one you were given.",
    )


def call_and_keep_failure(what, func, *args):
    """(result, None), or (None, the CheckFailed) if it crashed: what the code did before it
    crashed (layers called in the wrong order, say) often says more than the crash itself."""
    try:
        return call(what, func, *args), None
    except CheckFailed as failed:
        return None, failed
