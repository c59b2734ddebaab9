"""Copies of the course in a temporary folder, in a chosen state, run as a learner would.

The tests that use them do not depend on how far the learner running them has got: a copy is
reset to the shipped stubs (copy_course and set_body are the product's, scratchdl.course.copies,
which the gradebook grades in), and one exercise's reference body can be copied in, the way a
learner would paste it.
"""

import ast
import hashlib
import inspect
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from scratchdl.course.copies import copy_course, find_definition, set_body  # noqa: F401 (for the tests)
from scratchdl.course.loader import load_exercises
from scratchdl.course.exercises import COURSE_DIR, reference, solution_file


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
    node = find_definition(ast.parse(text), ex.name)
    start = node.body[0].lineno - 1
    while start - 1 >= node.lineno and lines[start - 1].strip().startswith("#"):
        start -= 1
    return textwrap.dedent("".join(lines[start : node.body[-1].end_lineno]))


def install_bodies(dest, folder):
    """Paste every exercise's body from `folder` into the copy at `dest`."""
    for ex in load_exercises().values():
        set_body(dest, ex.id, body_in(folder, ex.id))


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


def snapshot(folder):
    """{relative path: SHA-256} of every file under `folder` (links as their target's name): to
    show that something left a folder as it was."""
    found = {}
    for path in sorted(Path(folder).rglob("*")):
        relative = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[relative] = "link to " + os.readlink(path)
        elif path.is_file():
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
