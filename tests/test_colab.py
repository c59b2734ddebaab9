"""Colab, simulated: a notebook opened alone, the course put into Google Drive by its setup cell.

What Colab gives a notebook opened from GitHub is reproduced here: a folder (/content) holding
only that notebook, a kernel whose working folder it is, a `google.colab` whose `drive.mount`
makes a stand-in Drive folder, and the course's colab.py fetched over HTTP (from 127.0.0.1) by
the unchanged setup cell. The course is cloned from a local git repository, and the package is
not installed in the kernel's view, as in Colab.

What cannot be simulated: Colab's own front end. That widgets render there rests on Colab's
custom widget manager, which colab.py turns on, and on anywidget adding the manager's address to
its widgets' output in Colab (read in anywidget's source, checked here against the stand-in).
"""

import functools
import http.server
import importlib.util
import json
import shutil
import subprocess
import threading

import pytest

from course_copy import COURSE_DIR, reference_body, set_body
from kernel import Kernel, learner_course

COLAB_URL = "https://raw.githubusercontent.com/scratchdl/scratchdl/main/chapters/colab.py"

# google.colab as far as the course uses it. mount() makes MyDrive (or refuses, if told to);
# every call is written to calls.txt beside the package, for the test to read.
FAKE_COLAB = {
    "google/__init__.py": "",
    "google/colab/__init__.py": "",
    "google/colab/drive.py": '''
import os
from pathlib import Path
def mount(path):
    (Path(__file__).parents[2] / "calls.txt").open("a").write(f"mount {path}\\n")
    if os.environ.get("FAKE_DRIVE_REFUSED"):
        raise ValueError("mount failed: the credential was not granted")
    (Path(path) / "MyDrive").mkdir(parents=True, exist_ok=True)
''',
    "google/colab/output.py": '''
from pathlib import Path
class _widgets:
    _installed_url = "https://colab.example/custom-widget-manager.js"
def enable_custom_widget_manager():
    (Path(__file__).parents[2] / "calls.txt").open("a").write("enable_custom_widget_manager\\n")
''',
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """(make_vm, origin, drive, calls): make_vm(chapter) gives a fresh /content with that chapter's
    notebook alone and a kernel there; origin is the course's git repository."""
    root = tmp_path_factory.mktemp("colab")
    origin = root / "origin"
    env = learner_course(origin)  # the shipped stubs, with solutions, the package hidden
    shutil.copy(COURSE_DIR / "pyproject.toml", origin)
    git = ["git", "-C", str(origin), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "chapters", "scratchdl", "solutions", "pyproject.toml"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "course"], check=True)
    for name, text in FAKE_COLAB.items():
        (root / "fake" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "fake" / name).write_text(text)
    handler = functools.partial(QuietHandler, directory=str(origin))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local_url = f"http://127.0.0.1:{server.server_address[1]}/chapters/colab.py"
    drive = root / "drive"
    env.update(PYTHONPATH=str(root / "fake"), SCRATCHDL_COLAB_DRIVE=str(drive),
               SCRATCHDL_COLAB_REPO=f"file://{origin}")
    kernels = []

    def make_vm(folder, **extra):
        content = root / f"content-{len(kernels)}"
        content.mkdir()
        notebook = json.loads((COURSE_DIR / "chapters" / folder / f"{folder}.ipynb").read_text())
        cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
        source = "".join(cell["source"])
        assert COLAB_URL in source, "the setup cell fetches colab.py from the course's repository"
        (content / f"{folder}.ipynb").write_text(json.dumps(notebook))
        kernels.append(Kernel(content, {**env, **extra}))
        return content, kernels[-1], source.replace(COLAB_URL, local_url)

    yield make_vm, origin, drive, root / "fake" / "calls.txt"
    server.shutdown()
    for kernel in kernels:
        kernel.stop()


def test_the_setup_cell_puts_the_course_in_drive_and_a_second_chapter_reuses_it(colab):
    make_vm, origin, drive, calls = colab
    course = drive / "MyDrive" / "scratchdl"

    content, kernel, setup = make_vm("01_init")
    out, error = kernel.run(setup)
    assert error is None, out
    assert "Copying the course into" in out and (course / "chapters" / "setup.py").exists()
    assert f"from {course / 'scratchdl'}" in out, "the package must come from the copy in Drive"
    assert "Chapter 1 · " in out and "mode: learner" in out
    assert out.count("Your files are in your Google Drive") == 1, "said once, at the start"
    out, _ = kernel.run("import os; print(os.getcwd())")
    assert out.strip() == str(course / "chapters" / "01_init")
    assert "Installing" not in out, "nothing is missing here, so nothing is installed"
    assert calls.read_text().splitlines()[:2] == [f"mount {drive}", "enable_custom_widget_manager"]

    # The learner writes 1.1 in the Drive copy (Colab's file browser edits it there) and checks it.
    set_body(course, "1.1", reference_body("1.1"))
    out, error = kernel.run('check("1.1")')
    assert error is None and "✓ Exercise 1.1 small_normal passed" in out, out

    # Draw-a-digit in Colab: anywidget adds Colab's widget manager to the canvas's output.
    out, error = kernel.run(
        "from scratchdl.tools.draw import DigitCanvas\n"
        "data, metadata = DigitCanvas()._repr_mimebundle_()\n"
        "print(metadata)")
    assert error is None and "custom-widget-manager.js" in out, out

    # A new session (a new VM, /content empty but for chapter 2's notebook): the same Drive copy,
    # with the learner's 1.1 in it, and no second clone (the repository given cannot be cloned).
    content, kernel, setup = make_vm("02_activations", SCRATCHDL_COLAB_REPO="file:///nonexistent/course")
    out, error = kernel.run(setup)
    assert error is None, out
    assert f"Your copy of the course: {course}" in out and "Copying" not in out
    assert "Chapter 2 · " in out
    assert "Your files are in your Google Drive" not in out, "already said in chapter 1"
    out, error = kernel.run('check("1.1")')
    assert error is None and "passed" in out, "chapter 2 sees the code written in chapter 1"


def test_without_drive_the_course_still_runs_and_says_its_files_are_temporary(colab):
    make_vm, _, _, _ = colab
    content, kernel, setup = make_vm("01_init", FAKE_DRIVE_REFUSED="1")
    out, error = kernel.run(setup)
    assert error is None, out
    assert "Google Drive is not connected" in out and "Colab deletes when this session ends" in out
    assert f"from {content / 'scratchdl' / 'scratchdl'}" in out
    assert "scratchdl.export()" in out, "it says how to keep the work"
    assert "Your files are temporary: Colab deletes them with this session" in out


def test_a_folder_in_the_way_or_an_unreachable_course_is_one_line(colab):
    make_vm, _, drive, _ = colab
    content, kernel, setup = make_vm("01_init", SCRATCHDL_COLAB_DRIVE=str(drive.with_name("drive2")))
    (drive.with_name("drive2") / "MyDrive" / "scratchdl").mkdir(parents=True)
    (drive.with_name("drive2") / "MyDrive" / "scratchdl" / "notes.txt").write_text("mine")
    out, error = kernel.run(setup)
    assert error == "SetupFailed" and "exists but holds no course" in out and "Traceback" not in out

    content, kernel, setup = make_vm("01_init", SCRATCHDL_COLAB_DRIVE=str(drive.with_name("drive3")),
                                     SCRATCHDL_COLAB_REPO="file:///nonexistent/course")
    out, error = kernel.run(setup)
    assert error == "SetupFailed" and "could not copy the course from file:///nonexistent/course" in out


def load_colab_module():
    spec = importlib.util.spec_from_file_location("colab", COURSE_DIR / "chapters" / "colab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_only_what_colab_lacks_is_installed_and_never_its_kernel():
    colab = load_colab_module()
    have = {"numpy": "2.0.2", "matplotlib": "3.7.1", "ipywidgets": "7.7.1", "ipython": "7.34.0",
            "ipykernel": "5.5.6", "jupyterlab": None}
    wanted = colab.to_install(
        [("numpy", "1.26"), ("matplotlib", "3.8"), ("ipywidgets", "8.1"), ("ipython", "8.0"),
         ("ipykernel", "6.25"), ("jupyterlab", "4.0"), ("anywidget", "0.9")],
        have.get, lambda installed, lowest: tuple(map(int, installed.split("."))) >= tuple(map(int, lowest.split("."))))
    assert wanted == ["matplotlib>=3.8", "ipywidgets>=8.1", "anywidget>=0.9"]
