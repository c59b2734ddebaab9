"""Every exercise's check, on the code the mode selects.

    python -m pytest                    the reference solutions: the checks accept correct code
    python -m pytest --mode learner     your own code: the same verdicts as `scratchdl progress`
"""

import pytest

from scratchdl.course.checks import run_check
from scratchdl.course.loader import load_exercises

EXERCISES = list(load_exercises().values())


@pytest.mark.judges_exercises
@pytest.mark.parametrize("exercise_id", [ex.id for ex in EXERCISES], ids=[f"{ex.id} {ex.name}" for ex in EXERCISES])
def test_check_passes(exercise_id):
    run_check(exercise_id)
