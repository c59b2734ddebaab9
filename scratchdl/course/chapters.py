"""The course's table of contents, read from the chapters/ folder: nothing here is kept by hand.

Each chapter is a folder `chapters/NN_name/` holding everything of that chapter: its notebook
`NN_name.ipynb` (whose first heading, "# Chapter N · Title", gives the title), `checks.py` (the
checks and hints of its exercises), `demos.py` and its tests. Which exercises a chapter has, and
which function each one is, comes from its checks:

    @check_for("2.1", "activations.sigmoid", hints=(...))

says that exercise 2.1 is the function `sigmoid` in scratchdl/activations.py ("layers.Dense.forward"
would be the method `forward` of the class `Dense` in scratchdl/layers.py). The checks are read
as text here, not run, so the table is known before any of your files is imported.
"""

import ast
import json
from dataclasses import dataclass
from pathlib import Path

from scratchdl.course.usage import UsageError

VERSION = "0.1.0"  # the same as pyproject.toml's
PACKAGE_DIR = Path(__file__).resolve().parent.parent
COURSE_DIR = PACKAGE_DIR.parent
CHAPTERS_DIR = COURSE_DIR / "chapters"


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str  # the folder's name, and the notebook's without .ipynb: "02_activations"
    title: str
    exercises: dict  # exercise id -> "module.function" or "module.Class.method"

    @property
    def folder(self):
        return CHAPTERS_DIR / self.slug

    @property
    def notebook(self):
        """The notebook, relative to the course folder: 'chapters/02_activations/02_activations.ipynb'."""
        return f"chapters/{self.slug}/{self.slug}.ipynb"

    @property
    def modules(self):
        """The scratchdl modules that hold this chapter's exercises, in order of first use."""
        return tuple(dict.fromkeys(target.split(".")[0] for target in self.exercises.values()))


def _title(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    heading = "".join(cells[0]["source"]).splitlines()[0] if cells else ""
    return heading.split("·", 1)[1].strip() if "·" in heading else notebook.stem


def _exercises(checks):
    """{"2.1": "activations.sigmoid", ...} from the @check_for(...) lines of a chapter's checks.py."""
    found = {}
    for node in ast.walk(ast.parse(checks.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check_for" and len(node.args) >= 2:
            exercise_id, target = (arg.value for arg in node.args[:2])
            found[exercise_id] = target
    return dict(sorted(found.items(), key=lambda item: int(item[0].split(".")[1])))


def _read_chapters():
    chapters = []
    for folder in sorted(CHAPTERS_DIR.glob("[0-9][0-9]_*")):
        notebook, checks = folder / f"{folder.name}.ipynb", folder / "checks.py"
        if notebook.is_file():
            exercises = _exercises(checks) if checks.is_file() else {}
            chapters.append(Chapter(int(folder.name[:2]), folder.name, _title(notebook), exercises))
    return tuple(chapters)


CHAPTERS = _read_chapters()

# The learner's files, as module names ("scratchdl.activations"), in the order the chapters use them.
LEARNER_MODULES = tuple(dict.fromkeys(f"scratchdl.{m}" for ch in CHAPTERS for m in ch.modules))

current_chapter = None  # the chapter whose notebook is open: set by start_chapter()


def chapter(number):
    """The Chapter with this number; an error lists the chapters there are."""
    numbers = ", ".join(str(ch.number) for ch in CHAPTERS)
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).strip().isdigit():
        raise UsageError(f"a chapter is a whole number ({numbers}); got {number!r}")
    for ch in CHAPTERS:
        if ch.number == int(number):
            return ch
    raise UsageError(f"there is no chapter {number!r}; the chapters are {numbers}")


def chapter_of_folder(folder):
    """The Chapter whose folder is `folder` (or holds it), by the folder's name ("02_activations"),
    or None: how a notebook knows its chapter, in a copy of the course too."""
    for path in [Path(folder).resolve(), *Path(folder).resolve().parents]:
        for ch in CHAPTERS:
            if path.name == ch.slug:
                return ch
    return None
