"""What the first cell of every chapter calls."""

import numpy as np

import scratchdl
from scratchdl.course import chapter
from scratchdl.exercises import COURSE_DIR, global_mode


def start_chapter(number):
    """Print where scratchdl comes from and whose code runs; make arrays print readably."""
    ch = chapter(number)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    mode = global_mode()
    whose = {
        "learner": "your code runs",
        "reference": "the reference solutions run",
        "fill": "your code runs where written, the reference elsewhere",
    }[mode]
    print(f"Chapter {ch.number} · {ch.title}")
    print(f"scratchdl {scratchdl.__version__} from {COURSE_DIR / 'scratchdl'}")
    print(f"mode: {mode} ({whose})")
