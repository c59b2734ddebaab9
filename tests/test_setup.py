"""The course's setup: packaging, environments, CI, README and the notebooks' shape."""

import json
import os
import re
import sys
from pathlib import Path

import pytest

from judging import failure_message
from scratchdl.course.chapters import CHAPTERS
from scratchdl.course.loader import load_exercises
from scratchdl.course.exercises import COURSE_DIR

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    from pip._vendor import tomli as tomllib

README = (COURSE_DIR / "README.md").read_text(encoding="utf-8")
NOTEBOOKS = sorted((COURSE_DIR / "chapters").glob("*/*.ipynb"))


def requirement_names(requirements):
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower(): r.replace(" ", "") for r in requirements}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((COURSE_DIR / "pyproject.toml").read_text())["project"]
    wanted = requirement_names(project["dependencies"] + project["optional-dependencies"]["test"])
    text = (COURSE_DIR / "environment.yml").read_text()
    dependencies = text.split("\ndependencies:\n", 1)[1]
    listed = [line.strip()[2:] for line in dependencies.splitlines() if line.startswith("  - ")]
    conda = requirement_names(r for r in listed if not r.startswith("python"))
    assert conda == wanted


def test_environment_yml_pins_the_python_that_ci_tests():
    # repo2docker (Binder) honours only an exact `python=X.Y`; with a range it warns and falls back
    # to its default, which moves under the course. The version is the one this suite runs on.
    pins = re.findall(r"^  - python=(\d+\.\d+)\b", (COURSE_DIR / "environment.yml").read_text(), re.MULTILINE)
    assert pins == [f"{sys.version_info.major}.{sys.version_info.minor}"], pins


def code_blocks(text):
    return re.findall(r"```(?:bash|python)?\n(.*?)```", text, re.DOTALL)


def section(title):
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.DOTALL | re.MULTILINE)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def test_ci_runs_the_readmes_install_and_test_commands():
    ci = (COURSE_DIR / ".ci" / "run").read_text()
    test_command = code_blocks(section("Running the tests"))[0].strip()
    assert re.search(rf"^{re.escape(test_command)}\s*$", ci, re.MULTILINE), f"{test_command!r} not in .ci/run"
    install = [line for line in code_blocks(section("Quick start"))[0].splitlines() if "pip install" in line]
    assert install == ['python -m pip install -e ".[test]"']
    assert re.search(r'pip install --quiet --disable-pip-version-check -e "\.\[test,[\w,]+\]"', ci)  # the README's, and more
    assert os.access(COURSE_DIR / ".ci" / "run", os.X_OK)


def test_readme_chapter_table_matches_the_course():
    # The README's table is the one list kept by hand: one row per chapter folder, in order.
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \| `([^`]+)` \| [^|]+ \| \[Colab\]\(([^)]+)\) \|$", README, re.MULTILINE)
    assert [(int(n), title.strip(), notebook) for n, title, notebook, _ in rows] == [
        (ch.number, ch.title, ch.notebook) for ch in CHAPTERS
    ]
    # Colab opens a notebook of a GitHub repository by its path on the main branch
    repo = re.search(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", README).group(1)
    assert [link for *_, link in rows] == [
        f"https://colab.research.google.com/github/{repo}/blob/main/{ch.notebook}" for ch in CHAPTERS
    ]


def test_binder_opens_jupyterlab_at_chapter_1_and_installs_the_package():
    assert re.search(
        r"\(https://mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/HEAD\?urlpath=lab/tree/chapters/01_init/01_init\.ipynb\)", README
    )
    post_build = (COURSE_DIR / "postBuild").read_text()
    assert post_build.startswith("#!/bin/bash") and "set -euo pipefail" in post_build
    assert "python -m pip install --no-deps -e ." in post_build
    assert os.access(COURSE_DIR / "postBuild", os.X_OK)
    assert not (COURSE_DIR / "binder").exists(), "a binder/ folder would make repo2docker ignore the root files"


def test_readme_example_failure_is_what_the_check_really_says():
    example = next(line for line in README.splitlines() if line.startswith("✗ Exercise 2.1"))
    message = failure_message("2.1", lambda z: 1 / (1 + __import__("numpy").exp(-z)))
    assert ("✗ " + message).startswith(example.removesuffix(" ..."))


def test_a_chapter_lives_in_one_folder_and_nothing_else_is_in_chapters():
    """chapters/NN_name/ holds the notebook NN_name.ipynb, checks.py (its exercises' checks and
    hints), demos.py and its tests; beside the folders there are only setup.py and colab.py."""
    assert len(CHAPTERS) == 10 and [ch.number for ch in CHAPTERS] == list(range(1, 11))
    for ch in CHAPTERS:
        names = {p.name for p in ch.folder.iterdir() if p.name not in ("__pycache__", ".ipynb_checkpoints")}
        assert {f"{ch.slug}.ipynb", "checks.py", "demos.py"} <= names, ch.slug
        assert any(name.startswith(f"test_{ch.number:02d}_") for name in names), f"{ch.slug} has no tests"
        assert ch.exercises, f"{ch.slug}'s checks.py registers no exercise"
    others = {p.name for p in (COURSE_DIR / "chapters").iterdir()} - {ch.slug for ch in CHAPTERS}
    assert others <= {"setup.py", "colab.py", "__pycache__", ".ipynb_checkpoints"}, others


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    for cell in cells(path):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, source(cell)[:60]


def setup_cell(path):
    return source(next(c for c in cells(path) if c["cell_type"] == "code"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_the_same_short_setup_cell(path):
    first_code = setup_cell(path)
    # The same cell in every chapter but for the folder it names (for Colab, which opens a
    # notebook alone and cannot tell colab.py which chapter it is: tests/test_colab.py runs it).
    same = setup_cell(NOTEBOOKS[0]).replace(NOTEBOOKS[0].parent.name, path.parent.name)
    assert first_code == same, "the same setup cell in every chapter"
    assert f'colab.main("{path.parent.name}")' in first_code
    assert len(first_code.splitlines()) <= 9  # 2 comments, 6 lines for Colab, %run
    assert first_code.splitlines()[-1] == "%run ../setup.py"
    colab_url = re.search(r'"(https://raw\.githubusercontent\.com/[^"]+)"', first_code).group(1)
    binder_repo = re.search(r"mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/", README).group(1)
    assert colab_url == f"https://raw.githubusercontent.com/{binder_repo}/main/chapters/colab.py"
    # The course loads the learner's saved files itself (scratchdl.course.loader): IPython's autoreload
    # rewrites the exercise wrappers and fails on half the saves (IPython 9's deduperreload).
    assert "autoreload" not in first_code + (COURSE_DIR / "chapters" / "setup.py").read_text()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_checks_every_exercise_of_its_chapter_in_order(path):
    chapter = next(ch for ch in CHAPTERS if ch.notebook == f"chapters/{path.parent.name}/{path.name}")
    wanted = [ex.id for ex in load_exercises().values() if ex.chapter == chapter.number]
    checked = re.findall(r'^check\("(\d+\.\d+)"\)', "\n".join(source(c) for c in cells(path)), re.MULTILINE)
    assert checked == wanted
    prose = "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")
    for exercise_id in wanted:  # ExerciseTodo sends the learner to "section 'Exercise 2.1'"
        name = load_exercises()[exercise_id].name
        assert re.search(rf"Exercise {re.escape(exercise_id)}\b.{{0,1000}}?`{re.escape(name)}\(", prose, re.DOTALL), (
            f"{path.name} has no instructions headed 'Exercise {exercise_id}' naming `{name}`"
        )


def test_no_pickle_anywhere():
    for path in list((COURSE_DIR / "scratchdl").rglob("*.py")) + list((COURSE_DIR / "solutions").rglob("*.py")):
        text = path.read_text()
        assert not re.search(r"\bimport pickle\b|allow_pickle\s*=\s*True", text), path


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_valid_nbformat(path):
    import nbformat

    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)  # cell ids need nbformat 4.5
    if (notebook.nbformat, notebook.nbformat_minor) >= (4, 5):
        # validate() only warns about a missing id (a hard error in future nbformat versions)
        missing = [i for i, cell in enumerate(notebook.cells) if "id" not in cell]
        assert not missing, f"cells without an id: {missing}"
