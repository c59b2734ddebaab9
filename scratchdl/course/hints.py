"""Help without leaving the notebook: graded hints, then the reference body of one exercise.

Which hints you have seen is remembered in .scratchdl/hints.json in the course folder, so that
`hint("5.2")` gives the next one whether you ask in a notebook or in a terminal.
"""

import json
import textwrap

from scratchdl.course.checks import exercise_for, get_check
from scratchdl.course.exercises import COURSE_DIR, SolutionsMissing, reference_source, solution_file
from scratchdl.course.usage import UsageError

SEEN_FILE = COURSE_DIR / ".scratchdl" / "hints.json"


def _seen():
    try:
        seen = json.loads(SEEN_FILE.read_text(encoding="utf-8"))
        return seen if isinstance(seen, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember(exercise_id, level):
    seen = _seen()
    seen[exercise_id] = max(level, int(seen.get(exercise_id, 0) or 0))
    try:
        SEEN_FILE.parent.mkdir(exist_ok=True)
        SEEN_FILE.write_text(json.dumps(seen, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:  # a read-only course folder: hints are simply not remembered
        pass


def hint(exercise_id, level=None, all=False):
    """Print the next hint for an exercise (a nudge first, then the key formula).

    hint("1.2")            the next hint you have not seen yet
    hint("1.2", level=1)   a particular hint again
    hint("1.2", all=True)  every hint of the exercise
    """
    ex = exercise_for(exercise_id)
    if ex.error is not None:
        print(f"! {ex.error}\n  Fix it and save: nothing in {ex.path} runs until it loads.\n")
    chk = get_check(exercise_id)
    if chk is None:
        print(f"The hints of exercise {exercise_id} are not available until {ex.path} loads.")
        return
    hints = chk.hints
    if level is not None and (isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(hints)):
        raise UsageError(f"exercise {exercise_id} has hints 1 to {len(hints)}; got level={level!r}")
    if all:
        levels = range(1, len(hints) + 1)
    elif level is None:
        levels = [min(int(_seen().get(exercise_id, 0) or 0) + 1, len(hints))]
    else:
        levels = [level]
    for shown in levels:
        print(f"Hint {shown} of {len(hints)} for exercise {exercise_id} ({ex.name}):")
        print(textwrap.indent(textwrap.fill(hints[shown - 1], width=92), "  "))
    last = max(levels)
    _remember(exercise_id, last)
    if last < len(hints):
        print(f'  (Still stuck? Run hint("{exercise_id}") again for the next one.)')
    elif solution_file(ex).is_file():
        print(f'  That was the last hint. show_solution("{exercise_id}") shows the reference body.')
    else:
        print("  That was the last hint.")


def show_solution(exercise_id):
    """Print the reference body of one exercise, if this copy of the course has solutions/."""
    ex = exercise_for(exercise_id)
    try:
        source = reference_source(ex)
    except SolutionsMissing as missing:
        print(f"No reference solution available: {missing}")
        return
    print(f"Reference solution of exercise {ex.id} ({ex.name}), from {solution_file(ex)}:\n")
    print(source)
