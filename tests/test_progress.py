"""`python -m scratchdl progress` and friends, run in a copy of the course as a learner would."""

import json
import re

import shutil

import pytest

from course_copy import copy_course, reference_body, run, set_body
from scratchdl.loader import load_exercises

EXERCISES = list(load_exercises().values())


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A copy of the course as shipped: every exercise a stub, solutions/ present."""
    return copy_course(tmp_path_factory.mktemp("fresh"))


def progress_json(dest, *args):
    result = run(dest, "progress", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_fresh_course_lists_every_exercise_as_not_started(fresh):
    rows = progress_json(fresh)
    assert [(r["id"], r["chapter"], r["name"]) for r in rows] == [
        (ex.id, ex.chapter, ex.name) for ex in EXERCISES
    ]
    assert {r["state"] for r in rows} == {"not started"}
    assert all(set(r) == {"id", "chapter", "name", "state", "detail", "file", "line"} for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["2.1"]["file"] == "scratchdl/activations.py"
    lines = (fresh / "scratchdl" / "activations.py").read_text().splitlines()
    assert lines[by_id["2.1"]["line"] - 1].strip() == 'raise ExerciseTodo("2.1")', "the line to edit"


def test_progress_text_gives_totals_then_the_chapter_in_hand_then_one_line_per_chapter(fresh):
    result = run(fresh, "progress")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"0 of {len(EXERCISES)} exercises passing · {len(EXERCISES)} not started"
    out = result.stdout
    # In a terminal the chapter in hand is the first one not done: chapter 1 of a fresh course.
    assert "Chapter 1 · Weight initialisation  (chapters/01_init.ipynb)" in out
    assert re.search(r"· 1\.2 +xavier_normal +scratchdl/initializers\.py:\d+ +not started", out)
    assert re.search(r"Chapter 8 · Convolutions and LeNet-5 +0 of 10 passing, 10 not started", out)
    assert "1.1 " not in out.split("Other chapters:")[1], "other chapters are one line each"
    everything = run(fresh, "progress", "--all").stdout
    assert re.search(r"· 8\.10 +Flatten\.backward +scratchdl/conv\.py:\d+", everything)


def test_one_chapter_only(fresh):
    rows = progress_json(fresh, "--chapter", "2")
    assert rows and {r["chapter"] for r in rows} == {2}
    result = run(fresh, "progress", "--chapter", "12")
    assert result.returncode == 2 and "there is no chapter '12'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_pasted_reference_body_shows_as_passing_and_a_wrong_one_as_failing(tmp_path):
    course = copy_course(tmp_path)
    set_body(course, "2.1", reference_body("2.1"))
    set_body(course, "2.5", "return max(0, z)")
    states = {r["id"]: (r["state"], r["detail"]) for r in progress_json(course)}
    assert states["2.1"] == ("passing", "")
    assert states["2.5"][0] == "failing" and "np.maximum" in states["2.5"][1]
    others = {state for key, (state, _) in states.items() if key not in ("2.1", "2.5")}
    assert others == {"not started"}


def test_an_exercise_that_uses_an_unwritten_one_is_judged_on_its_own(tmp_path):
    course = copy_course(tmp_path)
    set_body(course, "2.2", "s = sigmoid(z)\nreturn s * (1 - s)")  # correct, but 2.1 is a stub
    states = {r["id"]: (r["state"], r["detail"]) for r in progress_json(course, "--chapter", "2")}
    assert states["2.2"] == ("passing", ""), "the reference stands in for 2.1 while 2.2 is judged"
    assert run(course, "check", "2.2").returncode == 0, "check agrees with progress"
    shutil.rmtree(course / "solutions")  # handed out without solutions: nothing can stand in
    states = {r["id"]: (r["state"], r["detail"]) for r in progress_json(course, "--chapter", "2")}
    assert states["2.2"][0] == "failing"
    assert "uses exercise 2.1, which is not written yet" in states["2.2"][1]


def test_check_command_exit_status_and_message(tmp_path):
    course = copy_course(tmp_path)
    result = run(course, "check", "2.1")
    assert result.returncode == 1 and "Exercise 2.1 (sigmoid) is not written yet" in result.stderr
    set_body(course, "2.1", "return 1 / (1 + np.exp(-z))")
    result = run(course, "check", "2.1")
    assert result.returncode == 1 and "overflow encountered in exp" in result.stderr
    set_body(course, "2.1", reference_body("2.1"))
    result = run(course, "check", "2.1")
    assert result.returncode == 0 and "✓ Exercise 2.1 sigmoid passed" in result.stdout


def test_without_solutions_checks_hints_and_progress_still_work(tmp_path):
    course = copy_course(tmp_path, solutions=False)
    set_body(course, "1.4", reference_body("1.4"))
    rows = {r["id"]: r["state"] for r in progress_json(course)}
    assert rows["1.4"] == "passing" and list(rows.values()).count("not started") == len(EXERCISES) - 1

    result = run(course, "check", "1.4")
    assert result.returncode == 0, result.stderr
    result = run(course, "check", "1.3")
    assert result.returncode == 1 and "not written yet" in result.stderr

    result = run(course, "hint", "1.3")
    assert result.returncode == 0 and "Hint 1 of 2 for exercise 1.3 (xavier_uniform)" in result.stdout
    result = run(course, "hint", "1.3", "--level", "2")
    assert "That was the last hint." in result.stdout and "show_solution" not in result.stdout

    result = run(course, "solution", "1.3")
    assert result.returncode == 0 and "No reference solution available" in result.stdout

    result = run(course, "check", "1.3", mode="reference")
    assert result.returncode != 0 and "without solutions/" in result.stderr


def test_hints_come_in_order_and_the_solution_is_shown_on_request(fresh):
    result = run(fresh, "hint", "2.9")
    assert "Hint 1 of 2" in result.stdout and 'Run hint("2.9") again' in result.stdout
    result = run(fresh, "hint", "2.9", "--level", "2")
    assert "keepdims=True" in result.stdout and 'show_solution("2.9")' in result.stdout
    result = run(fresh, "solution", "2.9")
    assert result.returncode == 0
    assert "def softmax(z):" in result.stdout and "e.sum(axis=-1, keepdims=True)" in result.stdout


def test_notebook_functions_show_hints_in_order_and_progress_as_a_table(capsys, monkeypatch, tmp_path):
    import scratchdl

    monkeypatch.setattr(scratchdl.help, "SEEN_FILE", tmp_path / "hints.json")
    scratchdl.hint("1.1")
    scratchdl.hint("1.1")
    out = capsys.readouterr().out
    assert out.index("Hint 1 of 2") < out.index("Hint 2 of 2")
    report = scratchdl.progress(chapter=1)
    html = report._repr_html_()
    assert html.count("<tr><td>1.") == len([ex for ex in EXERCISES if ex.chapter == 1])
    assert "Chapter 1 · Weight initialisation" in html


def test_every_reference_body_pasted_into_the_package_passes_its_check(tmp_path):
    # What show_solution prints must work when a learner pastes it: no name that exists only
    # in solutions/, and nothing that depends on where the body is defined.
    course = copy_course(tmp_path, solutions=False)
    for ex in EXERCISES:
        set_body(course, ex.id, reference_body(ex.id))
    states = {r["id"]: (r["state"], r["detail"]) for r in progress_json(course)}
    assert {key: value for key, value in states.items() if value[0] != "passing"} == {}
