"""Running your code inside a check: under a time limit, with what it prints kept aside.

A check must always come back with a verdict. A body with an endless loop is stopped after
`seconds` (raise TimeLimit in the thread running it, which Python delivers between two
bytecodes: a pure-Python loop stops at once, a single long numpy call when it returns). What
the body prints is kept, not shown, so that 60,000 lines of debugging output cannot bury the
verdict (or break `progress --json`); the check shows the first few lines after its verdict.
"""

import contextlib
import io
import os
import threading

try:
    import ctypes
except ImportError:  # pragma: no cover - Pyodide builds without ctypes: checks run without a limit
    ctypes = None

DEFAULT_SECONDS = 20.0


class TimeLimit(BaseException):
    """Raised inside a check that ran out of time. A BaseException, like KeyboardInterrupt, so
    that an `except Exception:` in the code being checked does not swallow it."""


def time_limit_seconds():
    """$SCRATCHDL_CHECK_TIMEOUT if set (seconds; 0 for no limit), else DEFAULT_SECONDS."""
    text = os.environ.get("SCRATCHDL_CHECK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if seconds < 0:
        from scratchdl.course.usage import UsageError

        raise UsageError(f"SCRATCHDL_CHECK_TIMEOUT must be a number of seconds (0: no limit); got {text!r}")
    return seconds


def _raise_in(thread_id, exception):
    """Ask Python to raise `exception` (a class, or None to cancel) in another thread."""
    target = ctypes.py_object(exception) if exception is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), target)


@contextlib.contextmanager
def time_limited(seconds):
    """Raise TimeLimit in the code inside the block if it is still running after `seconds`."""
    if not seconds or ctypes is None:
        yield
        return
    thread_id = threading.get_ident()
    lock = threading.Lock()
    state = {"done": False, "fired": False}

    def fire():
        with lock:
            if not state["done"]:
                state["fired"] = True
                _raise_in(thread_id, TimeLimit)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    try:
        timer.start()
    except RuntimeError:  # no threads here (Pyodide, in JupyterLite): no time limit
        yield
        return
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            if state["fired"]:
                _raise_in(thread_id, None)  # a TimeLimit not yet delivered must not escape later
        timer.cancel()


class Printed(io.TextIOBase):
    """A stream that keeps the first `keep` lines written to it and counts the rest."""

    def __init__(self, keep=5, width=200):
        self.keep, self.width = keep, width
        self.lines = []
        self.count = 0  # lines written, the last one counted even without its newline
        self._partial = ""

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        parts = (self._partial + text).split("\n")
        self._partial = parts.pop()
        for line in parts:
            self._add(line)
        return len(text)

    def _add(self, line):
        self.count += 1
        if len(self.lines) < self.keep:
            self.lines.append(line if len(line) <= self.width else line[: self.width] + " …")

    def close_partial(self):
        if self._partial:
            self._add(self._partial)
            self._partial = ""

    def report(self):
        """'Your code printed 3 lines while it was checked: ...', or '' if it printed nothing."""
        self.close_partial()
        if not self.count:
            return ""
        s = "s" if self.count != 1 else ""
        lines = [f"  Your code printed {self.count:,} line{s} while it was checked"
                 + (f"; the first {len(self.lines)}:" if self.count > len(self.lines) else ":")]
        lines += [f"    | {line}" for line in self.lines]
        if self.count > len(self.lines):
            lines.append(f"    … and {self.count - len(self.lines):,} more. (Remove the print calls "
                         "once you are done: they slow training down.)")
        return "\n".join(lines)


@contextlib.contextmanager
def printed_aside():
    """Send what is printed (stdout and stderr, warnings included) inside the block to a Printed."""
    kept = Printed()
    with contextlib.redirect_stdout(kept), contextlib.redirect_stderr(kept):
        yield kept
