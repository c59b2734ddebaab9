"""What the first cell of every chapter calls, and the course's two hooks into IPython.

Before every cell the course reads your files again and loads what you saved (scratchdl.course.loader);
after every cell it prints, in one quiet line, which exercises ran the reference solution
(scratchdl.course.notices). IPython's own autoreload is told to leave your files alone: the course
loads them itself, so a save never needs a restart and never prints a reload traceback.
"""

import sys
from pathlib import Path

import numpy as np

from scratchdl.course import chapters, hosts, loader, notices
from scratchdl.course.exercises import COURSE_DIR, global_mode, unwritten_before
from scratchdl.course.usage import UsageError

_connected = []  # the IPython shell the hooks are registered with (at most one)


def _shell():
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def connect():
    """Register the course's hooks with the running IPython, once; do nothing outside IPython."""
    shell = _shell()
    if shell is None or shell in _connected:
        return
    shell.events.register("pre_run_cell", _before_cell)
    shell.events.register("post_run_cell", _after_cell)
    notices.gather_per_cell()
    _connected.append(shell)
    _leave_learner_files_alone(shell)


def _leave_learner_files_alone(shell):
    """If IPython's autoreload is on (an older setup cell, or a habit), it must skip your files:
    its reloaders rewrite the course's exercise wrappers and fail on half the saves."""
    if shell.find_line_magic("aimport") is not None:
        for name in chapters.LEARNER_MODULES:  # one at a time: IPython 8.0 reads "-a, -b" as one name
            shell.run_line_magic("aimport", f"-{name}")


def _before_cell(info=None):
    shell = _shell()
    try:
        loader.refresh()
        if shell is not None:
            _leave_learner_files_alone(shell)
    except Exception as error:  # never break the learner's cell because of the course
        print(f"[scratchdl] could not read your files again: {type(error).__name__}: {error}")


def _after_cell(result=None):
    notices.flush()


def start_chapter(number=None):
    """Print where scratchdl comes from and whose code runs; make arrays print readably.

    number: the chapter; by default the one whose folder the notebook is in (chapters/02_.../).
    """
    ch = chapters.chapter(number) if number is not None else chapters.chapter_of_folder(Path.cwd())
    if ch is None:
        raise UsageError(f"start_chapter() could not tell the chapter from the folder {Path.cwd()}: "
                         "give its number, start_chapter(2)")
    chapters.current_chapter = ch.number
    connect()
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    print(f"Chapter {ch.number} · {ch.title}")
    print(f"scratchdl {chapters.VERSION} from {COURSE_DIR / 'scratchdl'}")
    try:
        mode = global_mode()
    except UsageError as bad:
        print(f"✗ {bad}")
        return
    whose = {
        "learner": "your code runs",
        "reference": "the reference solutions run",
        "fill": "your code runs where written, the reference elsewhere",
    }[mode]
    print(f"mode: {mode} ({whose})")
    hosts.tell_once(COURSE_DIR)
    loader.load_exercises()
    for lf in loader.broken_files():
        print(f"✗ {lf.error}\n  Fix it and save: its exercises do not run until it loads.")
    missing = unwritten_before(ch.number)
    if missing:
        s = "s" if len(missing) != 1 else ""
        print(f"! {len(missing)} exercise{s} of earlier chapters {'are' if s else 'is'} not written yet. If a "
              "cell needs one, it says so; scratchdl.set_mode(\"fill\") runs the reference solution for "
              "every exercise you have not written.")
