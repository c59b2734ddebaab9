"""`python -m scratchdl progress` and friends, run in a copy of the course as a learner would."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from course_copy import copy_course, reference_body, run, set_body
from scratchdl.course.exercises import COURSE_DIR
from scratchdl.course.loader import load_exercises

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
    assert "Chapter 1 · Weight initialisation  (chapters/01_init/01_init.ipynb)" in out
    assert re.search(r"· 1\.2 +xavier_normal +scratchdl/initializers\.py:\d+ +not started", out)
    assert re.search(r"Chapter 8 · Convolutions and LeNet-5 +0 of 8 passing, 8 not started", out)
    assert "1.1 " not in out.split("Other chapters:")[1], "other chapters are one line each"
    everything = run(fresh, "progress", "--all").stdout
    assert re.search(r"· 8\.8 +AvgPool2D\.backward +scratchdl/conv\.py:\d+", everything)


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

    monkeypatch.setattr(scratchdl.course.hints, "SEEN_FILE", tmp_path / "hints.json")
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


# --- files that do not load, endless bodies, prints and pipes, from the command line -----------


def test_a_file_that_does_not_parse_blocks_only_its_own_exercises(tmp_path):
    course = copy_course(tmp_path)
    set_body(course, "1.1", reference_body("1.1"))
    path = course / "scratchdl" / "activations.py"
    path.write_text(path.read_text().replace('    raise ExerciseTodo("2.3")', "    return np.tanh(z"))
    line = 1 + next(i for i, text in enumerate(path.read_text().splitlines()) if "return np.tanh(z" in text)

    result = run(course, "check", "1.1")
    assert result.returncode == 0, result.stderr
    result = run(course, "check", "2.1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"✗ scratchdl/activations.py, line {line}: '(' was never closed"
    assert len(result.stderr.strip().splitlines()) == 3, result.stderr

    rows = {r["id"]: r for r in progress_json(course)}
    assert rows["1.1"]["state"] == "passing"
    assert {rows[f"2.{n}"]["state"] for n in range(1, 10)} == {"cannot load"}
    assert rows["2.5"]["line"] == line and rows["2.5"]["file"] == "scratchdl/activations.py"
    text = run(course, "progress").stdout
    assert f"! scratchdl/activations.py, line {line}: '(' was never closed: fix it and save" in text

    result = run(course, "hint", "2.3")
    assert result.returncode == 0 and "was never closed" in result.stdout and "Hint 1 of" in result.stdout


@pytest.mark.parametrize("change, message", [
    (('@exercise("2.5")\n', ""), r'`relu` has lost its line @exercise\("2\.5"\): put it back'),
    (("def relu(z):", "def rectify(z):"), r"exercise 2\.5 must be called `relu` .*here it is `rectify`"),
    (("def relu(z):", "def relu(z)"), r"line \d+: expected ':'"),
    (("import numpy as np\n", "import numpy as np\nimport not_a_package\n"), r"ModuleNotFoundError: No module named 'not_a_package'"),
])
def test_a_broken_exercise_file_is_named_with_what_broke_it(tmp_path, change, message):
    course = copy_course(tmp_path)
    path = course / "scratchdl" / "activations.py"
    old, new = change
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    rows = {r["id"]: r for r in progress_json(course)}
    assert rows["2.1"]["state"] == "cannot load" and re.search(message, rows["2.1"]["detail"]), rows["2.1"]
    assert rows["1.1"]["state"] == "not started", "the other files are unaffected"
    result = run(course, "check", "2.5")
    assert result.returncode == 1 and re.search(message, result.stderr) and "Traceback" not in result.stderr


def test_an_endless_body_times_out_and_progress_goes_on(tmp_path):
    course = copy_course(tmp_path)
    set_body(course, "2.1", reference_body("2.1"))
    set_body(course, "2.5", "while True:\n    pass")
    result = run(course, "check", "2.5", "--timeout", "1")
    assert result.returncode == 1
    assert re.match(r"✗ Exercise 2\.5 relu: the check was stopped after 1 s at scratchdl/activations\.py line \d+: "
                    r"`(while True:|pass)`", result.stderr), result.stderr
    env_run = run(course, "progress", "--json", "--chapter", "2", env={"SCRATCHDL_CHECK_TIMEOUT": "1"})
    states = {r["id"]: r["state"] for r in json.loads(env_run.stdout)}
    assert states["2.1"] == "passing" and states["2.5"] == "failing"


def test_prints_in_a_body_keep_progress_json_valid_and_come_after_the_verdict(tmp_path):
    course = copy_course(tmp_path)
    set_body(course, "2.5", 'for i in range(60000):\n    print("debug", i)\nreturn np.maximum(z, 0)')
    rows = progress_json(course, "--chapter", "2")  # json.loads would fail on a single stray line
    assert {r["id"]: r["state"] for r in rows}["2.5"] == "passing"
    result = run(course, "check", "2.5")
    assert result.returncode == 0
    out = result.stdout
    assert out.index("✓ Exercise 2.5 relu passed.") < out.index("Your code printed") and "| debug 0" in out
    assert len(out.splitlines()) < 20


def test_a_closed_pipe_is_not_a_traceback(fresh):
    # `progress | head -1`: the reader is gone before progress writes (here: closed at once).
    for args in (["progress", "--all"], ["hint", "2.1"], ["progress", "--json"]):
        proc = subprocess.Popen([sys.executable, "-m", "scratchdl", *args], cwd=fresh, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(fresh)})
        proc.stdout.close()
        assert proc.wait(timeout=300) == 1
        assert proc.stderr.read() == "", f"{args}: nothing on stderr, no BrokenPipeError traceback"


def test_a_bad_mode_is_one_line_and_not_the_learners_fault(fresh):
    result = run(fresh, "check", "2.1", mode="bogus")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: the environment variable SCRATCHDL_MODE must be one of learner, "
                                     "reference, fill; got 'bogus'. Unset it, or choose in a cell: "
                                     'scratchdl.set_mode("learner")')


def test_hints_in_a_terminal_remember_the_level(tmp_path):
    course = copy_course(tmp_path)
    assert "Hint 1 of 2" in run(course, "hint", "5.2").stdout
    assert "Hint 2 of 2" in run(course, "hint", "5.2").stdout
    assert "Hint 2 of 2" in run(course, "hint", "5.2").stdout, "the last one again"
    both = run(course, "hint", "5.4", "--all").stdout
    assert both.index("Hint 1 of 2") < both.index("Hint 2 of 2")


def test_the_command_line_works_from_the_folder_above_the_course(tmp_path):
    # A hub's terminal opens in the home folder, where nbgitpuller put the course in ~/scratchdl:
    # there `python -m scratchdl` finds the clone (a folder without __init__.py) before the
    # package inside it. The clone's own __main__.py must hand over to that copy's package.
    home = tmp_path / "home"
    course = copy_course(home / "scratchdl")
    shutil.copy(COURSE_DIR / "__main__.py", course)
    set_body(course, "1.1", reference_body("1.1"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_") and k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-m", "scratchdl", "progress", "--json", "--chapter", "1"],
                            cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    states = {r["id"]: r["state"] for r in json.loads(result.stdout)}
    # 1.1 passes only in the copy: this checkout's scratchdl/ holds stubs or someone else's work.
    assert states == {"1.1": "passing", "1.2": "not started", "1.3": "not started", "1.4": "not started"}
