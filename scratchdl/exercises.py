"""The exercise mechanism: whose code runs when an exercise is called.

An exercise is a function (or method) in ``scratchdl`` marked ``@exercise("2.1")``:
chapter 2, exercise 1. Its body is yours to write. Until you write it, it raises
``ExerciseTodo``, whose message says where the instructions are.

One switch decides whose code runs when an exercise is called:

- ``"learner"``   your code (the default);
- ``"reference"`` the reference body from the folder ``solutions/``;
- ``"fill"``      your code where you have written it, the reference where you have not.

Set it for a whole process with the environment variable ``SCRATCHDL_MODE``, or from a
notebook cell with ``set_mode``, ``use_reference`` and ``use_learner`` - for everything,
for one chapter (``"2"``) or for one exercise (``"2.1"``). Whenever reference code runs
on your behalf, a notice says so (once per exercise until the switch changes again).
"""

import ast
import contextlib
import functools
import importlib.util
import inspect
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

MODES = ("learner", "reference", "fill")
PACKAGE_DIR = Path(__file__).resolve().parent
COURSE_DIR = PACKAGE_DIR.parent


@dataclass
class Exercise:
    """What the course knows about one exercise."""

    id: str  # "2.1"
    chapter: int  # 2
    number: int  # 1
    name: str  # qualified name in its module: "sigmoid" or "Dense.forward"
    module: str  # "scratchdl.activations"
    learner: object  # the function as written in scratchdl/ (yours)
    is_stub: bool  # True while the body is still the shipped `raise ExerciseTodo(...)`

    @property
    def path(self):
        """The file to edit, relative to the course folder: 'scratchdl/activations.py'."""
        return self.module.replace(".", "/") + ".py"

    @property
    def title(self):
        """The first line of the exercise's docstring."""
        doc = inspect.getdoc(self.learner) or ""
        return doc.splitlines()[0] if doc else self.name


REGISTRY = {}  # exercise id -> Exercise, in the order the modules define them


class ExerciseTodo(NotImplementedError):
    """Raised by an exercise whose body has not been written yet."""

    def __init__(self, exercise_id):
        self.exercise_id = exercise_id
        super().__init__(self._explain())

    def _explain(self):
        from scratchdl.course import chapter_notebook

        ex = REGISTRY.get(self.exercise_id)
        if ex is None:
            return f"Exercise {self.exercise_id} is not written yet."
        return (
            f"Exercise {ex.id} ({ex.name}) is not written yet.\n"
            f"  Write its body in {ex.path}, in place of the line "
            f'`raise ExerciseTodo("{ex.id}")`.\n'
            f"  Instructions: {chapter_notebook(ex.chapter)}, section 'Exercise {ex.id}'.\n"
            f'  Stuck? scratchdl.hint("{ex.id}") gives a hint; '
            f'scratchdl.use_reference("{ex.id}") skips ahead with the reference solution.'
        )

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the message is all a learner needs.
        return [f"ExerciseTodo: {self}"]


class SolutionsMissing(RuntimeError):
    """Raised when reference code is asked for but solutions/ is not there."""


def exercise(exercise_id):
    """Mark a function or method as exercise `exercise_id` ("chapter.number")."""
    chapter, number = parse_id(exercise_id)

    def register(func):
        previous = REGISTRY.get(exercise_id)
        name = func.__qualname__
        if previous is not None and (previous.module, previous.name) != (func.__module__, name):
            raise ValueError(
                f"exercise id {exercise_id} is used twice: by {previous.module}.{previous.name} "
                f"and by {func.__module__}.{name}"
            )
        # Registering again (a module reloaded after an edit) replaces the entry, so
        # every existing reference to `run` calls the new code.
        REGISTRY[exercise_id] = Exercise(
            exercise_id, chapter, number, name, func.__module__, func, is_stub(func)
        )
        _resolved.clear()

        @functools.wraps(func)
        def run(*args, **kwargs):
            return implementation(exercise_id)(*args, **kwargs)

        run.exercise_id = exercise_id
        return run

    return register


def parse_id(exercise_id):
    """'2.1' -> (2, 1); anything else is an error that says what an id looks like."""
    parts = str(exercise_id).split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"an exercise id looks like '2.1' (chapter.number); got {exercise_id!r}")
    return int(parts[0]), int(parts[1])


def is_stub(func):
    """True if the body of `func` is only `raise ExerciseTodo(...)` (after any docstring)."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return False
    definition = ast.parse(source).body[0]
    body = [
        statement
        for statement in definition.body
        if not isinstance(statement, ast.Pass)
        and not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
    ]
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    raised = body[0].exc
    return isinstance(raised, ast.Call) and getattr(raised.func, "id", None) == "ExerciseTodo"


# --- the switch -------------------------------------------------------------------

_modes = {}  # None (everything), "2" (a chapter) or "2.1" (an exercise) -> mode
_substitutes = {}  # exercise id -> a function that stands in for it (used by tests)
# Which function runs, worked out once per exercise and remembered, because an exercise may be
# called thousands of times a second in training. Forgotten whenever the switch or the registry
# changes. ($SCRATCHDL_MODE is therefore read when an exercise first runs: during a session,
# change modes with set_mode, not by changing the environment.)
_resolved = {}


def _check_mode(mode):
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


def _check_scope(which):
    """None, a chapter (2 or "2") or an exercise ("2.1") -> the key used in _modes."""
    if which is None:
        return None
    which = str(which)
    if "." in which:
        parse_id(which)
    elif not which.isdigit():
        raise ValueError(f"expected a chapter (2) or an exercise id ('2.1'); got {which!r}")
    return which


def global_mode():
    """The mode for everything: set_mode() if it was called, else $SCRATCHDL_MODE, else learner."""
    if None in _modes:
        return _modes[None]
    mode = os.environ.get("SCRATCHDL_MODE", "").strip().lower() or "learner"
    if mode not in MODES:
        raise ValueError(
            f"the environment variable SCRATCHDL_MODE must be one of {', '.join(MODES)}; "
            f"got {os.environ['SCRATCHDL_MODE']!r}"
        )
    return mode


def mode_for(exercise_id):
    """The mode that applies to one exercise: its own, else its chapter's, else the global one."""
    chapter = exercise_id.split(".")[0]
    return _modes.get(exercise_id) or _modes.get(chapter) or global_mode()


def set_mode(mode, which=None):
    """Choose whose code runs: for everything, a chapter (2) or one exercise ("2.1").

    set_mode("fill")              your code where written, the reference elsewhere
    set_mode("reference", 2)      the reference for every exercise of chapter 2
    set_mode("learner", "2.1")    your own code for exercise 2.1
    set_mode(None, "2.1")         forget the setting for 2.1 (its chapter's applies again)

    A setting replaces the finer ones inside it: set_mode("learner", 2) also undoes an
    earlier set_mode("reference", "2.1").
    """
    key = _check_scope(which)
    if mode is not None:
        _check_mode(mode)
    for scope in list(_modes):
        if key is None or scope == key or (scope is not None and scope.startswith(key + ".")):
            del _modes[scope]
    if mode is not None:
        _modes[key] = mode
    _resolved.clear()


def use_reference(which=None):
    """Run the reference solution for one exercise ("2.1"), one chapter (2) or everything."""
    set_mode("reference", which)


def use_learner(which=None):
    """Run your own code again for one exercise ("2.1"), one chapter (2) or everything."""
    set_mode("learner", which)


@contextlib.contextmanager
def using(mode, which=None):
    """Temporarily set the mode: `with using("learner"): ...` (restores the previous settings)."""
    saved = dict(_modes)
    set_mode(mode, which)
    try:
        yield
    finally:
        _modes.clear()
        _modes.update(saved)
        _resolved.clear()


@contextlib.contextmanager
def substitute(exercise_id, func):
    """Temporarily run `func` for an exercise, whatever the mode (tests feed checks wrong code)."""
    parse_id(exercise_id)
    saved = _substitutes.get(exercise_id)
    _substitutes[exercise_id] = func
    try:
        yield
    finally:
        if saved is None:
            _substitutes.pop(exercise_id, None)
        else:
            _substitutes[exercise_id] = saved


def implementation(exercise_id):
    """The function that runs when exercise `exercise_id` is called, by the current switch."""
    if exercise_id in _substitutes:
        return _substitutes[exercise_id]
    func = _resolved.get(exercise_id)
    if func is None:
        func = _resolved[exercise_id] = _resolve(REGISTRY[exercise_id])
    return func


def _resolve(ex):
    """Your function or the reference, by the mode; a notice when it is the reference."""
    mode = mode_for(ex.id)
    if mode == "learner" or (mode == "fill" and not ex.is_stub):
        return ex.learner
    func = reference(ex)
    why = "you asked for it" if mode == "reference" else "your body is not written yet"
    print(
        f"[scratchdl] exercise {ex.id} ({ex.name}): running the reference solution ({why}; "
        f"mode {mode}).",
        file=sys.stderr,
    )
    return func


# --- the reference solutions ------------------------------------------------------


def solutions_dir():
    """Where the reference bodies live: $SCRATCHDL_SOLUTIONS, else solutions/ beside scratchdl/."""
    return Path(os.environ.get("SCRATCHDL_SOLUTIONS") or COURSE_DIR / "solutions")


def solution_file(ex):
    """solutions/activations.py for an exercise of scratchdl/activations.py."""
    relative = ex.module.split(".", 1)[1].replace(".", "/") + ".py"
    return solutions_dir() / relative


_solution_modules = {}  # path -> (modification time, module)


def _load_solution_module(path):
    mtime = path.stat().st_mtime
    cached = _solution_modules.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    name = "scratchdl_solutions." + path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _solution_modules[path] = (mtime, module)
    return module


def reference(ex):
    """The reference function for an exercise, loaded from solutions/."""
    path = solution_file(ex)
    if not path.is_file():
        raise SolutionsMissing(
            f"Exercise {ex.id} ({ex.name}) was asked to run the reference solution, but "
            f"{path} does not exist. This copy of the course may have been handed out without "
            f"solutions/. Run your own code with scratchdl.use_learner(), or point the "
            f"environment variable SCRATCHDL_SOLUTIONS at a solutions folder."
        )
    found = _load_solution_module(path)
    for part in ex.name.split("."):
        found = getattr(found, part, None)
        if found is None:
            raise SolutionsMissing(f"{path} has no reference for exercise {ex.id} ({ex.name}).")
    return found


def reference_source(ex):
    """The source code of the reference solution of an exercise, as text."""
    return textwrap.dedent(inspect.getsource(reference(ex)))
