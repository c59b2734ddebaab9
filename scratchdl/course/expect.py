"""Small assertion helpers whose failures read like a tutor's comment.

Each helper raises ``CheckFailed`` with what was expected, what came back, and - when the wrong
answer matches a known mistake - what the mistake probably was.
"""

import inspect
import re
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


# What numpy's messages about shapes mean, said only where the diagnosis fits the shapes.
_SHAPES = re.compile(r"\(([\d, ]*)\)")


def shapes_in(message):
    """Every shape written in an error message, as tuples: '(4,24) (4,)' -> [(4, 24), (4,)]."""
    return [tuple(int(n) for n in found.replace(" ", "").split(",") if n) for found in _SHAPES.findall(message)]


def matmul_sizes(message):
    """(the left operand's inner size, the right one's) of a failed matrix product, or None."""
    matmul = re.search(r"size (\d+) is different from (\d+)", message)  # right's, then left's
    if matmul:
        return int(matmul.group(2)), int(matmul.group(1))
    dot = re.search(r"not aligned: (\d+) .*!= (\d+)", message)  # np.dot: left's, then right's
    return (int(dot.group(1)), int(dot.group(2))) if dot else None


def _reduced_without_keepdims(a, b):
    """True if b is a with one axis left out - what a sum or max over that axis returns."""
    return len(b) == len(a) - 1 and any(a[:i] + a[i + 1:] == b for i in range(len(a)))


def shape_hint(message):
    """Advice for numpy's broadcasting and matrix-product errors, or "" if none fits."""
    if "broadcast" in message:
        shapes = shapes_in(message)
        if len(shapes) >= 2:
            a, b = sorted(shapes[:2], key=len, reverse=True)
            if _reduced_without_keepdims(a, b):
                return (f"an array of shape {b} met one of shape {a}: {b} is {a} with an axis "
                        "summed away. Reduce with keepdims=True (sum, max, mean) so that axis "
                        "stays as size 1 and lines up.")
            return (f"shapes {shapes[0]} and {shapes[1]} do not combine elementwise: numpy lines "
                    "them up from the right, and each pair of sizes must be equal or 1. Compare "
                    "them with the shapes the docstring gives.")
    sizes = matmul_sizes(message)
    if sizes:
        return (f"the inner sizes of a matrix product must match - (a, b) @ (b, c) gives (a, c) - "
                f"and here they were {sizes[0]} and {sizes[1]}. Compare the shapes of both sides "
                "of the @ with the ones the docstring gives.")
    if "truth value of an array" in message:
        return ("`if`, `and`, `or`, `max` and `min` are Python's and see one number at a time; "
                "for arrays use numpy's elementwise np.where, np.maximum, &, |.")
    return ""


def call(what, func, *args, numeric_hint="", error_hint="", **kwargs):
    """Call an exercise and turn any exception it raises into a CheckFailed that says where.

    `what` describes the call for the message, e.g. "sigmoid(z) for z = [1000.]". Overflow,
    0/0 and the like are errors while a check runs; `numeric_hint` says what probably caused
    them. `error_hint` explains any other error better than the general hints can. Either may
    be a function of the exception that returns the explanation ("" when it does not know it),
    for exercises whose mistakes each raise an error of their own.
    """
    try:
        return func(*args, **kwargs)
    except (ExerciseTodo, CheckFailed):
        raise
    except FloatingPointError as error:
        hint = numeric_hint(error) if callable(numeric_hint) else numeric_hint
        hint = f"\n  Likely mistake: {hint}" if hint else ""
        raise CheckFailed(f"{what}: numpy reported '{error}'{where(error)}.{hint}") from None
    except Exception as error:
        hint = error_hint(error) if callable(error_hint) else error_hint
        raise CheckFailed(describe_error(what, error, hint)) from None


def describe_error(what, error, hint=""):
    """'<what> raised ValueError: ... at scratchdl/x.py line 3: `...`', with a hint if one fits."""
    message = f"{what} raised {type(error).__name__}: {error}{where(error)}"
    hint = hint or shape_hint(str(error))
    if hint:
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
        f"{what} should return a numpy array; it returned {type(got).__name__} {short(got, noun='')}.",
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
        close = np.isclose(got_array, expected, rtol=rtol, atol=atol)
    if close.all():
        return
    lines = [f"{what} is wrong."]
    lines += [brief(name, value) for name, value in (inputs or {}).items()]
    lines += differences(expected, got_array, ~close)
    if got_array.dtype.kind in "fc" and not np.all(np.isfinite(got_array)):
        lines.append("  The result contains nan or inf: something overflowed or divided by zero.")
    for mistake in mistakes:
        if mistake.matches(got_array):
            lines.append(f"  Likely mistake: {mistake.explanation}")
            break
    raise CheckFailed("\n".join(lines))


ONE_LINE = 80  # an array is shown whole only when it fits on one line of a message


def short(value, noun="an array "):
    """show(value) if it fits on one line, else its shape ("an array of shape (3, 4)")."""
    if isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value):
        shapes = [np.shape(v) for v in value]
        if len(set(shapes)) > 1:
            return f"a {type(value).__name__} of arrays of shapes {', '.join(map(str, shapes))}"
    text = show(value)
    if "\n" in text or len(text) > ONE_LINE:
        return f"{noun}of shape {np.shape(value)}"
    return text


def brief(label, value):
    """A labelled line: the value if it fits on one line, else its shape."""
    return f"    {label + ':':<10}{short(value)}"


def differences(expected, got, wrong):
    """Lines that show where `got` differs from `expected` (`wrong` marks the entries).

    Short 1-D answers are shown whole, with the differing entries named; bigger ones by their
    first few differing entries, so a message never runs to pages.
    """
    indices = [tuple(int(i) for i in index) for index in np.argwhere(wrong)]
    count = f"{len(indices)} of {wrong.size} entries differ"
    small = max(len(show(expected)), len(show(got))) <= ONE_LINE and "\n" not in show(expected) + show(got)
    if small and expected.ndim <= 1:
        marks = ", ".join(str(i[0]) for i in indices) if expected.ndim else ""
        lines = [labelled("expected", expected), labelled("got", got)]
        if expected.ndim and len(indices) < expected.size:
            lines.append(f"    {count}: at index {marks}")
    else:
        def at(index):
            return f"[{', '.join(map(str, index))}] expected {show(expected[index])}, got {show(got[index])}"

        lines = [f"    {count}, for example at " + "; ".join(at(i) for i in indices[:2])]
    if np.issubdtype(got.dtype, np.floating) and np.all(np.isfinite(got)):
        difference = float(np.max(np.abs(got - expected)))
        if difference < 1e-3:  # too small to see in the numbers above
            lines.append(f"    largest difference: {difference:.2g}")
    return lines


def expect_unchanged(before, after, what):
    """An exercise must not modify its input array in place."""
    if np.shape(before) == np.shape(after) and np.array_equal(before, after, equal_nan=True):
        return
    if np.shape(before) != np.shape(after):
        raise CheckFailed(
            f"{what} changed the shape of its input array, from {np.shape(before)} to "
            f"{np.shape(after)}.\n  Likely mistake: x.shape = ... reshapes the caller's array; "
            "x = x.reshape(...) makes a new view and leaves theirs as it was.")
    else:
        changed = ~np.isclose(np.asarray(after, dtype=float), np.asarray(before, dtype=float), rtol=0, atol=0, equal_nan=True)
        first = tuple(int(i) for i in np.argwhere(changed)[0]) if np.ndim(before) else ()
        change = (f"{int(changed.sum())} of its {np.size(before)} entries, e.g. at {list(first)}: "
                  f"{show(np.asarray(before)[first])} became {show(np.asarray(after)[first])}")
    raise CheckFailed(
        f"{what} changed its input array in place: {change}.\n  Likely mistake: an "
        "in-place operation (+=, -=, *=, x[...] = ..., out=x) on the input. Compute a new array "
        "instead (x = x - m, not x -= m).")


def call_and_keep_failure(what, func, *args):
    """(result, None), or (None, the CheckFailed) if it crashed: what the code did before it
    crashed (layers called in the wrong order, say) often says more than the crash itself."""
    try:
        return call(what, func, *args), None
    except CheckFailed as failed:
        return None, failed


def _arrays_equal(a, b):
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_arrays_equal(x, y) for x, y in zip(a, b))
    try:
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    except TypeError:  # not numbers at all
        return a == b


def call_twice(what, func, *args, numeric_hint="", error_hint="", **kwargs):
    """Call an exercise twice with the same arrays; return the first answer.

    Checks the properties every such function must have, whatever its formula: the arrays it is
    given come back unchanged, and the second call gives the first call's answer - nothing is
    accumulated or carried over from one call to the next.
    """
    originals = [np.copy(a) if isinstance(a, np.ndarray) else None for a in args]
    first = call(what, func, *args, numeric_hint=numeric_hint, error_hint=error_hint, **kwargs)
    for name, original, given in zip(_argument_names(func, len(args)), originals, args):
        if original is not None:
            expect_unchanged(original, given, f"{what} (argument {name})")
    second = call(what, func, *args, numeric_hint=numeric_hint, error_hint=error_hint, **kwargs)
    expect_same_again(first, second, what)
    return first


def expect_same_again(first, second, what):
    """A second call (or backward pass) on the same input must give the first one's answer."""
    if _arrays_equal(first, second):
        return
    raise CheckFailed(
        f"{what} gave a different answer the second time, on the same input "
        f"(first {short(first)}, then {short(second)}).\n  Likely mistake: something is kept from "
        "one call to the next - a += into an attribute, a list that keeps growing, a value left "
        "in a global. Each call must start afresh (use = where you wrote +=).")


def _argument_names(func, count):
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        names = []
    return (names + [f"#{i + 1}" for i in range(count)])[:count]


def expect_dtype_kept(got, dtype, what, likely=""):
    """float32 in, float32 out: chapter 7 trains in float32, and float64 would halve its speed.
    `likely` names this exercise's usual cause, if it has one."""
    if getattr(got, "dtype", None) == dtype:
        return
    cause = likely or ("an array built with np.zeros, np.ones or np.eye (float64 unless told "
                       "otherwise: pass dtype=x.dtype), or a float64 array used as a constant")
    raise CheckFailed(
        f"{what} turned {np.dtype(dtype)} input into {getattr(got, 'dtype', type(got).__name__)} "
        f"output.\n  Likely mistake: {cause}. Keep the input's dtype: chapter 7 trains in float32.")
