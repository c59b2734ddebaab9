"""Test settings: whose code the exercise tests judge, and the maintainers-only checks.

    python -m pytest                      judge the reference solutions (the default, as in CI)
    python -m pytest --mode learner       judge your own code (what `progress` reports)
    python -m pytest --shipped            also check that scratchdl/ ships only stubs
                                          (on automatically when the environment has CI set)
"""

import os

import pytest

from scratchdl.exercises import MODES


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
    config.addinivalue_line("markers", "shipped: checks the course as shipped (stubs only)")


def shipped_checks_on(config):
    return config.getoption("--shipped") or bool(os.environ.get("CI"))


def pytest_report_header(config):
    shipped = "on" if shipped_checks_on(config) else "off (--shipped or CI=true turns it on)"
    return [
        f"scratchdl: exercises judged in mode '{os.environ['SCRATCHDL_MODE']}' "
        "(--mode learner judges your own code)",
        f"scratchdl: check that scratchdl/ ships stubs only: {shipped}",
    ]


def pytest_collection_modifyitems(config, items):
    # A learner who has written some exercises runs the same tests; the "shipped stubs only"
    # tests would fail on their (correct) work, so they only run for maintainers and CI.
    if shipped_checks_on(config):
        return
    deselected = [item for item in items if item.get_closest_marker("shipped")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("shipped")]
