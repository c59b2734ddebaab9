"""The process that judges one submission for the gradebook; run by scratchdl.course.grading.

    python -m scratchdl.course.grading_child --folder F --timeout S --memory MB [--skip 2.1,7.2]

It runs in a temporary copy of the course (its current folder, inside folder F) that holds the
learner's files. First it confines itself (scratchdl.course.confine: memory, and changes to files
only inside F), then loads the learner's files one by one and judges every exercise not skipped,
as `progress` would. It reports on its standard output, one JSON object a line, flushed at once,
what it is about to do and each verdict - so that when the learner's code ends the process (a
crash, os._exit, a call that never returns), the grader knows which file or exercise did it,
and starts a new process for the rest:

    {"event": "confined", "landlock": 7, "unlimited": []}
    {"event": "loading", "file": "scratchdl/activations.py"}    (and "loaded" when it is)
    {"event": "judging", "id": "2.1"}
    {"event": "verdict", "id": "2.1", "state": "failing", "message": "...", "seconds": 0.01}
    {"event": "done"}

What the learner's code prints goes to standard error, never into these lines.
"""

import argparse
import importlib
import json
import os
import sys
from pathlib import Path


def _channel():
    """The grader's line: the standard output this process started with. File descriptor 1 then
    points at standard error, so that even a C-level print cannot write into the channel."""
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def _say(channel, **event):
    channel.write(json.dumps(event) + "\n")
    channel.flush()


def _judged(exercise_id, seconds):
    """(state, message, seconds) of one exercise's check on the learner's code."""
    from scratchdl.course.checks import judge
    from scratchdl.course.exercises import REGISTRY

    try:
        verdict = judge(exercise_id, whose="learner", seconds=seconds)
    except (SystemExit, KeyboardInterrupt) as stopped:
        ex = REGISTRY[exercise_id]
        return "failing", (f"Exercise {exercise_id} {ex.name}: your code raised {type(stopped).__name__}"
                           f"{f'({stopped})' if str(stopped) else ''}: an exercise returns its result, it "
                           "does not end the program"), 0.0
    state = verdict.state
    if state == "failing" and seconds and verdict.seconds >= seconds:
        state = "timed out"  # stopped by the check's time limit (scratchdl.course.guard)
    message = verdict.message if state in ("failing", "cannot load", "timed out") else ""
    return state, message, verdict.seconds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scratchdl.course.grading_child")
    parser.add_argument("--folder", required=True, help="the only folder whose files may change")
    parser.add_argument("--timeout", type=float, required=True, help="seconds per check")
    parser.add_argument("--memory", type=int, required=True, help="MB of address space")
    parser.add_argument("--skip", default="", help="exercise ids already judged, comma-separated")
    args = parser.parse_args(argv)
    channel = _channel()

    from scratchdl.course import confine

    landlock, unlimited = confine.confine(args.folder, args.memory)
    _say(channel, event="confined", landlock=landlock, unlimited=unlimited)

    # Judge the copy this process runs in, never the course that started it.
    import scratchdl
    from scratchdl.course import loader

    package = Path(scratchdl.__file__).resolve().parent
    if not package.is_relative_to(Path(args.folder).resolve()):
        _say(channel, event="refused", reason=f"scratchdl was imported from {package}, outside {args.folder}")
        return 2

    # Say which file is being run, around the loader's first import of each (a file that imports
    # another is announced, then the other inside it): a crash is then pinned on the right one.
    first_load = loader.first_load

    def announced(learner_file, module):
        _say(channel, event="loading", file=learner_file.shown)
        try:
            first_load(learner_file, module)
        finally:
            _say(channel, event="loaded", file=learner_file.shown)

    loader.first_load = announced
    for learner_file in loader.FILES.values():
        try:
            importlib.import_module(learner_file.module)
        except loader.LearnerImportFailed:
            pass  # its exercises say why, in their verdicts
    _say(channel, event="loading", file="the checks")
    registry = loader.load_exercises()
    _say(channel, event="loaded", file="the checks")

    skip = set(filter(None, args.skip.split(",")))
    for exercise_id in registry:
        if exercise_id in skip:
            continue
        _say(channel, event="judging", id=exercise_id)
        state, message, seconds = _judged(exercise_id, args.timeout)
        _say(channel, event="verdict", id=exercise_id, state=state, message=message, seconds=round(seconds, 3))
    _say(channel, event="done")
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
