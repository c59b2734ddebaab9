"""scratchdl: the deep-learning package you write yourself, one exercise at a time.

From a notebook:

    import scratchdl
    scratchdl.check("1.2")          # judge your code for exercise 1.2
    scratchdl.hint("1.2")           # a nudge; call again for the key formula
    scratchdl.show_solution("1.2")  # the reference body (if solutions/ is present)
    scratchdl.progress()            # every exercise and its state
    scratchdl.use_reference("1.2")  # skip ahead: run the reference for 1.2 (or a chapter: 1)
    scratchdl.export()              # your files and progress in one .zip, with a download link
    scratchdl.handin()              # the same for your instructor: scratchdl-handin.zip

From a terminal: ``python -m scratchdl progress`` (``--json`` for scripts).
"""

try:
    import numpy  # noqa: F401
except ModuleNotFoundError as missing:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        f"scratchdl needs {missing.name}, which is not installed in this Python "
        "environment. From the course folder, run:  python -m pip install -e ."
    ) from None

from scratchdl.course import loader

loader.install()  # your files are imported, and read again after every save, by scratchdl.course.loader

from scratchdl.course.archive import export, handin  # noqa: E402
from scratchdl.course.chapters import VERSION as __version__  # noqa: E402
from scratchdl.course.checks import check  # noqa: E402
from scratchdl.course.exercises import set_mode, use_learner, use_reference  # noqa: E402
from scratchdl.course.hints import hint, show_solution  # noqa: E402
from scratchdl.course.notebook import connect, start_chapter  # noqa: E402
from scratchdl.course.progress import progress  # noqa: E402

connect()  # in IPython: pick up saved files before each cell; one line of notices after it

__all__ = [
    "check",
    "export",
    "handin",
    "hint",
    "progress",
    "set_mode",
    "show_solution",
    "start_chapter",
    "use_learner",
    "use_reference",
]
