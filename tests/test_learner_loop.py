"""The learner's loop - edit, save, check - in one real kernel that stays up, for every exercise.

A copy of the course starts with every exercise a stub. For each exercise, in course order, the
learner saves a wrong body (one that uses the module's `np`), checks, then saves the reference
body and checks again; later they save a syntax error, an endless loop and a body full of
prints. Each check must judge what is in the file now, never print a reload traceback, and never
need a restart. CI runs the edit-save-check part on the newest IPython the package allows and,
in a second environment, on the oldest (.ci/run).
"""

import re
import textwrap

import pytest

from course_copy import reference_body, set_body
from kernel import RELOAD_TROUBLE, Kernel, learner_course, setup_cell
from scratchdl.course.loader import load_exercises

EXERCISES = list(load_exercises().values())
IDS = [f"{ex.id} {ex.name}" for ex in EXERCISES]
# Wrong, and using a module global: IPython 9's reloader ran such bodies with the wrong globals.
WRONG = "return np.full(3, np.nan)  # wrong on purpose"


def no_reload_trouble(out):
    trouble = [t for t in RELOAD_TROUBLE if t in out]
    assert not trouble, f"the cell showed {trouble}:\n{out}"


def start(tmp_path_factory, name, before_setup=""):
    root = tmp_path_factory.mktemp(name)
    env = learner_course(root)
    kernel = Kernel(root / "chapters", env)
    out, error = kernel.run(before_setup + setup_cell(root, 1))
    assert error is None, out
    return root, kernel


@pytest.fixture(scope="module")
def learner(tmp_path_factory):
    root, kernel = start(tmp_path_factory, "learner")
    yield root, kernel
    kernel.stop()


@pytest.fixture(scope="module")
def old_habits(tmp_path_factory):
    """A kernel set up the way the course's notebooks used to be: with IPython's autoreload on."""
    root, kernel = start(tmp_path_factory, "autoreload", "%load_ext autoreload\n%autoreload 2\n")
    yield root, kernel
    kernel.stop()


def edit_save_check(root, kernel, ex):
    set_body(root, ex.id, WRONG)
    out, error = kernel.run(f'check("{ex.id}")')
    assert error == "CheckFailed", out
    assert out.startswith(f"✗ Exercise {ex.id} {ex.name}"), out
    no_reload_trouble(out)
    set_body(root, ex.id, reference_body(ex.id))
    out, error = kernel.run(f'check("{ex.id}")')
    assert error is None and f"✓ Exercise {ex.id} {ex.name} passed." in out, out
    assert "judged the reference" not in out
    no_reload_trouble(out)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_edit_save_check_judges_the_saved_code(learner, ex):
    edit_save_check(*learner, ex)


def test_after_every_exercise_progress_agrees(learner):
    out, error = learner[1].run("print(scratchdl.progress())")
    assert error is None and out.startswith(f"{len(EXERCISES)} of {len(EXERCISES)} exercises passing"), out


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_edit_save_check_with_ipythons_autoreload_on(old_habits, ex):
    # The course tells autoreload to leave the learner's files alone (%aimport -...).
    edit_save_check(*old_habits, ex)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_a_file_that_does_not_parse_is_reported_and_never_judged(learner, ex):
    root, kernel = learner
    path = root / ex.path
    good = path.read_text()
    set_body(root, ex.id, "value = np.zeros((2, 3)\nreturn value")
    line = 1 + next(i for i, text in enumerate(path.read_text().splitlines()) if "value = np.zeros((2, 3)" in text)
    out, error = kernel.run(f'check("{ex.id}")')
    assert error == "CannotLoad", out
    assert out.startswith(f"✗ {ex.path}, line {line}: '(' was never closed"), out
    assert "Fix it and save: nothing in" in out and "passed" not in out
    assert len(out.strip().splitlines()) <= 3, out
    other = next(e for e in EXERCISES if e.path != ex.path)
    out, error = kernel.run(f'check("{other.id}")')
    assert error is None and "passed" in out, "the other files keep working"
    path.write_text(good)
    out, error = kernel.run(f'check("{ex.id}")')
    assert error is None and f"✓ Exercise {ex.id} {ex.name} passed." in out, out
    no_reload_trouble(out)


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_an_endless_body_is_stopped_with_its_line(learner, ex):
    root, kernel = learner
    set_body(root, ex.id, "count = 0\nwhile True:\n    count += 1")
    out, error = kernel.run(f'check("{ex.id}", timeout=1)')
    assert error == "CheckFailed", out
    assert re.match(rf"✗ Exercise {re.escape(ex.id)} {re.escape(ex.name)}: the check was stopped after 1 s "
                    rf"at {re.escape(ex.path)} line \d+: `(while True:|count \+= 1)`", out), out
    set_body(root, ex.id, reference_body(ex.id))


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_what_a_body_prints_comes_after_the_verdict_cut_short(learner, ex):
    root, kernel = learner
    set_body(root, ex.id, 'for i in range(2000):\n    print("debug", i)\n' + textwrap.dedent(reference_body(ex.id)))
    out, error = kernel.run(f'check("{ex.id}")')
    assert error is None, out
    assert out.index(f"✓ Exercise {ex.id}") < out.index("Your code printed"), "the verdict comes first"
    assert "| debug 0" in out and "| debug 5" not in out and "more. (Remove the print calls" in out
    assert len(out.splitlines()) < 20, out
    set_body(root, ex.id, reference_body(ex.id))


# --- once each: a broken file in a fresh kernel, removed decorators, stops, skipping ahead ----------


def write_chapter(root, number):
    """Paste the reference body of every exercise of a chapter, as a learner who is done would."""
    for ex in EXERCISES:
        if ex.chapter == number:
            set_body(root, ex.id, reference_body(ex.id))


def break_file(root, relative, old, new):
    path = root / relative
    good = path.read_text()
    assert old in good
    path.write_text(good.replace(old, new, 1))
    return lambda: path.write_text(good)


def test_a_fresh_kernel_with_a_broken_file_still_sets_up_and_checks_the_others(tmp_path):
    env = learner_course(tmp_path)
    set_body(tmp_path, "1.1", reference_body("1.1"))
    restore = break_file(tmp_path, "scratchdl/activations.py", '    raise ExerciseTodo("2.3")', "    return np.tanh(z")
    kernel = Kernel(tmp_path / "chapters", env)
    try:
        out, error = kernel.run(setup_cell(tmp_path, 2))
        assert error is None, out
        assert re.search(r"✗ scratchdl/activations\.py, line \d+: '\(' was never closed", out), out
        out, error = kernel.run('check("1.1")')
        assert error is None and "passed" in out, "exercises in other files keep working"
        out, error = kernel.run('check("2.1")')
        assert error == "CannotLoad" and "Traceback" not in out, out
        out, error = kernel.run("print(scratchdl.progress(2))")
        assert error is None and "9 cannot load" in out.splitlines()[0], out
        assert re.search(r"! 2\.3 +tanh +scratchdl/activations\.py:\d+ +cannot load", out), out
        out, error = kernel.run('hint("2.3")')
        assert error is None and "was never closed" in out and "Hint 1 of" in out, out
        out, error = kernel.run("from scratchdl.layers import Dense\nDense")
        assert error is None, "modules that import the broken one still import"
        restore()
        set_body(tmp_path, "2.3", reference_body("2.3"))
        out, error = kernel.run('check("2.3")')
        assert error is None and "✓ Exercise 2.3 tanh passed." in out, out
    finally:
        kernel.stop()


def test_a_removed_decorator_and_a_renamed_function_are_named(learner):
    root, kernel = learner
    write_chapter(root, 2)
    restore = break_file(root, "scratchdl/activations.py", '@exercise("2.5")\n', "")
    out, error = kernel.run('check("2.6")')
    assert error == "CannotLoad"
    assert re.match(r"✗ scratchdl/activations\.py, line \d+: `relu` has lost its line @exercise\(\"2\.5\"\)", out), out
    restore()
    restore = break_file(root, "scratchdl/activations.py", "def relu(z):", "def my_relu(z):")
    out, error = kernel.run('check("2.5")')
    assert error == "CannotLoad"
    assert "exercise 2.5 must be called `relu` (the course calls it by that name); here it is `my_relu`" in out, out
    restore()
    out, error = kernel.run('check("2.5")')
    assert error is None, out


def test_the_stop_button_during_a_check_gives_one_line(learner):
    import threading
    import time

    root, kernel = learner
    set_body(root, "2.2", "import time\nwhile True:\n    time.sleep(0.01)")
    threading.Timer(2.0, kernel.interrupt).start()
    started = time.perf_counter()
    out, error = kernel.run('check("2.2", timeout=60)')
    assert time.perf_counter() - started < 30
    assert error == "CheckInterrupted", out
    assert re.fullmatch(r"✗ Exercise 2\.2 sigmoid_derivative: the check was stopped before it finished at "
                        r"scratchdl/activations\.py line \d+: `time\.sleep\(0\.01\)`\.\n", out), out
    set_body(root, "2.2", reference_body("2.2"))


def test_progress_goes_on_past_a_check_that_runs_out_of_time(learner):
    root, kernel = learner
    write_chapter(root, 2)
    for exercise_id in ("2.3", "2.5"):
        set_body(root, exercise_id, "while True:\n    pass")
    out, error = kernel.run('import os\nos.environ["SCRATCHDL_CHECK_TIMEOUT"] = "1"\nprint(scratchdl.progress(2))')
    kernel.run('del os.environ["SCRATCHDL_CHECK_TIMEOUT"]')
    assert error is None, out
    assert out.splitlines()[0] == "7 of 9 exercises passing · 2 failing", out
    assert out.count("the check was stopped after 1 s") == 2
    for exercise_id in ("2.3", "2.5"):
        set_body(root, exercise_id, reference_body(exercise_id))


def test_bad_calls_get_one_line_and_change_nothing(learner):
    root, kernel = learner
    write_chapter(root, 2)
    for call, message in [
        ("scratchdl.use_reference(42)", "✗ there is no chapter 42; the chapters are 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"),
        ("check(2.1)", '✗ write the exercise id as text, in quotes: "2.1" rather than 2.1 (as a number, '
         "8.10 and 8.1 are the same)"),
        ('scratchdl.set_mode("refrence")', "✗ mode must be one of learner, reference, fill; got 'refrence'"),
        ('hint("2.1", level=7)', "✗ exercise 2.1 has hints 1 to 2; got level=7"),
    ]:
        out, error = kernel.run(call)
        assert error is not None and out.strip() == message, out
    out, error = kernel.run('check("2.1")')
    assert error is None and "judged the reference" not in out, "nothing changed"


def test_a_bad_mode_in_the_environment_is_one_line_and_the_setup_cell_still_works(tmp_path):
    env = learner_course(tmp_path)
    env["SCRATCHDL_MODE"] = "bogus"
    kernel = Kernel(tmp_path / "chapters", env)
    try:
        out, error = kernel.run(setup_cell(tmp_path, 1))
        assert error is None, out
        assert "✗ the environment variable SCRATCHDL_MODE must be one of learner, reference, fill; got 'bogus'" in out
        out, error = kernel.run('check("1.1")')
        assert error == "UsageError" and out.count("\n") == 1 and "SCRATCHDL_MODE" in out, out
        out, error = kernel.run('scratchdl.set_mode("learner")\ncheck("1.1")')
        assert error == "ExerciseTodo", "check is defined, and set_mode overrides the environment"
    finally:
        kernel.stop()


def test_chapter_6_with_nothing_written_says_how_to_skip_ahead_then_runs_in_fill_mode(tmp_path):
    env = learner_course(tmp_path)
    kernel = Kernel(tmp_path / "chapters", env)
    try:
        out, error = kernel.run(setup_cell(tmp_path, 6))
        assert error is None and "exercises of earlier chapters are not written yet" in out, out
        cell = ("from scratchdl.network import Network\nfrom scratchdl.training import fit\n"
                "net = Network.from_architecture([{'input_dim': 2, 'output_dim': 4, 'activation': 'tanh'},"
                " {'input_dim': 4, 'output_dim': 1, 'activation': 'sigmoid'}], np.random.default_rng(0),"
                " loss='binary_cross_entropy')")
        out, error = kernel.run(cell)
        assert error == "ExerciseTodo", out
        assert "This cell needs exercise" in out and 'scratchdl.set_mode("fill")' in out
        assert re.search(r"chapter 1: 1\.1 small_normal, 1\.2 xavier_normal", out), "one message lists them"
        out, error = kernel.run('scratchdl.set_mode("fill")\n' + cell + "\n"
                                "X = np.random.default_rng(1).normal(size=(64, 2)); y = (X[:, 0] > 0).astype(int)\n"
                                "history = fit(net, X, y, epochs=3, batch_size=16, optimizer='sgd', rng=0, verbose=0)\n"
                                "print('trained', len(history['loss']))")
        assert error is None, out
        notice = [line for line in out.splitlines() if line.startswith("[scratchdl]")]
        assert len(notice) == 1 and out.rstrip().endswith(notice[0]), "one quiet line, at the end of the cell"
        assert "6.1 minibatches" in notice[0] and "not written yet; mode fill" in notice[0]
        assert out.index("trained 3") < out.index(notice[0])
    finally:
        kernel.stop()
