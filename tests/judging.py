"""Helpers for tests that feed an exercise's check a deliberately wrong implementation."""

import re

import pytest

from scratchdl.course.checks import CheckFailed, run_check
from scratchdl.course.exercises import substitute


def failure_message(exercise_id, wrong):
    """Run the check of `exercise_id` with `wrong` in place of the exercise; return its message."""
    with substitute(exercise_id, wrong), pytest.raises(CheckFailed) as failed:
        run_check(exercise_id)
    return str(failed.value)


def assert_caught(exercise_id, wrong, pattern):
    """The check must fail on `wrong`, with a message matching the regex `pattern`."""
    message = failure_message(exercise_id, wrong)
    assert message.startswith(f"Exercise {exercise_id} "), message
    assert re.search(pattern, message, re.IGNORECASE | re.DOTALL), (
        f"the message does not point at the mistake (wanted /{pattern}/):\n{message}"
    )


# Every catalogued mistake, by exercise id ({(where written, pattern): wrong}): filled in as the chapters' test modules are imported
# (tests/test_catalogue.py counts them).
CATALOGUE = {}


def mistake_cases(table):
    """pytest parameters for rows (exercise_id, wrong, pattern), each named after its mistake.

    Every mistake catalogue goes through here, so the catalogue can be counted.

    The id is the wrong function's name when it has one, else the start of the pattern (for the
    lambdas and factories that many tables use), so `pytest -k` can pick out one mistake.
    """
    def name(wrong, pattern):
        given = getattr(wrong, "__name__", "<lambda>")
        return pattern[:30] if given.startswith("<") or given == "wrong" else given

    for exercise_id, wrong, pattern in table:
        # Keyed by where the mistake is written, so a module imported twice counts once.
        code = getattr(wrong, "__code__", None)
        place = (code.co_filename, code.co_firstlineno) if code else repr(wrong)
        CATALOGUE.setdefault(exercise_id, {})[(place, pattern)] = wrong
    return [pytest.param(*row, id=f"{row[0]}:{name(row[1], row[2])}") for row in table]
