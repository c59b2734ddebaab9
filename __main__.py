"""`python -m scratchdl ...` from the folder above the course (a JupyterHub's home folder, where
nbgitpuller put the course in ~/scratchdl): Python finds this folder first, not the package
inside it. Make way for the package, then run its command line."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.modules.pop("scratchdl", None)  # this folder, which Python imported as a namespace package

from scratchdl.__main__ import main  # noqa: E402

sys.exit(main())
