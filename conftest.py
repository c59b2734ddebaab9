"""Test settings for the whole suite (tests/ and the notebooks in chapters/): whose code runs, and the maintainers-only checks.

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
