"""The exercise mechanism: stubs, the learner/reference/fill switch, notices, reloads.

These tests use a small made-up exercise module in a temporary folder, so they hold whatever
state the learner's own scratchdl/ is in.
"""

import ast
import importlib
import inspect
import io
import re
import sys
import textwrap
import tokenize
from pathlib import Path

import pytest

from scratchdl.course import exercises
from scratchdl.course.checks import CHECKS, CheckFailed
from scratchdl.course.chapters import CHAPTERS
from scratchdl.course.loader import load_exercises
from scratchdl.course.exercises import REGISTRY, ExerciseTodo, SolutionsMissing

from course_copy import reference_body

LESSON = '''
from scratchdl.course.exercises import ExerciseTodo, exercise


@exercise("1.90")
def double(x):
    """Twice x."""
    # YOUR CODE HERE
    raise ExerciseTodo("1.90")


@exercise("1.91")
def triple(x):
    """Three times x."""
    return ("learner", 3 * x)


class Counter:
    @exercise("1.92")
    def bump(self, by):
        """Add `by` to the count."""
        raise ExerciseTodo("1.92")
'''

REFERENCE = '''
def double(x):
    return ("reference", 2 * x)


def triple(x):
    return ("reference", 3 * x)


class Counter:
    def bump(self, by):
        return ("reference", by)
'''


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    """A made-up exercise module (1.90 stub, 1.91 written, 1.92 a stub method) and its solutions."""
    package = tmp_path / "fakecourse"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lesson.py").write_text(LESSON)
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "lesson.py").write_text(REFERENCE)
    monkeypatch.setenv("SCRATCHDL_SOLUTIONS", str(solutions))
    monkeypatch.delenv("SCRATCHDL_MODE", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    exercises.set_mode(None)
    module = importlib.import_module("fakecourse.lesson")
    yield module
    for exercise_id in ("1.90", "1.91", "1.92"):
        REGISTRY.pop(exercise_id, None)
    for name in ("fakecourse.lesson", "fakecourse"):
        sys.modules.pop(name, None)
    exercises.set_mode(None)


def test_registry_knows_stubs_and_written_bodies(lesson):
    assert REGISTRY["1.90"].is_stub
    assert not REGISTRY["1.91"].is_stub
    assert REGISTRY["1.92"].is_stub and REGISTRY["1.92"].name == "Counter.bump"
    assert REGISTRY["1.90"].path == "fakecourse/lesson.py"
    assert REGISTRY["1.90"].title == "Twice x."
    assert inspect.getdoc(lesson.double) == "Twice x."  # help() shows the instructions


def test_a_stub_says_which_exercise_and_where_to_write_it(lesson):
    with pytest.raises(ExerciseTodo) as todo:
        lesson.double(2)
    message = str(todo.value)
    assert "Exercise 1.90 (double) is not written yet" in message
    assert "fakecourse/lesson.py" in message
    assert 'raise ExerciseTodo("1.90")' in message
    assert CHAPTERS[0].notebook in message
    assert 'scratchdl.hint("1.90")' in message and 'scratchdl.use_reference("1.90")' in message
    assert isinstance(todo.value, NotImplementedError)
    # In a notebook the message replaces the traceback.
    assert todo.value._render_traceback_() == [f"ExerciseTodo: {message}"]


def test_learner_mode_runs_the_learners_code(lesson, capsys):
    assert lesson.triple(2) == ("learner", 6)
    assert capsys.readouterr().err == ""


def test_reference_mode_from_the_environment_runs_the_reference_with_a_notice(lesson, capsys, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_MODE", "reference")
    assert lesson.triple(2) == ("reference", 6)
    assert lesson.double(2) == ("reference", 4)
    assert lesson.Counter().bump(5) == ("reference", 5)
    err = capsys.readouterr().err
    assert "exercise 1.91 (triple): running the reference solution (you asked for it" in err
    assert "exercise 1.92 (Counter.bump)" in err
    lesson.triple(3)
    assert capsys.readouterr().err == "", "the notice is shown once per exercise, not per call"


def test_fill_mode_runs_the_learners_code_where_written_and_the_reference_elsewhere(lesson, capsys):
    exercises.set_mode("fill")
    assert lesson.triple(2) == ("learner", 6)
    assert lesson.double(2) == ("reference", 4)
    err = capsys.readouterr().err
    assert "exercise 1.90 (double): running the reference solution (your body is not written yet" in err
    assert "1.91" not in err


def test_switch_one_exercise_one_chapter_or_everything(lesson, capsys):
    exercises.use_reference("1.91")
    assert lesson.triple(1)[0] == "reference"
    with pytest.raises(ExerciseTodo):
        lesson.double(1)
    exercises.use_learner("1.91")
    assert lesson.triple(1)[0] == "learner"
    exercises.use_reference(1)  # a whole chapter
    assert lesson.triple(1)[0] == "reference" and lesson.double(1)[0] == "reference"
    exercises.use_learner("1.91")  # an exercise inside it goes back to the learner
    assert lesson.triple(1)[0] == "learner" and lesson.double(1)[0] == "reference"
    exercises.use_reference()  # everything: finer settings give way
    assert lesson.triple(1)[0] == "reference"
    exercises.use_learner()
    assert lesson.triple(1)[0] == "learner"
    with pytest.raises(ExerciseTodo):
        lesson.double(1)


def test_the_notice_comes_back_after_the_switch_changes(lesson, capsys):
    exercises.use_reference("1.91")
    lesson.triple(1)
    exercises.use_learner()
    exercises.use_reference("1.91")
    lesson.triple(1)
    assert capsys.readouterr().err.count("exercise 1.91 (triple)") == 2


def test_using_restores_the_previous_settings(lesson):
    exercises.use_reference("1.91")
    with exercises.using("learner"):
        assert lesson.triple(1)[0] == "learner"
    assert lesson.triple(1)[0] == "reference"


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: exercises.set_mode("referense"), "mode must be one of learner, reference, fill; got 'referense'"),
        (lambda: exercises.use_reference("2.x"), 'an exercise id looks like "2.1"'),
        (lambda: exercises.use_reference("two"), 'expected a chapter (2) or an exercise id ("2.1")'),
        (lambda: exercises.use_reference(42), "there is no chapter 42; the chapters are 1, 2, 3"),
        (lambda: exercises.use_reference("2.99"), "there is no exercise '2.99'; chapter 2 has 2.1 to 2.9"),
        (lambda: exercises.use_reference(8.10), 'write the exercise id as text, in quotes: "8.1" rather than 8.1'),
        (lambda: exercises.set_mode("fill", True), 'expected a chapter (2) or an exercise id ("2.1")'),
    ],
)
def test_bad_settings_are_refused_with_the_expected_form(lesson, call, message):
    before = dict(exercises._modes)
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)
    assert exercises._modes == before, "a refused setting changes nothing"


def test_a_bad_environment_variable_is_named(lesson, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_MODE", "solutions")
    with pytest.raises(ValueError, match=r"SCRATCHDL_MODE must be one of learner, reference, fill; got 'solutions'"):
        lesson.triple(1)


def test_reference_without_solutions_says_what_is_missing(lesson, monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHDL_SOLUTIONS", str(tmp_path / "nowhere"))
    exercises.use_reference()
    with pytest.raises(SolutionsMissing) as missing:
        lesson.triple(1)
    assert "without solutions/" in str(missing.value)
    assert "scratchdl.use_learner()" in str(missing.value)
    exercises.use_learner()
    assert lesson.triple(1)[0] == "learner", "learner code runs without solutions/"


def test_an_edited_and_reloaded_module_takes_effect_everywhere(lesson):
    # What %autoreload does after an edit: the module runs again and re-registers.
    old_double = lesson.double
    path = Path(lesson.__file__)
    path.write_text(LESSON.replace('    # YOUR CODE HERE\n    raise ExerciseTodo("1.90")', "    return ('learner', x + x)"))
    importlib.reload(lesson)
    assert not REGISTRY["1.90"].is_stub
    assert old_double(4) == ("learner", 8), "a name imported before the edit runs the new body"


def test_one_id_for_two_functions_is_refused(lesson):
    with pytest.raises(ValueError, match="exercise id 1.90 is used twice"):
        exercises.exercise("1.90")(lambda x: x)


@pytest.mark.parametrize(
    "body, stub",
    [
        ('    """Doc."""\n    raise ExerciseTodo("1.1")', True),
        ('    """Doc."""\n    # YOUR CODE HERE\n    pass\n    raise ExerciseTodo("1.1")', True),
        ('    raise ExerciseTodo("1.1")', True),
        ('    """Doc."""\n    y = x * 2\n    raise ExerciseTodo("1.1")', False),
        ('    """Doc."""\n    return x', False),
        ('    """Doc."""\n    raise NotImplementedError', False),
    ],
)
def test_is_stub_recognises_only_the_untouched_stub(body, stub, tmp_path, monkeypatch):
    source = f"from scratchdl.course.exercises import ExerciseTodo\n\ndef f(x):\n{body}\n"
    (tmp_path / "stubcase.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("stubcase", None)
    module = importlib.import_module("stubcase")
    assert exercises.is_stub(module.f) is stub


# --- the course's own exercises, solutions, checks and hints --------------------------------


def test_every_exercise_has_a_check_with_graded_hints_and_documented_shapes():
    registry = load_exercises()
    assert registry, "no exercises registered"
    for ex in registry.values():
        assert ex.id in CHECKS, f"exercise {ex.id} ({ex.name}) has no check"
        assert 1 <= len(CHECKS[ex.id].hints) <= 3
        assert CHECKS[ex.id].what_it_checks, f"the check of {ex.id} does not say what it checks"
        doc = inspect.getdoc(ex.learner) or ""
        arguments = [p for p in inspect.signature(ex.learner).parameters if p != "self"]
        assert "Args:" in doc or not arguments, f"{ex.id} {ex.name}: the docstring must give the arguments' shapes"
        assert "Returns:" in doc or "in place" in doc, f"{ex.id} {ex.name}: the docstring must say what it returns"


def _squeeze(text):
    """Text with all whitespace removed and one kind of quote, for comparing code loosely."""
    return re.sub(r"\s+", "", text).replace('"', "'")


def _telling_lines(body):
    """The lines of a reference body that give part of the answer away, squeezed.

    Comments, blank lines and trivial lines (a bare `return name`, `continue`, anything shorter
    than 12 characters) are dropped, and so is a leading `return`, so that a hint that quotes the
    expression without the keyword still counts.
    """
    source = textwrap.dedent(body)
    lines = source.splitlines()
    for token in reversed(list(tokenize.generate_tokens(io.StringIO(source).readline))):
        if token.type == tokenize.COMMENT:
            row, col = token.start
            lines[row - 1] = lines[row - 1][:col]
    telling = []
    for line in lines:
        line = line.strip()
        if not line or re.fullmatch(r"return\s+[\w.]+|continue|pass", line):
            continue
        line = _squeeze(re.sub(r"^return\s+", "", line))
        if len(line) >= 12:
            telling.append(line)
    return telling


def test_hints_give_the_idea_but_not_the_reference_body():
    """The last hint is what a TA would say, not a body to paste: the course is handed out
    without solutions/ so that the answers are not one command away."""
    leaks = []
    for ex in load_exercises().values():
        hints = _squeeze(" ".join(CHECKS[ex.id].hints))
        leaked = [line for line in _telling_lines(reference_body(ex.id)) if line in hints]
        if len(leaked) > 1:
            leaks.append(f"{ex.id} ({ex.name}): {leaked}")
    assert not leaks, "hints that contain the reference body:\n" + "\n".join(leaks)


def test_exercise_ids_are_numbered_in_order_per_chapter():
    registry = load_exercises()
    for ch in CHAPTERS:
        numbers = [ex.number for ex in registry.values() if ex.chapter == ch.number]
        assert numbers == list(range(1, len(numbers) + 1)), f"chapter {ch.number}: {numbers}"


def test_solutions_hold_a_reference_for_every_exercise_and_nothing_else():
    registry = load_exercises()
    solutions_dir = exercises.solutions_dir()
    wanted = {}
    for ex in registry.values():
        wanted.setdefault(exercises.solution_file(ex), set()).add(ex.name)
    assert {p.name for p in solutions_dir.glob("*.py")} == {p.name for p in wanted}
    for path, names in wanted.items():
        tree = ast.parse(path.read_text())
        defined = set()
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                defined.add(node.name)
            elif isinstance(node, ast.ClassDef):
                assert all(isinstance(m, ast.FunctionDef) for m in node.body), f"{path}: class {node.name}"
                defined |= {f"{node.name}.{m.name}" for m in node.body}
            else:
                assert isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)), (
                    f"{path} line {node.lineno}: solutions/ holds reference bodies only"
                )
        assert defined == names, f"{path}: {sorted(defined ^ names)}"


def test_check_failures_read_as_a_message_in_a_notebook():
    failure = CheckFailed("Exercise 2.1 sigmoid: wrong.")
    assert failure._render_traceback_() == ["✗ Exercise 2.1 sigmoid: wrong."]
    assert isinstance(failure, AssertionError)


def test_unknown_exercise_is_refused_with_the_list_of_exercises():
    from scratchdl import check

    with pytest.raises(ValueError, match=r"there is no exercise '9\.9'; chapter 9 has 9\.1 to 9\.8"):
        check("9.9")
    with pytest.raises(ValueError, match=r"write the exercise id as text, in quotes"):
        check(2.1)
    with pytest.raises(ValueError, match=r'an exercise id looks like "2\.1"'):
        check(2)


def test_a_check_runs_the_reference_for_the_other_exercises_it_uses(lesson, monkeypatch, tmp_path):
    """An exercise's verdict is about that exercise alone: whether the others it happens to use
    are written (or right) does not change it - as long as solutions/ is there to stand in."""
    from scratchdl.course.checks import check_for, judge, run_check

    used = []

    @check_for("1.91", "lesson.triple", hints=("nudge",))
    def check_triple():
        """uses double"""
        used.append(lesson.double(1))

    try:
        run_check("1.91")
        assert used == [("reference", 2)], "the unwritten 1.90 ran the reference while 1.91 was judged"
        assert judge("1.91").state == "passing", "progress agrees with check"
        monkeypatch.setenv("SCRATCHDL_SOLUTIONS", str(tmp_path / "nowhere"))
        with pytest.raises(CheckFailed, match=r"uses exercise 1\.90, which is not written yet"):
            run_check("1.91")
    finally:
        CHECKS.pop("1.91")

