"""python -m scratchdl doctor: is this machine ready for the course? Says what to fix if not.

Instructors run it at the start of a workshop; learners run it when something will not start.
Each check gives ✓ (fine), ! (works, but worth knowing) or ✗ (must be fixed), and a fix.
"""

import importlib
import importlib.metadata
import io
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from scratchdl.course.exercises import COURSE_DIR, MODES
from scratchdl.course.hosts import in_pyodide, temporary_files

# The dependencies and their lowest versions, as pyproject.toml lists them. When scratchdl is
# not installed (a JupyterHub clone, say), they are read from the checkout's pyproject.toml.
PYPROJECT = COURSE_DIR / "pyproject.toml"
WIDGETS_FRONT_END = ("jupyterlab_widgets", "@jupyter-widgets/jupyterlab-manager")
# In the browser (JupyterLite) the site is the front end and the kernel: these are not installed.
NOT_IN_THE_BROWSER = ("jupyterlab", "ipykernel")
REBUILD = "rebuild the site: python -m scratchdl lite OUT, on the machine that built it"


@dataclass(frozen=True)
class Result:
    status: str  # "ok", "warn" or "fail"
    name: str
    detail: str
    fix: str = ""

    def __str__(self):
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[self.status]
        line = f"{mark} {self.name}: {self.detail}"
        return f"{line}\n    fix: {self.fix}" if self.fix else line


def version_tuple(text):
    """'1.26.4' -> (1, 26, 4); stops at the first part that is not a number ('2.0rc1' -> (2, 0))."""
    numbers = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if not match:
            break
        numbers.append(int(match.group()))
        if match.group() != part:
            break
    return tuple(numbers)


def requirements():
    """[(package, lowest version or None), ...] from the project's dependencies."""
    try:
        specs = importlib.metadata.requires("scratchdl") or []
    except importlib.metadata.PackageNotFoundError:
        specs = re.findall(r'^\s*"([^"]+)",?\s*$', _dependencies_block(), re.MULTILINE)
    found = []
    for spec in specs:
        if "extra ==" in spec:  # the optional extras (tests, torch) are not needed to learn
            continue
        match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:>=\s*([\w.]+))?", spec)
        found.append((match.group(1), match.group(2)))
    return found


def _dependencies_block():
    if not PYPROJECT.is_file():  # a copy without it: nothing to compare the versions with
        return ""
    text = PYPROJECT.read_text(encoding="utf-8")
    match = re.search(r"^dependencies = \[(.*?)^\]", text, re.DOTALL | re.MULTILINE)
    return match.group(1) if match else ""


# --- the checks ------------------------------------------------------------------------------


def check_python():
    here = ".".join(map(str, sys.version_info[:3]))
    if sys.version_info < (3, 10):
        return Result("fail", "Python", f"{here} is too old; the course needs 3.10 or newer",
                      "install Python 3.10+ and create the environment again")
    return Result("ok", "Python", here)


def check_package(name, lowest):
    try:
        installed = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        if in_pyodide():  # nothing to pip install: the site ships its packages
            return Result("fail", name, "not in this JupyterLite site", REBUILD)
        return Result("fail", name, "not installed", f'python -m pip install -e "{COURSE_DIR}"  (installs every dependency)')
    if lowest and version_tuple(installed) < version_tuple(lowest):
        return Result("fail", name, f"{installed} is older than the {lowest} the course needs",
                      f'python -m pip install --upgrade "{name}>={lowest}"')
    return Result("ok", name, installed)


def find_checkout(start):
    """The nearest folder at or above `start` that holds chapters/ and scratchdl/, or None."""
    for folder in [Path(start).resolve(), *Path(start).resolve().parents]:
        if (folder / "chapters").is_dir() and (folder / "scratchdl").is_dir():
            return folder
    return None


def check_source(cwd):
    here = find_checkout(cwd)
    used = COURSE_DIR.resolve()
    if here is None:
        return Result("ok", "scratchdl", f"imported from {used} (run doctor inside a checkout to compare)")
    if here != used:
        return Result("fail", "scratchdl", f"imported from {used}, not from this checkout {here}: "
                      "your edits here would not be the code that runs",
                      f'python -m pip install -e "{here}"  (in the environment you run Jupyter from)')
    try:
        importlib.metadata.version("scratchdl")
    except importlib.metadata.PackageNotFoundError:
        return Result("warn", "scratchdl", f"found in {used} but not installed: the chapters add it to the path themselves",
                      f'python -m pip install -e "{used}"  (so that every folder finds it)')
    return Result("ok", "scratchdl", f"imported from this checkout, {used}")


def check_mode():
    mode = os.environ.get("SCRATCHDL_MODE")
    if mode is not None and mode not in MODES:
        return Result("fail", "mode", f"SCRATCHDL_MODE is {mode!r}; it must be one of {', '.join(MODES)}",
                      "unset SCRATCHDL_MODE, or set it to learner, reference or fill")
    return Result("ok", "mode", f"{mode or 'learner'}" + ("" if mode else " (the default)"))


def check_your_files():
    """Every file with exercises must load: one that does not stops all of its exercises."""
    from scratchdl.course.loader import FILES, broken_files, load_exercises

    load_exercises()
    broken = broken_files()
    if not broken:
        return [Result("ok", "your files", f"all {len(FILES)} files with exercises load")]
    return [Result("fail", "your files", str(lf.error).splitlines()[0],
                   f"fix {lf.shown} and save; its exercises do not run until it loads") for lf in broken]


def check_solutions():
    folder = Path(os.environ.get("SCRATCHDL_SOLUTIONS") or COURSE_DIR / "solutions")
    if not folder.is_dir():
        return Result("warn", "solutions", f"{folder} is not there: the course works, but the reference "
                      "mode, 'fill' and show_solution do not", "nothing, if you handed the course out without them")
    return Result("ok", "solutions", f"present in {folder}")


def check_widgets():
    try:
        import ipywidgets
    except ImportError:
        return Result("fail", "widgets", "ipywidgets is not installed", REBUILD if in_pyodide() else "python -m pip install 'ipywidgets>=8.1'")
    if in_pyodide():  # the front end is the site's JupyterLab: the kernel cannot look at it
        try:
            ipywidgets.IntSlider(value=1, min=0, max=2)
        except Exception as error:  # noqa: BLE001 - any failure here means no widgets
            return Result("fail", "widgets", f"a slider could not be made: {error}", REBUILD)
        return Result("ok", "widgets", f"ipywidgets {ipywidgets.__version__}; the site's JupyterLab shows them")
    package, extension = WIDGETS_FRONT_END
    try:
        importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return Result("fail", "widgets", f"ipywidgets {ipywidgets.__version__} has no JupyterLab front end ({package}): "
                      "sliders would show as plain text", f"python -m pip install {package}")
    from jupyter_core.paths import jupyter_path

    folders = [Path(p) / extension for p in jupyter_path("labextensions")]
    if not any((folder / "package.json").is_file() for folder in folders):
        return Result("fail", "widgets", f"JupyterLab cannot find the {extension} extension",
                      f"python -m pip install --force-reinstall {package}")
    try:
        ipywidgets.IntSlider(value=1, min=0, max=2)
    except Exception as error:  # noqa: BLE001 - any failure here means no widgets
        return Result("fail", "widgets", f"a slider could not be made: {error}", "python -m pip install --upgrade ipywidgets")
    return Result("ok", "widgets", f"ipywidgets {ipywidgets.__version__}, with the JupyterLab extension")


def check_plots():
    try:
        # A Figure of its own, not pyplot's: choosing a backend here would switch a notebook's
        # plots off (run in a cell, matplotlib.use("Agg") replaced the inline backend).
        from matplotlib.figure import Figure

        fig = Figure()
        fig.subplots().plot([0, 1], [0, 1])
        fig.savefig(io.BytesIO(), format="png")
    except Exception as error:  # noqa: BLE001
        return Result("fail", "plots", f"matplotlib could not draw a figure: {error}", "python -m pip install --upgrade matplotlib")
    return Result("ok", "plots", "matplotlib draws")


def check_mnist():
    from scratchdl.tools import mnist

    try:
        folder = mnist.find_mnist(download_missing=False)  # look, never change
    except mnist.MNISTUnavailable as problem:
        first = str(problem).splitlines()[0]
        if in_pyodide():  # no download works in the browser: the site must ship it
            return Result("fail", "MNIST", f"not in this site ({first}); chapters 7 and 8 need it",
                          "rebuild the site with MNIST: python -m scratchdl mnist fetch, then python -m scratchdl lite OUT")
        if os.environ.get("SCRATCHDL_DATA"):  # it wins over the cache, so fetching would not help
            remedy = ("put the four files in the folder SCRATCHDL_DATA names, or unset SCRATCHDL_DATA "
                      "and run: python -m scratchdl mnist fetch")
        else:
            remedy = "python -m scratchdl mnist fetch   (or: python -m scratchdl mnist fetch --from FOLDER)"
        return Result("fail", "MNIST", f"not ready ({first}); chapters 7 and 8 need it", remedy)
    return Result("ok", "MNIST", f"all four files verified in {folder}")


def check_torch():
    if in_pyodide():
        return Result("ok", "PyTorch", "not in the browser (only chapter 8's optional comparison uses it)")
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return Result("ok", "PyTorch", "not installed (only chapter 8's optional comparison uses it)")
    return Result("ok", "PyTorch", f"{version} (for chapter 8's optional comparison)")


def check_browser():
    """In JupyterLite: where the files live, and how fast numpy is there (warnings both)."""
    from scratchdl.tools.budget import BROWSER

    slower = sorted(run.slower for run in BROWSER.values())
    return [Result("warn", "where your files are", temporary_files(COURSE_DIR), "scratchdl.export() now and then"),
            Result("warn", "speed", f"numpy runs as WebAssembly here, {slower[0]}-{slower[-1]} times slower than on a "
                   "machine of your own: chapters 7 and 8 train on less, and say so")]


def run_doctor(cwd=None):
    """Every check, in the order they are printed: a list of Result."""
    results = [check_python()]
    if in_pyodide():  # JupyterLite: no pip, no checkout to compare with; the site is the front end
        results += [check_package(name, lowest) for name, lowest in requirements() if name not in NOT_IN_THE_BROWSER]
        return results + [*check_browser(), check_mode(), *check_your_files(), check_solutions(),
                          check_widgets(), check_plots(), check_mnist(), check_torch()]
    results += [check_package(name, lowest) for name, lowest in requirements()]
    results += [check_source(cwd or Path.cwd()), check_mode(), *check_your_files(), check_solutions(),
                check_widgets(), check_plots(), check_mnist(), check_torch()]
    return results


def doctor(cwd=None, file=None):
    """Print every check and a verdict; return 0 when nothing must be fixed, else 1."""
    results = run_doctor(cwd)
    for result in results:
        print(result, file=file)
    failures = sum(result.status == "fail" for result in results)
    verdict = "ready for the course" if not failures else f"{failures} thing{'s' if failures > 1 else ''} to fix (see 'fix:' above)"
    print(f"\n{verdict}", file=file)
    return 1 if failures else 0
