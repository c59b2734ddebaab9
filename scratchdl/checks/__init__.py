"""Checks: the one definition of "correct" for every exercise.

A check is a plain function registered for an exercise id with ``@check_for("2.1")``. It calls
the exercise through its public name (so the switch in ``scratchdl.exercises`` decides whose code
is judged) and asserts what a correct implementation must do, using the helpers in
``scratchdl.checks.expect``. The notebooks call ``check("2.1")``; the pytest tests and
``python -m scratchdl progress`` call the very same functions.

Checks never call the reference solution: they use known values, mathematical properties and
numerical gradients, so they work in a copy of the course without ``solutions/``.
"""

import inspect
from dataclasses import dataclass

import numpy as np

from scratchdl.exercises import REGISTRY, ExerciseTodo, SolutionsMissing, mode_for, parse_id


class CheckFailed(AssertionError):
    """An exercise did something a correct implementation would not. The message says what."""

    def _render_traceback_(self):
        # IPython shows this instead of a traceback into the checking code.
        return [f"✗ {self}"]


@dataclass
class Check:
    exercise_id: str
    func: object  # no arguments; raises CheckFailed when the exercise is wrong
    hints: tuple  # graded: a nudge first, then the key formula or numpy function

    @property
    def what_it_checks(self):
        """The check's docstring: one line per property it verifies."""
        return inspect.getdoc(self.func) or ""


CHECKS = {}  # exercise id -> Check


def check_for(exercise_id, hints):
    """Register the decorated function as the check of exercise `exercise_id`."""
    parse_id(exercise_id)
    if not 1 <= len(hints) <= 3:
        raise ValueError(f"exercise {exercise_id} needs one to three hints; got {len(hints)}")

    def register(func):
        CHECKS[exercise_id] = Check(exercise_id, func, tuple(hints))
        return func

    return register


def get_check(exercise_id):
    from scratchdl.course import load_exercises

    registry = load_exercises()
    if exercise_id not in registry:
        known = ", ".join(registry)
        raise ValueError(f"there is no exercise {exercise_id!r}; the exercises are {known}")
    return CHECKS[exercise_id]


def run_check(exercise_id):
    """Run the check of one exercise on the code the switch selects; raise CheckFailed if wrong.

    Floating-point overflow, division by zero and invalid operations are errors while a check
    runs, so code that only "works" after a numpy warning fails with a message that says so.
    """
    chk = get_check(exercise_id)
    name = REGISTRY[exercise_id].name
    try:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            chk.func()
    except ExerciseTodo as todo:
        if todo.exercise_id == exercise_id:
            raise
        raise CheckFailed(
            f"Exercise {exercise_id} {name} uses exercise {todo.exercise_id}, which is not "
            f"written yet. Write {todo.exercise_id} first, or skip it with "
            f'scratchdl.use_reference("{todo.exercise_id}").'
        ) from None
    except CheckFailed as failed:
        raise CheckFailed(f"Exercise {exercise_id} {name}: {failed}") from None
    except SolutionsMissing:
        raise
    except Exception as error:
        from scratchdl.checks.expect import describe_error

        raise CheckFailed(f"Exercise {exercise_id} {name}: {describe_error('your code', error)}") from None


def check(exercise_id):
    """Check one exercise from a notebook: prints what passed, or raises a specific CheckFailed."""
    run_check(exercise_id)
    chk = CHECKS[exercise_id]
    mode = mode_for(exercise_id)
    judged = ""
    if mode == "reference" or (mode == "fill" and REGISTRY[exercise_id].is_stub):
        judged = " (this judged the reference solution, not your code: mode " + mode + ")"
    print(f"✓ Exercise {exercise_id} {REGISTRY[exercise_id].name} passed{judged}.")
    for line in chk.what_it_checks.splitlines():
        print(f"  ✓ {line}")


def judge(exercise_id):
    """The state of the learner's own code for one exercise: (state, detail).

    state is "not started" (the body is still the shipped stub), "failing" or "passing".
    """
    from scratchdl.exercises import using

    ex = REGISTRY[exercise_id]
    if ex.is_stub:
        return "not started", ""
    with using("learner"):
        try:
            run_check(exercise_id)
        except ExerciseTodo as todo:
            return "failing", str(todo).splitlines()[0]
        except (CheckFailed, SolutionsMissing) as failed:
            return "failing", str(failed)
        except Exception as error:  # a crash in the learner's code is a failing exercise
            return "failing", f"{type(error).__name__}: {error}"
    return "passing", ""
