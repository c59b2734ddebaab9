"""Help without leaving the notebook: graded hints, then the reference body of one exercise."""

import textwrap

from scratchdl.checks import get_check
from scratchdl.exercises import REGISTRY, SolutionsMissing, reference_source, solution_file

_hints_seen = {}  # exercise id -> how many hints have been shown


def hint(exercise_id, level=None):
    """Print the next hint for an exercise (a nudge first, then the key formula).

    hint("1.2")           the next hint you have not seen yet
    hint("1.2", level=1)  a particular hint again
    """
    hints = get_check(exercise_id).hints
    ex = REGISTRY[exercise_id]
    if level is None:
        level = min(_hints_seen.get(exercise_id, 0) + 1, len(hints))
    if not 1 <= level <= len(hints):
        raise ValueError(f"exercise {exercise_id} has hints 1 to {len(hints)}; got level={level!r}")
    _hints_seen[exercise_id] = max(level, _hints_seen.get(exercise_id, 0))
    print(f"Hint {level} of {len(hints)} for exercise {exercise_id} ({ex.name}):")
    print(textwrap.indent(textwrap.fill(hints[level - 1], width=92), "  "))
    if level < len(hints):
        print(f'  (Still stuck? Run hint("{exercise_id}") again for the next one.)')
    elif solution_file(ex).is_file():
        print(f'  That was the last hint. show_solution("{exercise_id}") shows the reference body.')
    else:
        print("  That was the last hint.")


def show_solution(exercise_id):
    """Print the reference body of one exercise, if this copy of the course has solutions/."""
    get_check(exercise_id)  # loads the exercises and rejects unknown ids
    ex = REGISTRY[exercise_id]
    try:
        source = reference_source(ex)
    except SolutionsMissing as missing:
        print(f"No reference solution available: {missing}")
        return
    print(f"Reference solution of exercise {ex.id} ({ex.name}), from {solution_file(ex)}:\n")
    print(source)
