"""Test settings for the whole suite (tests/ and the chapters' folders): whose code runs, the
maintainers-only checks, and every exercise's check as a test of its own.

    python -m pytest                      the whole suite, on the reference solutions (as in CI)
    python -m pytest --mode learner       only the exercise checks, on your own code (what
                                          `progress` reports); the rest of the suite tests the
                                          course itself and needs the reference
    python -m pytest --shipped            also check that scratchdl/ ships only stubs
                                          (on automatically when the environment has CI set)
"""

import os
import sys
from pathlib import Path

import pytest

# Helpers shared by the course's tests (tests/) and the chapters' (chapters/NN_name/): judging,
# kernel, course_copy, readable, chapter_files.
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

from scratchdl.course.exercises import COURSE_DIR, MODES  # noqa: E402


def pytest_addoption(parser):
    group = parser.getgroup("scratchdl")
    group.addoption(
        "--mode",
        choices=MODES,
        help="whose code the exercise tests and notebooks run: reference (default), learner or fill",
    )
    group.addoption(
        "--shipped",
        action="store_true",
        help="also check that the shipped scratchdl/ holds stubs only (on when $CI is set)",
    )


def pytest_configure(config):
    mode = config.getoption("--mode") or os.environ.get("SCRATCHDL_MODE") or "reference"
    # The environment reaches this process and the notebook kernels that nbval starts.
    os.environ["SCRATCHDL_MODE"] = mode
    os.environ.setdefault("MPLBACKEND", "Agg")
    # MNIST: the verified copy beside the course (as in CI), unless a folder is named already.
    shared = COURSE_DIR.parent / "shared" / "data" / "mnist"
    if "SCRATCHDL_DATA" not in os.environ and shared.is_dir():
        os.environ["SCRATCHDL_DATA"] = str(shared)
    config.addinivalue_line("markers", "shipped: checks the course as shipped (stubs only)")
    config.addinivalue_line("markers", "judges_exercises: runs an exercise's check on the selected code")
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (-m 'not browser' leaves it out)")


def shipped_checks_on(config):
    return config.getoption("--shipped") or bool(os.environ.get("CI"))


def pytest_report_header(config):
    shipped = "on" if shipped_checks_on(config) else "off (--shipped or CI=true turns it on)"
    mode = os.environ["SCRATCHDL_MODE"]
    scope = "the whole suite" if mode == "reference" else "only the exercise checks"
    return [
        f"scratchdl: mode '{mode}', {scope} (--mode learner judges your own exercises)",
        f"scratchdl: check that scratchdl/ ships stubs only: {shipped}",
    ]


def pytest_collection_modifyitems(config, items):
    def unwanted(item):
        # A learner's run judges their exercises only: the other tests are about the course
        # itself (its checks, demos and notebooks) and expect the reference solutions.
        if os.environ["SCRATCHDL_MODE"] != "reference" and not item.get_closest_marker("judges_exercises"):
            return True
        # The "shipped stubs only" tests would fail on a learner's (correct) work.
        return item.get_closest_marker("shipped") and not shipped_checks_on(config)

    deselected = [item for item in items if unwanted(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not unwanted(item)]


def pytest_terminal_summary(terminalreporter, config):
    folder = getattr(config, "scratchdl_browser_artifacts", None)  # set by tests/test_browser.py
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")


class ChapterChecks(pytest.File):
    """A chapter's checks.py: one test per exercise, running its check on the selected code.

    So `pytest chapters/04_loss` runs that chapter's checks too, beside its tests and notebook.
    """

    def collect(self):
        from scratchdl.course.chapters import chapter_of_folder

        chapter = chapter_of_folder(self.path.parent)
        for exercise_id, target in (chapter.exercises.items() if chapter else ()):
            item = ExerciseCheck.from_parent(self, name=f"{exercise_id} {target.split('.', 1)[1]}")
            item.exercise_id = exercise_id
            item.add_marker("judges_exercises")
            yield item


class ExerciseCheck(pytest.Item):
    def runtest(self):
        from scratchdl.course.checks import run_check

        run_check(self.exercise_id)

    def repr_failure(self, excinfo):
        return str(excinfo.value)  # the check's own message: it says what is wrong

    def reportinfo(self):
        return self.path, None, f"check {self.exercise_id}"


def _chapter_checks(path):
    return path.name == "checks.py" and path.parent.parent.name == "chapters"


def pytest_collect_file(file_path, parent):
    # A checks.py named on the command line comes through pytest_pycollect_makemodule instead.
    if _chapter_checks(file_path) and not parent.session.isinitpath(file_path):
        return ChapterChecks.from_parent(parent, path=file_path)


def pytest_pycollect_makemodule(module_path, parent):
    if _chapter_checks(module_path):
        return ChapterChecks.from_parent(parent, path=module_path)


def pytest_ignore_collect(collection_path, config):
    # A learner's run judges their exercises only: the tests of the course itself (and its
    # notebooks) expect the reference solutions, and some build layers as they are imported.
    if os.environ.get("SCRATCHDL_MODE", "reference") != "reference" and collection_path.is_file():
        return not _chapter_checks(collection_path)
    return None
