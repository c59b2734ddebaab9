"""How the course loads your files - and picks up every change you save, without a restart.

Your files are the ones with exercises (scratchdl.course lists them). The first time one is
imported it runs like any module. After that, before every notebook cell and every check, the
course reads them again; when one has changed, it runs the new version in a fresh namespace and
takes your new bodies from it. The objects the course already holds - its classes, a network you
built three cells ago - stay what they are: each exercise looks up its current body by its id at
every call (scratchdl.course.exercises), and a method you add or change elsewhere in a class is copied
onto the class. So nothing here depends on IPython's autoreload.

A file that does not load - a syntax error, an error while it runs, an exercise renamed or its
@exercise line removed - never has its old code judged or run: its exercises report the file,
the line and Python's message until you fix it and save, and the other files keep working.
"""

import ast
import importlib
import importlib.abc
import importlib.util
import linecache
import re
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

from scratchdl.course.chapters import CHAPTERS, LEARNER_MODULES
from scratchdl.course.exercises import COURSE_DIR, REGISTRY, attach, collecting, is_stub_node, mark_broken, parse_id


@dataclass
class LoadError:
    """Why one of your files does not load: where, and Python's message (or the course's)."""

    path: str  # "scratchdl/activations.py"
    line: int = None
    message: str = ""
    code: str = ""  # the line of code it is about, if there is one

    def __str__(self):
        where = f", line {self.line}" if self.line else ""
        shown = f"\n      {self.code.strip()}" if self.code.strip() else ""
        return f"{self.path}{where}: {self.message}{shown}"


class LearnerImportFailed(ImportError):
    """One of your files could not be imported at all; importing anything that needs it fails."""

    def __init__(self, learner_file):
        self.module_name = learner_file.module
        super().__init__(f"{learner_file.error}\n  Fix it and save: the course tries again "
                         "before the next cell.", name=learner_file.module)

    def _render_traceback_(self):
        return [f"✗ {self}"]


class _NotLoaded(Exception):
    def __init__(self, error):
        self.error = error


@dataclass
class LearnerFile:
    module: str  # "scratchdl.activations"
    path: Path
    source: str = None  # the text last loaded (or tried)
    tree: object = None  # its ast.Module, when it parsed and loaded
    error: LoadError = None
    needs: str = None  # the module of another of your files whose failure stopped this one

    @property
    def shown(self):
        return self.module.replace(".", "/") + ".py"

    @property
    def exercise_ids(self):
        return [ex.id for ex in REGISTRY.values() if ex.module == self.module]


FILES = {name: LearnerFile(name, COURSE_DIR / (name.replace(".", "/") + ".py")) for name in LEARNER_MODULES}


# --- reading a file -------------------------------------------------------------------------


def _read(lf):
    try:
        return lf.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _NotLoaded(LoadError(lf.shown, message="the file is missing; put it back (git checkout "
                                   f"{lf.shown} restores the shipped one)")) from None
    except (OSError, UnicodeDecodeError) as error:
        raise _NotLoaded(LoadError(lf.shown, message=f"cannot be read ({error})")) from None


def _decorated_id(node):
    """'2.1' for a def decorated @exercise("2.1"), else None."""
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", getattr(decorator.func, "attr", None))
                == "exercise" and decorator.args and isinstance(decorator.args[0], ast.Constant)):
            return str(decorator.args[0].value)
    return None


def _definitions(tree):
    """Every def at the top of the module or of a top-level class: [(qualname, node)]."""
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.append((node.name, node))
        elif isinstance(node, ast.ClassDef):
            found += [(f"{node.name}.{item.name}", item) for item in node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return found


def _body_line(node):
    """The first line after the docstring: where the learner writes."""
    body = node.body
    if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return body[0].lineno


def _exercises_in(lf, tree, lines):
    """{id: (qualname, node)} for the exercises the file defines, checked against the course's table."""
    expected = {ex.id: ex.name for ex in REGISTRY.values() if ex.module == lf.module}
    found, problems = {}, []
    for qualname, node in _definitions(tree):
        exercise_id = _decorated_id(node)
        if exercise_id is None:
            continue
        line = node.decorator_list[0].lineno
        code = lines[line - 1] if line <= len(lines) else ""
        if exercise_id in found:
            problems.append(LoadError(lf.shown, line, f'@exercise("{exercise_id}") appears twice (also on line '
                                      f'{found[exercise_id][1].decorator_list[0].lineno}); each exercise has one', code))
        elif exercise_id not in expected:
            other = REGISTRY.get(exercise_id)
            where = f"it is {other.name} in {other.path}" if other else "the course has no such exercise"
            problems.append(LoadError(lf.shown, line, f'@exercise("{exercise_id}") does not belong here: {where}', code))
        elif qualname != expected[exercise_id]:
            problems.append(LoadError(lf.shown, node.lineno, f"exercise {exercise_id} must be called "
                                      f"`{expected[exercise_id]}` (the course calls it by that name); here it is "
                                      f"`{qualname}`", lines[node.lineno - 1]))
        found[exercise_id] = (qualname, node)
    definitions = dict(_definitions(tree))
    for exercise_id, name in expected.items():
        if exercise_id in found:
            continue
        node = definitions.get(name)
        if node is not None:
            problems.append(LoadError(lf.shown, node.lineno, f'`{name}` has lost its line @exercise("{exercise_id}"): '
                                      "put it back just above the def (the course finds the exercise by it)",
                                      lines[node.lineno - 1]))
        else:
            problems.append(LoadError(lf.shown, None, f"exercise {exercise_id} (`{name}`) is missing from the file: "
                                      "the course calls it by that name. Was it renamed or deleted?"))
    if problems:
        raise _NotLoaded(min(problems, key=lambda p: p.line or 10**9))
    return found


def _line_in(lf, error):
    """The line of `lf` where an exception was raised (the deepest frame in that file)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if Path(f.filename) == lf.path]
    return (frames[-1].lineno, frames[-1].line or "") if frames else (None, "")


def _run(lf, text, namespace):
    """Compile and run one version of a file in `namespace`: ({id: function}, {id: (stub, line)})."""
    try:
        code = compile(text, str(lf.path), "exec", dont_inherit=True)
    except SyntaxError as error:
        raise _NotLoaded(LoadError(lf.shown, error.lineno, error.msg, error.text or "")) from None
    tree = ast.parse(text)
    lines = text.splitlines()
    wanted = _exercises_in(lf, tree, lines)
    linecache.cache.pop(str(lf.path), None)  # tracebacks show the lines of this version
    with collecting() as marked:
        try:
            exec(code, namespace)
        except LearnerImportFailed:
            raise
        except Exception as error:
            line, code_line = _line_in(lf, error)
            raise _NotLoaded(LoadError(lf.shown, line, f"{type(error).__name__}: {error}", code_line)) from None
    functions = dict(marked)
    for exercise_id in wanted:
        if exercise_id not in functions:  # defined under an `if`, say: the course cannot see it
            raise _NotLoaded(LoadError(lf.shown, wanted[exercise_id][1].lineno,
                                       f"exercise {exercise_id} is not defined when the file runs"))
    info = {key: (is_stub_node(node), _body_line(node)) for key, (_, node) in wanted.items()}
    return functions, info, tree


def _commit(lf, text, tree, functions, info):
    for exercise_id, func in functions.items():
        stub, line = info[exercise_id]
        attach(exercise_id, func, stub, line)
    lf.source, lf.tree, lf.error, lf.needs = text, tree, None, None


def _fail(lf, text, error, needs=None):
    lf.source, lf.error, lf.needs = text, error, needs
    mark_broken(lf.exercise_ids, error)


def _needs_message(lf, failed):
    other = FILES[failed.module_name]
    return LoadError(lf.shown, message=f"it imports {other.shown}, which does not load "
                     f"({other.error.path}, line {other.error.line}: {other.error.message})"
                     if other.error and other.error.line else f"it imports {other.shown}, which does not load")


# --- the first import ------------------------------------------------------------------------


class _LearnerLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        first_load(FILES[module.__name__], module)


class _LearnerFinder(importlib.abc.MetaPathFinder):
    """Imports your files through first_load (and nothing else)."""

    def find_spec(self, fullname, path=None, target=None):
        lf = FILES.get(fullname)
        if lf is None or not lf.path.is_file():
            return None
        return importlib.util.spec_from_file_location(fullname, lf.path, loader=_LearnerLoader())


def install():
    """Make Python import your files through this module (done when scratchdl is imported)."""
    if not any(isinstance(finder, _LearnerFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LearnerFinder())


def first_load(lf, module):
    """Run a file for its first import. If it does not load, the module is built with its
    exercises stubbed out, so that the rest of the course can still import it; those exercises
    then report the error until the file is fixed."""
    text = None
    try:
        text = _read(lf)
        functions, info, tree = _run(lf, text, module.__dict__)
    except _NotLoaded as problem:
        _fail(lf, text, problem.error)
    except LearnerImportFailed as failed:
        _fail(lf, text, _needs_message(lf, failed), needs=failed.module_name)
        raise LearnerImportFailed(lf) from None
    else:
        _commit(lf, text, tree, functions, info)
        return
    repaired = _stubbed_out(lf, text) if text is not None else None
    if repaired is None:
        raise LearnerImportFailed(lf) from None
    kept = {key: value for key, value in module.__dict__.items() if key.startswith("__")}
    module.__dict__.clear()
    module.__dict__.update(kept)
    with collecting():  # the stand-ins are not the learner's bodies: nothing is registered
        exec(repaired, module.__dict__)


def _stubbed_out(lf, text):
    """The file with every exercise replaced by a one-line stand-in, compiled; None if that
    still does not compile or run (the error is outside the exercises)."""
    lines = text.splitlines(keepends=True)
    regions = [region for ex in REGISTRY.values() if ex.module == lf.module
               for region in [_region(lines, ex)] if region is not None]
    for _attempt in range(20):
        patched = list(lines)
        for start, end, indent, ex in regions:
            name = ex.name.rpartition(".")[2]
            stand_in = (f'{indent}{name} = __import__("scratchdl.course.exercises", fromlist=["exercise"]).exercise("{ex.id}")'
                        "(lambda *args, **kwargs: None)\n")
            patched[start:end] = [stand_in] + ["\n"] * (end - start - 1)
        source = "".join(patched)
        try:
            code = compile(source, str(lf.path), "exec", dont_inherit=True)
        except SyntaxError as error:
            # A stray line just after an exercise (a body line that lost its indentation) breaks
            # the stand-in: count it as part of that exercise and try again.
            before = [r for r in regions if r[1] < (error.lineno or 0)]
            if not before:
                return None
            last = max(before, key=lambda r: r[1])
            between = lines[last[1]:error.lineno - 1]
            if any(re.match(r"\s*(def|class|async\s+def|@)\b", line) for line in between):
                return None  # the error is in code of the course's, not in an exercise
            regions[regions.index(last)] = (last[0], error.lineno, last[2], last[3])
            continue
        try:
            scratch = types.ModuleType(lf.module)
            scratch.__dict__.update(__file__=str(lf.path), __package__="scratchdl")
            with collecting():
                exec(code, scratch.__dict__)
        except Exception:
            return None
        return code
    return None


def _region(lines, ex):
    """(first line index, end index, indent, ex) of the exercise's decorator and def in a file that
    may not parse: found by its @exercise line, or else by its def (for a removed decorator)."""
    cls, _, name = ex.name.rpartition(".")
    start = None
    decorator = re.compile(r"""^(\s*)@\s*exercise\(\s*["']""" + re.escape(ex.id) + r"""["']\s*\)""")
    definition = re.compile(r"^(\s*)(?:async\s+)?def\s+" + re.escape(name) + r"\b")
    inside = not cls
    for i, line in enumerate(lines):
        if cls and re.match(r"class\s+" + re.escape(cls) + r"\b", line):
            inside = True
        elif cls and inside and re.match(r"(class|def)\s", line):
            inside = False
        if decorator.match(line) or (inside and definition.match(line) and (not cls) == (not line[:1].isspace())):
            start = i
            break
    if start is None:
        return None
    indent = re.match(r"\s*", lines[start]).group(0)
    end = start
    while end < len(lines) and not re.match(r"\s*(?:async\s+)?def\s", lines[end]):
        end += 1  # the def line itself (after any decorators)
    end += 1
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            line_indent = len(line) - len(line.lstrip())
            starts_new = re.match(r"\s*(def|class|async\s+def|@)\b", line) or line_indent == 0
            if line_indent <= len(indent) and starts_new:
                break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # leave the blank lines between definitions alone
    return start, end, indent, ex


# --- picking up changes ---------------------------------------------------------------------


def _reload(lf, text):
    """A loaded file changed: run the new version in a fresh namespace and take its bodies."""
    real = sys.modules[lf.module]
    fresh = types.ModuleType(lf.module)
    for key in ("__file__", "__package__", "__spec__", "__loader__", "__path__"):
        if hasattr(real, key):
            setattr(fresh, key, getattr(real, key))
    old_tree = lf.tree
    try:
        functions, info, tree = _run(lf, text, fresh.__dict__)
    except _NotLoaded as problem:
        _fail(lf, text, problem.error)
        return
    except LearnerImportFailed as failed:
        _fail(lf, text, _needs_message(lf, failed), needs=failed.module_name)
        return
    _keep_the_courses_objects(real, fresh, old_tree, tree)
    _commit(lf, text, tree, functions, info)


def _keep_the_courses_objects(real, fresh, old_tree, new_tree):
    """Make the new version work on the objects the course already holds.

    The course and your notebook hold the classes of the first import (a Dense layer made three
    cells ago is an instance of it), so in the new namespace each class name points back at the
    class of the first import; a method added or changed in the file is copied onto that class,
    and a function added or changed at the top of the file onto the module. Exercises need
    none of this: their wrappers look up the new body by id.
    """
    old = {qualname: ast.dump(node) for qualname, node in _definitions(old_tree)} if old_tree else {}
    changed = {qualname for qualname, node in _definitions(new_tree) if old.get(qualname) != ast.dump(node)}
    for name, new_value in list(vars(fresh).items()):
        old_value = getattr(real, name, None)
        if isinstance(new_value, type) and isinstance(old_value, type) and old_value.__module__ == real.__name__:
            for key, member in vars(new_value).items():
                if f"{name}.{key}" in changed and not hasattr(member, "exercise_id"):
                    setattr(old_value, key, member)
            _point_class_cell(new_value, old_value)
            fresh.__dict__[name] = old_value
        elif isinstance(new_value, types.FunctionType) and name in changed and not hasattr(new_value, "exercise_id"):
            setattr(real, name, new_value)


def _point_class_cell(new_class, old_class):
    """super() in a method of the new class must mean the class of the first import."""
    for member in vars(new_class).values():
        func = getattr(member, "__wrapped__", member)
        code = getattr(func, "__code__", None)
        if code is not None and "__class__" in code.co_freevars:
            func.__closure__[code.co_freevars.index("__class__")].cell_contents = old_class


def refresh():
    """Read your files again and load the ones that changed since they were last loaded.

    Cheap (a dozen small files are read and compared), so it runs before every notebook cell
    and every check. A file that has never been imported is left for its first import.
    """
    for lf in FILES.values():
        try:
            text = _read(lf)
        except _NotLoaded as problem:
            if lf.source is not None or lf.module in sys.modules:
                _fail(lf, None, problem.error)
            continue
        if lf.module in sys.modules:
            if text != lf.source:
                _reload(lf, text)
        elif lf.error is not None and (text != lf.source or lf.needs is not None):
            try:
                importlib.import_module(lf.module)
            except LearnerImportFailed:
                pass


def load_exercises():
    """Load every file with exercises, and their checks; return {id: Exercise} in course order.

    A file that does not load does not stop the others: its exercises carry the reason in
    Exercise.error.
    """
    refresh()
    for lf in FILES.values():
        try:
            importlib.import_module(lf.module)
        except LearnerImportFailed:
            pass
    for ch in CHAPTERS:
        try:
            chapter_checks(ch)
        except LearnerImportFailed:
            pass  # a file this chapter's checks import does not load: its exercises say so
    return dict(sorted(REGISTRY.items(), key=lambda item: parse_id(item[0])))


def chapter_checks(ch):
    """Import a chapter's checks.py (chapters/NN_name/checks.py), once; it registers its checks."""
    name = f"scratchdl_chapter_{ch.number:02d}_checks"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ch.folder / "checks.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


def broken_files():
    """Your files that do not load right now: [LearnerFile]."""
    return [lf for lf in FILES.values() if lf.error is not None]
