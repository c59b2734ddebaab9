"""A learner's session in a real Jupyter kernel: setup cell, check, edit a file, check again.

The kernel runs in a copy of the course (reset to stubs) whose package is *not* installed, as on
a JupyterHub after nbgitpuller: the setup cell must find scratchdl next to chapters/, and an edit
saved to scratchdl/ must be picked up by the next cell without a restart.
"""

import pytest

from course_copy import reference_body, set_body
from kernel import Kernel, learner_course, setup_cell


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    env = learner_course(root)
    kernel = Kernel(root / "chapters", env)
    yield root, kernel
    kernel.stop()


def test_a_learner_session_from_setup_to_a_passing_check(session):
    root, kernel = session
    out, error = kernel.run(setup_cell(root, 1))
    assert error is None, out
    assert f"from {root / 'scratchdl'}" in out, "the setup cell must use the course next to chapters/"
    assert "mode: learner" in out

    out, error = kernel.run('check("1.1")')
    assert error == "ExerciseTodo" and "Write its body in scratchdl/initializers.py" in out
    assert "Traceback" not in out, "a stub shows its message, not a traceback"

    set_body(root, "1.1", "return rng.normal(0.0, std ** 2, size=(fan_in, fan_out))")
    out, error = kernel.run('check("1.1")')
    assert error == "CheckFailed", out
    assert "the spread is std**2 - the variance, or std applied twice" in out

    set_body(root, "1.1", reference_body("1.1"))
    out, error = kernel.run('check("1.1")')
    assert error is None and "✓ Exercise 1.1 small_normal passed" in out, out
    assert "judged the reference" not in out

    out, error = kernel.run("print(scratchdl.progress(chapter=1))")
    assert "✓ 1.1" in out and "· 1.2" in out


def test_skipping_ahead_from_a_cell_shows_one_quiet_notice(session):
    root, kernel = session
    kernel.run(setup_cell(root, 1))
    out, error = kernel.run(
        'scratchdl.use_reference("1.2")\n'
        "from scratchdl.initializers import xavier_normal\n"
        "print(xavier_normal(2, 3, np.random.default_rng(0)).shape)\n"
        "print(xavier_normal(4, 5, np.random.default_rng(0)).shape)"
    )
    assert error is None, out
    assert out.index("(2, 3)") < out.index("(4, 5)") < out.index(
        "[scratchdl] the reference solution ran for 1.2 xavier_normal (you asked for it; mode reference)"
    ), "one line, at the end of the cell"
    assert out.count("[scratchdl]") == 1
    out, error = kernel.run('scratchdl.use_learner()\nxavier_normal(2, 3, np.random.default_rng(0))')
    assert error == "ExerciseTodo"


def test_the_hint_and_solution_helpers_work_in_the_kernel(session):
    root, kernel = session
    out, error = kernel.run('hint("1.3")\nhint("1.3")\nshow_solution("1.3")')
    assert error is None, out
    assert "Hint 1 of 2" in out and "Hint 2 of 2" in out and "def xavier_uniform" in out
