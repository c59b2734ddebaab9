"""Fresh copies of the course in another folder: the learner's files reset to the shipped stubs.

The gradebook grades every submission in such a copy (scratchdl.course.grading), and the tests
build theirs with it (tests/course_copy.py). A copy holds what running the course needs - the
package, the chapters (their checks and notebooks) and, if asked, the reference solutions - and
none of the work in the folder it was copied from.
"""

import ast
import shutil
import textwrap
from pathlib import Path

from scratchdl.course.chapters import CHAPTERS, COURSE_DIR
from scratchdl.course.exercises import REGISTRY, solutions_dir

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def copy_course(dest, solutions=True):
    """scratchdl/ (reset to the shipped stubs), chapters/ and, if asked, solutions/ in folder `dest`.

    dest:      a folder that does not exist yet (it is created)
    solutions: also copy the reference solutions ($SCRATCHDL_SOLUTIONS, else solutions/), if
               there are any
    Returns dest, as a Path.
    """
    dest = Path(dest)
    shutil.copytree(COURSE_DIR / "scratchdl", dest / "scratchdl", ignore=IGNORE)
    shutil.copytree(COURSE_DIR / "chapters", dest / "chapters", ignore=IGNORE)
    if solutions and solutions_dir().is_dir():
        shutil.copytree(solutions_dir(), dest / "solutions", ignore=IGNORE)
    # The course's table (read from the chapters, no learner file imported) says which bodies
    # to reset; exercises the tests make up elsewhere are not the course's.
    for ch in CHAPTERS:
        for exercise_id in ch.exercises:
            set_body(dest, exercise_id, f'raise ExerciseTodo("{exercise_id}")')
    return dest


def set_body(dest, exercise_id, body):
    """Replace the body (everything after the docstring) of an exercise in the copy at `dest`.

    body: the new body as text, at any indentation (it is re-indented to fit the def).
    """
    ex = REGISTRY[exercise_id]
    path = Path(dest) / ex.path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    node = find_definition(ast.parse("".join(lines), filename=str(path)), ex.name)
    statements = node.body
    if isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]  # keep the docstring
    indent = " " * statements[0].col_offset
    new = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent)
    lines[statements[0].lineno - 1 : statements[-1].end_lineno] = [new]
    path.write_text("".join(lines), encoding="utf-8")


def find_definition(tree, qualname):
    """The ast node of the def (or class) `qualname` ("sigmoid", "Dense.forward") in a module's tree."""
    scope = tree.body
    for part in qualname.split("."):
        node = next(n for n in scope if getattr(n, "name", None) == part)
        scope = node.body
    return node
