"""Copies of the course in a temporary folder, in a chosen state, run as a learner would.

The tests that use them do not depend on how far the learner running them has got: a copy can
be reset to the shipped stubs, and one exercise's reference body can be copied in, the way a
learner would paste it.
"""

import ast
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from scratchdl.course.loader import load_exercises
from scratchdl.course.exercises import COURSE_DIR, reference, solution_file

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def copy_course(dest, solutions=True):
    """scratchdl/ (reset to the shipped stubs), chapters/ and, if asked, solutions/ in folder `dest`."""
    dest = Path(dest)
    shutil.copytree(COURSE_DIR / "scratchdl", dest / "scratchdl", ignore=IGNORE)
    shutil.copytree(COURSE_DIR / "chapters", dest / "chapters", ignore=IGNORE)
    if solutions:
        shutil.copytree(COURSE_DIR / "solutions", dest / "solutions", ignore=IGNORE)
    for ex in load_exercises().values():
        set_body(dest, ex.id, f'raise ExerciseTodo("{ex.id}")')
    return dest


def set_body(dest, exercise_id, body):
    """Replace the body (everything after the docstring) of an exercise in the copy at `dest`."""
    ex = load_exercises()[exercise_id]
    path = Path(dest) / ex.path
    lines = path.read_text().splitlines(keepends=True)
    node = _find(ast.parse("".join(lines)), ex.name)
    statements = node.body
    if isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]  # keep the docstring
    indent = " " * statements[0].col_offset
    new = textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", indent)
    lines[statements[0].lineno - 1 : statements[-1].end_lineno] = [new]
    path.write_text("".join(lines))


def reference_body(exercise_id):
    """The body of the reference solution, as a learner would paste it."""
    ex = load_exercises()[exercise_id]
    source = textwrap.dedent(inspect.getsource(reference(ex)))
    node = ast.parse(source).body[0]
    lines = source.splitlines(keepends=True)
    return "".join(lines[node.body[0].lineno - 1 : node.body[-1].end_lineno])


def body_in(folder, exercise_id):
    """The body of an exercise in a folder laid out like solutions/ (the comments above its first
    statement included), as a learner would paste it."""
    ex = load_exercises()[exercise_id]
    path = Path(folder) / solution_file(ex).name
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    node = _find(ast.parse(text), ex.name)
    start = node.body[0].lineno - 1
    while start - 1 >= node.lineno and lines[start - 1].strip().startswith("#"):
        start -= 1
    return textwrap.dedent("".join(lines[start : node.body[-1].end_lineno]))


def install_bodies(dest, folder):
    """Paste every exercise's body from `folder` into the copy at `dest`."""
    for ex in load_exercises().values():
        set_body(dest, ex.id, body_in(folder, ex.id))


def _find(tree, qualname):
    scope = tree.body
    for part in qualname.split("."):
        node = next(n for n in scope if getattr(n, "name", None) == part)
        scope = node.body
    return node


def run(dest, *args, mode=None, env=None):
    """python -m scratchdl ARGS in the copy, in a clean environment; returns the CompletedProcess."""
    changes = env or {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_")}
    env["PYTHONPATH"] = str(dest)
    env.update(changes)
    if mode:
        env["SCRATCHDL_MODE"] = mode
    return subprocess.run(
        [sys.executable, "-m", "scratchdl", *args],
        cwd=dest,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def solution_path(exercise_id):
    return solution_file(load_exercises()[exercise_id])
