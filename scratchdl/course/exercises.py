"""The exercise mechanism: whose code runs when an exercise is called.

An exercise is a function (or method) in ``scratchdl`` marked ``@exercise("2.1")``:
chapter 2, exercise 1. Its body is yours to write. Until you write it, it raises
``ExerciseTodo``, whose message says where the instructions are.

The decorated name is a thin wrapper that looks up, at every call, which body to run. So an
edit you save takes effect everywhere at once - also in objects made before the edit - once
scratchdl.course.loader has read the new file (it does so before every notebook cell and every check).

One switch decides whose code runs when an exercise is called:

- ``"learner"``   your code (the default);
- ``"reference"`` the reference body from the folder ``solutions/``;
- ``"fill"``      your code where you have written it, the reference where you have not.

Set it for a whole process with the environment variable ``SCRATCHDL_MODE``, or from a
notebook cell with ``set_mode``, ``use_reference`` and ``use_learner`` - for everything,
for one chapter (2) or for one exercise ("2.1"). Whenever reference code runs on your behalf,
a notice says so (scratchdl.course.notices).
"""

import ast
import contextlib
import functools
import importlib.util
import inspect
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from scratchdl.course import notices
from scratchdl.course import chapters
from scratchdl.course.chapters import CHAPTERS, COURSE_DIR, PACKAGE_DIR, chapter  # noqa: F401 (COURSE_DIR, PACKAGE_DIR: for others)
from scratchdl.course.usage import UsageError

MODES = ("learner", "reference", "fill")


@dataclass
class Exercise:
    """What the course knows about one exercise."""

    id: str  # "2.1"
    chapter: int  # 2
    number: int  # 1
    name: str  # qualified name in its module: "sigmoid" or "Dense.forward"
    module: str  # "scratchdl.activations"
    learner: object = None  # the function as written in your file, once the file has loaded
    is_stub: bool = True  # True while the body is still the shipped `raise ExerciseTodo(...)`
    line: int = None  # where the body starts in the file (the line to edit)
    error: object = None  # a scratchdl.course.loader.LoadError while the file does not load

    @property
    def path(self):
        """The file to edit, relative to the course folder: 'scratchdl/activations.py'."""
        return self.module.replace(".", "/") + ".py"

    @property
    def title(self):
        """The first line of the exercise's docstring."""
        doc = inspect.getdoc(self.learner) if self.learner is not None else None
        return doc.splitlines()[0] if doc else self.name


def parse_id(exercise_id):
    """'2.1' -> (2, 1); anything else is an error that says what an id looks like."""
    if isinstance(exercise_id, float):
        raise UsageError(
            f"write the exercise id as text, in quotes: \"{exercise_id}\" rather than {exercise_id} "
            "(as a number, 8.10 and 8.1 are the same)"
        )
    parts = str(exercise_id).split(".")
    if not isinstance(exercise_id, str) or len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise UsageError(f"an exercise id looks like \"2.1\" (chapter.number, in quotes); got {exercise_id!r}")
    return int(parts[0]), int(parts[1])


def _from_course_table():
    registry = {}
    for ch in CHAPTERS:
        for exercise_id, target in ch.exercises.items():
            module, name = target.split(".", 1)
            registry[exercise_id] = Exercise(exercise_id, *parse_id(exercise_id), name, f"scratchdl.{module}")
    return registry


# exercise id -> Exercise: every exercise of the course (scratchdl.course), whether or not its
# file has loaded, in course order; made-up exercises (tests) are added when they are defined.
REGISTRY = _from_course_table()


def known_exercise(exercise_id):
    """The Exercise with this id; a clear error for anything that is not one."""
    parse_id(exercise_id)
    if exercise_id not in REGISTRY:
        chapter_number = exercise_id.split(".")[0]
        same = [key for key, ex in REGISTRY.items() if str(ex.chapter) == chapter_number]
        known = f"chapter {chapter_number} has {same[0]} to {same[-1]}" if same else (
            "the exercises are " + ", ".join(REGISTRY))
        raise UsageError(f"there is no exercise {exercise_id!r}; {known}")
    return REGISTRY[exercise_id]


class ExerciseTodo(NotImplementedError):
    """Raised by an exercise whose body has not been written yet."""

    def __init__(self, exercise_id, message=None):
        self.exercise_id = exercise_id
        super().__init__(message or self._explain())

    def _explain(self):
        ex = REGISTRY.get(self.exercise_id)
        if ex is None:
            return f"Exercise {self.exercise_id} is not written yet."
        if chapters.current_chapter is not None and ex.chapter < chapters.current_chapter:
            return skip_ahead_message(chapters.current_chapter, needed=ex)
        return write_it_message(ex)

    def _render_traceback_(self):
        # IPython shows this instead of a traceback: the message is all a learner needs.
        return [f"ExerciseTodo: {self}"]


def write_it_message(ex):
    """Where and how to write an exercise that is not written yet."""
    where = f" (line {ex.line})" if ex.line else ""
    return (
        f"Exercise {ex.id} ({ex.name}) is not written yet.\n"
        f"  Write its body in {ex.path}{where}, in place of the line "
        f'`raise ExerciseTodo("{ex.id}")`.\n'
        f"  Instructions: {chapter(ex.chapter).notebook}, section 'Exercise {ex.id}'.\n"
        f'  Stuck? scratchdl.hint("{ex.id}") gives a hint; '
        f'scratchdl.use_reference("{ex.id}") skips ahead with the reference solution.'
    )


def unwritten_before(chapter_number):
    """The exercises of earlier chapters that are still stubs and would run your (missing) code."""
    return [ex for ex in REGISTRY.values()
            if ex.chapter < chapter_number and ex.is_stub and ex.error is None
            and mode_for(ex.id) == "learner"]


def skip_ahead_message(chapter_number, needed=None):
    """What to say when a cell of a chapter needs exercises of earlier chapters that are not written."""
    missing = unwritten_before(chapter_number)
    by_chapter = {}
    for ex in missing:
        by_chapter.setdefault(ex.chapter, []).append(f"{ex.id} {ex.name}")
    s = "s" if len(missing) != 1 else ""
    if needed is not None:
        lines = [f"This cell needs exercise {needed.id} ({needed.name}) from chapter {needed.chapter}, which "
                 f"is not written yet. Exercise{s} of earlier chapters not written yet:"]
    else:
        lines = [f"{len(missing)} exercise{s} of earlier chapters {'are' if s else 'is'} not written yet:"]
    lines += [f"  chapter {number}: {', '.join(names)}" for number, names in by_chapter.items()]
    lines.append('  To go on without writing them, run scratchdl.set_mode("fill"): the reference solution '
                 "then runs wherever your body is not written, and a line under the cell says so.")
    return "\n".join(lines)


class LearnerCodeBroken(RuntimeError):
    """Raised when an exercise is called whose file does not load (see scratchdl.course.loader)."""

    def __init__(self, exercise_id):
        self.exercise_id = exercise_id
        ex = REGISTRY[exercise_id]
        super().__init__(f"{ex.error}\n  Fix it and save: nothing in {ex.path} runs until it "
                         f"loads (exercise {ex.id} {ex.name} is in it).")

    def _render_traceback_(self):
        return [f"✗ {self}"]


class SolutionsMissing(RuntimeError):
    """Raised when reference code is asked for but solutions/ is not there."""

    def _render_traceback_(self):
        return [f"✗ {self}"]


# --- marking exercises ---------------------------------------------------------------

_collecting = []  # while scratchdl.course.loader runs one of your files: the (id, function) pairs it defines


@contextlib.contextmanager
def collecting():
    """Inside this block, @exercise records what it marks instead of registering it at once.

    scratchdl.course.loader runs your file inside it, checks what it found against the course's table,
    and only then registers the new bodies - so a file that is wrong changes nothing.
    """
    found = []
    _collecting.append(found)
    try:
        yield found
    finally:
        _collecting.pop()


def exercise(exercise_id, arguments=None):
    """Mark a function or method as exercise `exercise_id` ("chapter.number").

    arguments: a function called with the exercise's own arguments before any body runs (yours
               or the reference); it raises a ValueError that says what is wrong with them, so
               bad input is refused before anything changes, whoever wrote the body.
    """
    parse_id(exercise_id)

    def register(func):
        if _collecting:
            _collecting[-1].append((exercise_id, func))
        else:
            _register_made_up(exercise_id, func)

        @functools.wraps(func)
        def run(*args, **kwargs):
            if arguments is not None:
                arguments(*args, **kwargs)
            return implementation(exercise_id)(*args, **kwargs)

        run.exercise_id = exercise_id
        return run

    return register


def _register_made_up(exercise_id, func):
    """An exercise defined outside the course's own files (the tests' made-up lessons)."""
    previous = REGISTRY.get(exercise_id)
    name = func.__qualname__
    if previous is not None and (previous.module, previous.name) != (func.__module__, name):
        raise ValueError(
            f"exercise id {exercise_id} is used twice: by {previous.module}.{previous.name} "
            f"and by {func.__module__}.{name}"
        )
    REGISTRY[exercise_id] = Exercise(exercise_id, *parse_id(exercise_id), name, func.__module__,
                                     learner=func, is_stub=is_stub(func))
    forget_choices()


def attach(exercise_id, func, stub, line):
    """Make `func` the learner's body of an exercise of the course (called by scratchdl.course.loader)."""
    ex = REGISTRY[exercise_id]
    ex.learner, ex.is_stub, ex.line, ex.error = func, stub, line, None
    forget_choices()


def mark_broken(exercise_ids, error):
    """The file of these exercises does not load: none of its bodies may run until it does."""
    for exercise_id in exercise_ids:
        REGISTRY[exercise_id].error = error
        REGISTRY[exercise_id].is_stub = False
    forget_choices()


def is_stub_node(definition):
    """True if an ast.FunctionDef holds only `raise ExerciseTodo(...)` (after any docstring)."""
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


def is_stub(func):
    """True if the body of `func` is only `raise ExerciseTodo(...)` (after any docstring)."""
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return False
    return is_stub_node(ast.parse(source).body[0])


# --- the switch -------------------------------------------------------------------

_modes = {}  # None (everything), "2" (a chapter) or "2.1" (an exercise) -> mode
_substitutes = {}  # exercise id -> a function that stands in for it (used by tests)
# Which function runs, worked out once per exercise and remembered, because an exercise may be
# called thousands of times a second in training. Forgotten whenever the switch or a file
# changes. ($SCRATCHDL_MODE is therefore read when an exercise first runs: during a session,
# change modes with set_mode, not by changing the environment.)
_resolved = {}


def forget_choices():
    _resolved.clear()


def _check_mode(mode):
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}; got {mode!r}")
    return mode


def _check_scope(which):
    """None, a chapter (2 or "2") or an exercise ("2.1") -> the key used in _modes."""
    if which is None:
        return None
    if isinstance(which, float) or (isinstance(which, str) and "." in which):
        return known_exercise(which).id
    if isinstance(which, bool) or not isinstance(which, (int, str)) or not str(which).isdigit():
        raise UsageError(f'expected a chapter (2) or an exercise id ("2.1"); got {which!r}')
    return str(chapter(which).number)


def global_mode():
    """The mode for everything: set_mode() if it was called, else $SCRATCHDL_MODE, else learner."""
    if None in _modes:
        return _modes[None]
    mode = os.environ.get("SCRATCHDL_MODE", "").strip().lower() or "learner"
    if mode not in MODES:
        raise UsageError(
            f"the environment variable SCRATCHDL_MODE must be one of {', '.join(MODES)}; "
            f"got {os.environ['SCRATCHDL_MODE']!r}. Unset it, or choose in a cell: "
            'scratchdl.set_mode("learner")'
        )
    return mode


def mode_for(exercise_id):
    """The mode that applies to one exercise: its own, else its chapter's, else the global one."""
    chapter_key = exercise_id.split(".")[0]
    return _modes.get(exercise_id) or _modes.get(chapter_key) or global_mode()


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
    forget_choices()


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
        forget_choices()


@contextlib.contextmanager
def judging(exercise_id, mode, others):
    """Temporarily run `mode`'s code for one exercise and `others`' for every other exercise."""
    saved = dict(_modes)
    _modes.clear()
    _modes.update({None: others, exercise_id: mode})
    forget_choices()
    try:
        yield
    finally:
        _modes.clear()
        _modes.update(saved)
        forget_choices()


def substituted(exercise_id):
    return exercise_id in _substitutes


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
        if ex.error is not None or ex.learner is None:
            return functools.partial(_refuse, ex.id)
        return ex.learner
    func = reference(ex)
    reason = "you asked for it" if mode == "reference" else "your body is not written yet"
    notices.reference_ran(ex.id, ex.name, f"{reason}; mode {mode}")
    return func


def _refuse(exercise_id, *args, **kwargs):
    raise LearnerCodeBroken(exercise_id)


# --- the reference solutions ------------------------------------------------------


def solutions_dir():
    """Where the reference bodies live: $SCRATCHDL_SOLUTIONS, else solutions/ beside scratchdl/."""
    return Path(os.environ.get("SCRATCHDL_SOLUTIONS") or COURSE_DIR / "solutions")


def solution_file(ex):
    """solutions/activations.py for an exercise of scratchdl/activations.py."""
    relative = ex.module.split(".", 1)[1].replace(".", "/") + ".py"
    return solutions_dir() / relative


def has_reference(ex):
    return solution_file(ex).is_file()


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
