"""The course as shipped: scratchdl/ holds stubs only, so no solution leaks to learners.

A learner who has written exercises would fail these, so they run only with --shipped or when
the environment variable CI is set (see conftest.py at the top of the course).
"""

import pytest

from scratchdl.course.loader import load_exercises
from scratchdl.course.exercises import ExerciseTodo, using

pytestmark = pytest.mark.shipped

EXERCISES = list(load_exercises().values())


@pytest.mark.parametrize("ex", EXERCISES, ids=[ex.id for ex in EXERCISES])
def test_exercise_ships_as_a_stub(ex):
    assert ex.is_stub, (
        f"exercise {ex.id} ({ex.name}) in {ex.path} has a body: the shipped package must hold "
        f'only `raise ExerciseTodo("{ex.id}")` (reference bodies belong in solutions/)'
    )


def test_shipped_stubs_raise_their_own_exercise_todo():
    import numpy as np

    from scratchdl.activations import softmax
    from scratchdl.initializers import he_normal

    with using("learner"):
        with pytest.raises(ExerciseTodo) as todo:
            softmax(np.zeros(3))
        assert todo.value.exercise_id == "2.9"
        with pytest.raises(ExerciseTodo, match=r"scratchdl/initializers\.py"):
            he_normal(2, 3, np.random.default_rng(0))
