"""The first cell of every chapter runs this file (%run ../setup.py): find scratchdl, start the
chapter, and make the imports every chapter uses.

The course folder - the one above chapters/ - goes first on Python's path, so a notebook always
uses the scratchdl next to it: installed or not (on a JupyterHub, nbgitpuller copies the course
without installing it), and wherever Jupyter was started.
"""

import sys
from pathlib import Path

course = str(Path(__file__).resolve().parent.parent)  # %run sets __file__ to this file
if course not in sys.path:
    sys.path.insert(0, course)

get_ipython().run_line_magic("matplotlib", "inline")  # noqa: F821 - %run runs this in IPython

import matplotlib.pyplot as plt  # noqa: E402, F401
import numpy as np  # noqa: E402, F401

import scratchdl  # noqa: E402
from scratchdl import check, hint, show_solution  # noqa: E402, F401

scratchdl.start_chapter()  # the chapter whose folder the notebook is in
