"""Checks: the one definition of "correct" for every exercise.

A check is a plain function registered for an exercise id with ``@check_for("2.1")``. It calls
the exercise through its public name (so the switch in ``scratchdl.course.exercises`` decides whose code
is judged) and asserts what a correct implementation must do, using the helpers in
``scratchdl.course.expect``. The notebooks call ``check("2.1")``; the pytest tests and
``python -m scratchdl progress`` call the very same functions, through ``judge``.

Checks never call the reference solution to find the right answer: they use known values,
mathematical properties and numerical gradients, so they work in a copy of the course without
``solutions/``. While one exercise is judged, every other exercise it happens to use runs the
reference (when solutions/ is there), so that its verdict depends on that exercise alone.
"""

import inspect
import time
from dataclasses import dataclass

import numpy as np

from scratchdl.course import notices
from scratchdl.course.expect import CheckFailed, describe_error, where
from scratchdl.course.exercises import (
    REGISTRY,
    ExerciseTodo,
    LearnerCodeBroken,
    SolutionsMissing,
    global_mode,
    judging,
    known_exercise,
    mode_for,
    parse_id,
    solutions_dir,
    substituted,
    write_it_message,
)
from scratchdl.course.loader import load_exercises
from scratchdl.course.guard import TimeLimit, printed_aside, time_limit_seconds, time_limited


class CannotLoad(RuntimeError):
    """The exercise's file does not load, so nothing in it was checked."""

    def _render_traceback_(self):
        return [f"✗ {self}"]


class CheckInterrupted(KeyboardInterrupt):
    """The check was stopped (the notebook's stop button, or Ctrl-C)."""

    def _render_traceback_(self):
        return [f"✗ {self}"]


@dataclass
class Check:
    exercise_id: str
    target: str  # what the exercise is: "activations.sigmoid", "layers.Dense.forward"
    func: object  # no arguments; raises CheckFailed when the exercise is wrong
    hints: tuple  # graded: a nudge first, then the key formula or numpy function

    @property
    def what_it_checks(self):
        """The check's docstring: one line per property it verifies."""
        return inspect.getdoc(self.func) or ""


CHECKS = {}  # exercise id -> Check


def check_for(exercise_id, target, hints):
    """Register the decorated function as the check of exercise `exercise_id`, which is the
    function or method `target` ("activations.sigmoid", "layers.Dense.forward") of scratchdl.

    The course's table of contents (scratchdl.course.chapters) reads these lines to know which
    exercises there are: they are the one place that says so.
    """
    parse_id(exercise_id)
    if not 1 <= len(hints) <= 3:
        raise ValueError(f"exercise {exercise_id} needs one to three hints; got {len(hints)}")

    def register(func):
        CHECKS[exercise_id] = Check(exercise_id, target, func, tuple(hints))
        return func

    return register


def exercise_for(exercise_id):
    """The Exercise for an id a learner typed, with every file (re)loaded first."""
    known_exercise(exercise_id)
    return load_exercises()[exercise_id]


def get_check(exercise_id):
    exercise_for(exercise_id)
    return CHECKS.get(exercise_id)


@dataclass
class Verdict:
    """What a check found: the state of one exercise and why."""

    exercise_id: str
    state: str  # "passing", "failing", "not started" or "cannot load"
    message: str = ""  # why it is not passing ('' if it is)
    printed: str = ""  # what the code printed while it was checked (see scratchdl.course.guard)
    judged: str = "learner"  # whose code was judged: "learner", "reference" or "substitute"
    seconds: float = 0.0

    @property
    def detail(self):
        return self.message.splitlines()[0] if self.message else ""

    def error(self):
        """The exception a notebook cell raises for this verdict (not for a pass)."""
        text = self.message + (f"\n{self.printed}" if self.printed else "")
        if self.state == "not started":
            return ExerciseTodo(self.exercise_id, text)
        if self.state == "cannot load":
            return CannotLoad(text)
        return CheckFailed(text)


def _whose(exercise_id, whose):
    """Whose code a check judges: the learner's, or what the mode selects ("mode")."""
    if substituted(exercise_id):
        return "substitute"
    if whose == "learner":
        return "learner"
    mode = mode_for(exercise_id)
    if mode == "reference" or (mode == "fill" and REGISTRY[exercise_id].is_stub):
        return "reference"
    return "learner"


def judge(exercise_id, whose="learner", seconds=None):
    """Run the check of one exercise; return its Verdict. Never raises for wrong learner code.

    whose:   "learner" judges your code whatever the mode (progress); "mode" judges what the
             switch selects (check).
    seconds: the time limit (default $SCRATCHDL_CHECK_TIMEOUT, else 20 s; 0 for none).
    """
    global_mode()  # a bad $SCRATCHDL_MODE is the setting's fault, not the exercise's
    seconds = time_limit_seconds() if seconds is None else seconds
    ex = REGISTRY[exercise_id]
    judged = _whose(exercise_id, whose)
    if judged == "learner" and ex.error is not None:
        return Verdict(exercise_id, "cannot load", f"{ex.error}\n  Fix it and save: nothing in {ex.path} "
                       "was checked.")
    if judged == "learner" and ex.is_stub:
        return Verdict(exercise_id, "not started", write_it_message(ex))
    chk = CHECKS.get(exercise_id)
    if chk is None:
        return Verdict(exercise_id, "cannot load", f"the check of exercise {exercise_id} did not load "
                       f"(its file, {ex.path}, does not load)")
    # Every other exercise the check happens to use runs the reference, if there is one.
    others = "reference" if solutions_dir().is_dir() else "learner"
    started = time.perf_counter()
    with notices.quiet(), judging(exercise_id, "reference" if judged == "reference" else "learner", others):
        with printed_aside() as printed:
            state, message = _run(chk, ex, seconds)
    return Verdict(exercise_id, state, message, printed.report(), judged, time.perf_counter() - started)


def _run(chk, ex, seconds):
    """Run one check: (state, message). Overflow, 0/0 and invalid operations are errors here, so
    code that only "works" after a numpy warning fails with a message that says so."""
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"), time_limited(seconds):
            chk.func()
    except KeyboardInterrupt as stopped:
        raise CheckInterrupted(f"Exercise {ex.id} {ex.name}: the check was stopped before it "
                               f"finished{where(stopped)}.") from None
    except TimeLimit as stopped:
        return "failing", (
            f"Exercise {ex.id} {ex.name}: the check was stopped after {seconds:g} s{where(stopped)}.\n"
            "  Your code was still running there: a loop that never ends? (a while loop whose "
            "condition never changes, or a recursion with no end.)")
    except ExerciseTodo as todo:
        if todo.exercise_id == ex.id:
            return "not started", write_it_message(ex)
        return "failing", (
            f"Exercise {ex.id} {ex.name} uses exercise {todo.exercise_id}, which is not written yet. "
            f'Write {todo.exercise_id} first, or skip it with scratchdl.use_reference("{todo.exercise_id}").')
    except LearnerCodeBroken as broken:
        return "failing", f"Exercise {ex.id} {ex.name} uses exercise {broken.exercise_id}, whose file does not load: {broken}"
    except CheckFailed as failed:
        return "failing", f"Exercise {ex.id} {ex.name}: {failed}"
    except SolutionsMissing as missing:
        return "failing", f"Exercise {ex.id} {ex.name}: {missing}"
    except Exception as error:
        return "failing", f"Exercise {ex.id} {ex.name}: {describe_error('your code', error)}"
    return "passing", ""


def run_check(exercise_id, seconds=None):
    """Judge what the switch selects for one exercise; raise CheckFailed (or ExerciseTodo,
    CannotLoad) unless it passes. The tests call this."""
    exercise_for(exercise_id)
    verdict = judge(exercise_id, whose="mode", seconds=seconds)
    if verdict.state != "passing":
        raise verdict.error()
    return verdict


def check(exercise_id, timeout=None):
    """Check one exercise from a notebook: prints what passed, or raises a specific CheckFailed.

    check("2.1")              your code for exercise 2.1 (or the reference, if the mode says so)
    check("2.1", timeout=60)  allow it 60 seconds instead of 20
    """
    verdict = run_check(exercise_id, seconds=timeout)
    ex = REGISTRY[exercise_id]
    judged = ""
    if verdict.judged == "reference":
        judged = f" (this judged the reference solution, not your code: mode {mode_for(exercise_id)})"
    print(f"✓ Exercise {exercise_id} {ex.name} passed{judged}.")
    for line in CHECKS[exercise_id].what_it_checks.splitlines():
        print(f"  ✓ {line}")
    if verdict.printed:
        print(verdict.printed)
