"""python -m scratchdl doctor: a healthy setup passes; each broken one is named with its fix."""

import gzip
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scratchdl.course import doctor
from scratchdl.course.exercises import COURSE_DIR

SHARED = Path(os.environ.get("SCRATCHDL_DATA") or COURSE_DIR.parent / "shared" / "data" / "mnist")


def by_name(results):
    return {result.name: result for result in results}


def run_cli(env_changes, cwd=COURSE_DIR):
    env = {**os.environ, **env_changes}
    return subprocess.run([sys.executable, "-m", "scratchdl", "doctor"], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_a_healthy_setup_is_ready():
    done = run_cli({"SCRATCHDL_DATA": str(SHARED)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("ready for the course")
    for name in ["Python", "numpy", "matplotlib", "ipywidgets", "jupyterlab", "scratchdl", "widgets", "MNIST"]:
        assert any(line.startswith(f"✓ {name}:") for line in done.stdout.splitlines()), name


def without_data(env_changes):
    env = {k: v for k, v in os.environ.items() if k != "SCRATCHDL_DATA"}
    return {**env, **env_changes}


def test_missing_mnist_fails_and_says_how_to_fetch_it(tmp_path):
    env = without_data({"SCRATCHDL_CACHE": str(tmp_path)})
    done = subprocess.run([sys.executable, "-m", "scratchdl", "doctor"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "✗ MNIST: not ready" in done.stdout and "fix: python -m scratchdl mnist fetch" in done.stdout
    assert done.stdout.rstrip().endswith("1 thing to fix (see 'fix:' above)")
    assert list(tmp_path.iterdir()) == [], "the doctor only looks: it creates nothing"


def test_a_bad_scratchdl_data_gets_advice_that_works(tmp_path):
    # SCRATCHDL_DATA wins over the cache, so "fetch" alone would not help: the advice says so.
    done = run_cli({"SCRATCHDL_DATA": str(tmp_path / "empty"), "SCRATCHDL_CACHE": str(tmp_path / "cache")})
    assert done.returncode == 1
    assert "unset SCRATCHDL_DATA" in done.stdout, done.stdout
    # Following it: unset the variable, fetch (here from a folder), and the doctor is content.
    env = without_data({"SCRATCHDL_CACHE": str(tmp_path / "cache")})
    fetched = subprocess.run([sys.executable, "-m", "scratchdl", "mnist", "fetch", "--from", str(SHARED)],
                             capture_output=True, text=True, env=env, timeout=120)
    assert fetched.returncode == 0, fetched.stderr
    done = subprocess.run([sys.executable, "-m", "scratchdl", "doctor"], capture_output=True, text=True, env=env, timeout=120)
    assert "✓ MNIST:" in done.stdout, done.stdout


def test_a_corrupt_mnist_file_is_not_passed(tmp_path, monkeypatch):
    for name in os.listdir(SHARED):
        shutil.copy(SHARED / name, tmp_path / name)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + bytes(100)))
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    result = doctor.check_mnist()
    assert result.status == "fail" and "t10k-labels-idx1-ubyte.gz" in result.detail


def test_a_missing_or_old_package_is_named_with_the_command_that_fixes_it(monkeypatch):
    real_version = importlib.metadata.version

    def version(name):
        if name == "ipywidgets":
            raise importlib.metadata.PackageNotFoundError(name)
        return "1.21.0" if name == "numpy" else real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    results = by_name(doctor.run_doctor(COURSE_DIR))
    assert results["ipywidgets"].status == "fail" and results["ipywidgets"].detail == "not installed"
    assert "pip install -e" in results["ipywidgets"].fix
    lowest = dict(doctor.requirements())["numpy"]
    assert results["numpy"].status == "fail"
    assert results["numpy"].detail == f"1.21.0 is older than the {lowest} the course needs"
    assert results["numpy"].fix == f'python -m pip install --upgrade "numpy>={lowest}"'


def test_widgets_without_their_jupyterlab_front_end_fail(monkeypatch):
    real_version = importlib.metadata.version

    def version(name):
        if name == "jupyterlab_widgets":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    result = doctor.check_widgets()
    assert result.status == "fail" and "sliders would show as plain text" in result.detail


def test_the_requirements_are_pyprojects(monkeypatch):
    text = (COURSE_DIR / "pyproject.toml").read_text()
    listed = doctor.requirements()
    assert [name for name, _ in listed] == ["numpy", "matplotlib", "ipywidgets", "jupyterlab", "ipykernel", "ipython", "anywidget"]
    for name, lowest in listed:
        assert f'"{name}>={lowest}"' in text

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "requires", not_installed)  # a clone on a hub, not installed
    assert doctor.requirements() == listed


def test_a_package_imported_from_another_checkout_is_caught(tmp_path):
    other = tmp_path / "course"
    (other / "chapters").mkdir(parents=True)
    (other / "scratchdl").mkdir()
    result = doctor.check_source(other / "chapters")
    assert result.status == "fail"
    assert f"not from this checkout {other.resolve()}" in result.detail
    assert result.fix == f'python -m pip install -e "{other.resolve()}"  (in the environment you run Jupyter from)'
    assert doctor.check_source(COURSE_DIR / "chapters").status in ("ok", "warn")


def test_a_bad_mode_is_caught(monkeypatch):
    monkeypatch.setenv("SCRATCHDL_MODE", "solutions")
    result = doctor.check_mode()
    assert result.status == "fail" and "'solutions'" in result.detail and "learner, reference, fill" in result.detail


def test_a_course_handed_out_without_solutions_is_a_warning_not_a_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_SOLUTIONS", str(tmp_path / "nowhere"))
    assert doctor.check_solutions().status == "warn"


@pytest.mark.parametrize("text, expected", [("1.26.4", (1, 26, 4)), ("2.0rc1", (2, 0)), ("8.1", (8, 1))])
def test_version_tuple(text, expected):
    assert doctor.version_tuple(text) == expected


def test_a_learner_file_that_does_not_load_is_something_to_fix(tmp_path):
    from course_copy import copy_course, run

    course = copy_course(tmp_path)
    path = course / "scratchdl" / "layers.py"
    path.write_text(path.read_text().replace('        raise ExerciseTodo("3.1")', '        return x @ self.params["W"] +'))
    done = run(course, "doctor")
    assert done.returncode == 1
    line = next(line for line in done.stdout.splitlines() if line.startswith("✗ your files:"))
    assert "scratchdl/layers.py, line " in line and "invalid syntax" in line
    assert "fix: fix scratchdl/layers.py and save" in done.stdout
    assert "ready for the course" not in done.stdout


# --- in the browser (JupyterLite): what applies there, and no crash -----------------------------


def in_the_browser(monkeypatch):
    """What the doctor sees in JupyterLite: Pyodide, scratchdl not installed (found in the site's
    folder), and no jupyterlab or ipykernel package (the site is the front end and the kernel)."""
    from scratchdl.course import hosts

    monkeypatch.setattr(doctor, "in_pyodide", lambda: True)
    monkeypatch.setattr(hosts, "in_pyodide", lambda: True)  # what hosts.temporary_files asks
    real = importlib.metadata.version

    def version(name):
        if name in ("jupyterlab", "ipykernel", "jupyterlab_widgets", "scratchdl"):
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    def requires(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    monkeypatch.setattr(importlib.metadata, "requires", requires)


def test_in_the_browser_the_doctor_checks_what_applies_there_and_says_where_files_live(monkeypatch):
    in_the_browser(monkeypatch)
    monkeypatch.setenv("SCRATCHDL_DATA", str(SHARED))
    results = doctor.run_doctor()
    found = by_name(results)
    assert "jupyterlab" not in found and "ipykernel" not in found, "JupyterLite is the front end and the kernel"
    assert "scratchdl" not in found, "there is no checkout or pip install to compare with in the browser"
    assert found["numpy"].status == "ok" and found["anywidget"].status == "ok"
    assert found["where your files are"].status == "warn" and "browser's storage" in found["where your files are"].detail
    assert found["speed"].status == "warn" and "times slower" in found["speed"].detail
    assert found["widgets"].status == "ok" and "the site's JupyterLab" in found["widgets"].detail
    assert found["MNIST"].status == "ok"
    assert not [r for r in results if "pip install" in r.fix], "nothing can be pip installed in the browser"
    assert not [r for r in results if r.status == "fail"], [str(r) for r in results if r.status == "fail"]


def test_in_the_browser_a_site_without_mnist_or_a_package_says_to_rebuild_the_site(monkeypatch, tmp_path):
    in_the_browser(monkeypatch)
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "none"))
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: (_ for _ in ()).throw(importlib.metadata.PackageNotFoundError(name))
                        if name in ("anywidget", "jupyterlab", "ipykernel", "scratchdl") else real(name))
    found = by_name(doctor.run_doctor())
    assert found["MNIST"].status == "fail" and "python -m scratchdl lite" in found["MNIST"].fix
    assert found["anywidget"].status == "fail" and found["anywidget"].fix == doctor.REBUILD


def test_checking_the_plots_leaves_the_notebooks_backend_alone():
    import matplotlib

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # stands in for the inline backend of a notebook
    try:
        assert doctor.check_plots().status == "ok"
        assert matplotlib.get_backend() == "svg", "the doctor switched the backend: a notebook's plots would vanish"
    finally:
        matplotlib.use(before)
