"""A learner's session in a real Jupyter kernel: setup cell, check, edit a file, check again.

The kernel runs in a copy of the course (reset to stubs) whose package is *not* installed, as on
a JupyterHub after nbgitpuller: the setup cell must find scratchdl next to chapters/, and an edit
saved to scratchdl/ must be picked up by the next cell without a restart.
"""

import json
import os
import shutil

import pytest
from jupyter_client.manager import start_new_kernel

from course_copy import COURSE_DIR, copy_course, reference_body, set_body

# Run in the kernel before anything else: forget that scratchdl is pip-installed (editable).
HIDE_INSTALLED_PACKAGE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(getattr(f, "__module__", "")).lower()]
for name in [m for m in sys.modules if m == "scratchdl" or m.startswith("scratchdl.")]:
    del sys.modules[name]
"""


class Kernel:
    def __init__(self, cwd, env):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)

    def run(self, code):
        """Run a cell; return (text of stdout and stderr and displays, error name or None)."""
        texts, errors = [], []

        def collect(message):
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(content["data"].get("text/plain", ""))
            elif kind == "error":
                errors.append(content["ename"])
                texts.append("\n".join(content["traceback"]))

        self.client.execute_interactive(code, output_hook=collect, timeout=120)
        return "".join(texts), (errors[0] if errors else None)

    def stop(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    root = copy_course(tmp_path_factory.mktemp("hub"))
    shutil.copytree(COURSE_DIR / "chapters", root / "chapters",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-not-installed.py").write_text(HIDE_INSTALLED_PACKAGE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_") and k != "PYTHONPATH"}
    env.update(IPYTHONDIR=str(root / "ipython"), MPLBACKEND="Agg", SCRATCHDL_MODE="learner")
    kernel = Kernel(root / "chapters", env)
    yield root, kernel
    kernel.stop()


def first_code_cell(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def test_a_learner_session_from_setup_to_a_passing_check(session):
    root, kernel = session
    out, error = kernel.run(first_code_cell(root / "chapters" / "01_init.ipynb"))
    assert error is None, out
    assert f"from {root / 'scratchdl'}" in out, "the setup cell must use the course next to chapters/"
    assert "mode: learner" in out

    out, error = kernel.run('check("1.1")')
    assert error == "ExerciseTodo" and "Write its body in scratchdl/initializers.py" in out
    assert "Traceback" not in out, "a stub shows its message, not a traceback"

    set_body(root, "1.1", "return rng.normal(0.0, std ** 2, size=(fan_in, fan_out))")
    out, error = kernel.run('check("1.1")')
    assert error == "CheckFailed", out
    assert "you used std**2 (the variance) as the standard deviation" in out

    set_body(root, "1.1", reference_body("1.1"))
    out, error = kernel.run('check("1.1")')
    assert error is None and "✓ Exercise 1.1 small_normal passed" in out, out
    assert "judged the reference" not in out

    out, error = kernel.run("print(scratchdl.progress(chapter=1))")
    assert "✓ 1.1" in out and "· 1.2" in out


def test_skipping_ahead_from_a_cell_shows_a_notice(session):
    root, kernel = session
    kernel.run(first_code_cell(root / "chapters" / "01_init.ipynb"))
    out, error = kernel.run(
        'scratchdl.use_reference("1.2")\n'
        "from scratchdl.initializers import xavier_normal\n"
        "print(xavier_normal(2, 3, np.random.default_rng(0)).shape)"
    )
    assert error is None, out
    assert "(2, 3)" in out
    assert "[scratchdl] the reference solution ran for 1.2 xavier_normal (you asked for it; mode reference)" in out
    out, error = kernel.run('scratchdl.use_learner()\nxavier_normal(2, 3, np.random.default_rng(0))')
    assert error == "ExerciseTodo"


def test_the_hint_and_solution_helpers_work_in_the_kernel(session):
    root, kernel = session
    out, error = kernel.run('hint("1.3")\nhint("1.3")\nshow_solution("1.3")')
    assert error is None, out
    assert "Hint 1 of 2" in out and "Hint 2 of 2" in out and "def xavier_uniform" in out

