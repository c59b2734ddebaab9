"""python -m scratchdl lite OUT: the whole course as a JupyterLite site, for any static web host.

    python -m pip install -e ".[lite]"
    python -m scratchdl lite site/                  build it (Pyodide from its CDN at run time)
    python -m scratchdl lite site/ --offline        ... with Pyodide inside the site: no CDN at all
    cd site && python -m http.server                try it on http://127.0.0.1:8000/

The site is JupyterLab running in the learner's browser, with a Python kernel compiled to
WebAssembly (Pyodide): no server runs any code. It holds every chapter, the package scratchdl/
(the learner edits its files in the browser, and the course reads them as it does on a machine),
the widgets and draw-a-digit, and MNIST. The learner's files live in the browser's storage.

What goes in, and what does not:
  - chapters/ without its tests; scratchdl/; pyproject.toml (the doctor reads the requirements);
    MNIST's four files, verified, in data/mnist/ (the kernel's SCRATCHDL_DATA points there);
  - not solutions/, unless --with-solutions: a public site would hand out every answer. The
    checks, hints and progress work without it (only show_solution and the reference and fill
    modes need it, and say so);
  - numpy, matplotlib and the kernel come from Pyodide; ipywidgets, anywidget and what they need
    are pure-Python wheels of the versions installed here (so the Python side matches the
    JupyterLab extensions bundled from this environment), loaded when the kernel starts.
"""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scratchdl.course import offline_pyodide
from scratchdl.course.exercises import COURSE_DIR

# The two JupyterLite packages, pinned (the `lite` extra): the kernel fixes Pyodide's version.
JUPYTERLITE = {"jupyterlite-core": "0.6.4", "jupyterlite-pyodide-kernel": "0.6.1"}
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{offline_pyodide.VERSION}/full/pyodide.js"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
# Pyodide's own packages the kernel loads at start: every chapter's setup imports both.
PRELOAD = ("numpy", "matplotlib")
# Pure-Python wheels from PyPI, in the order they are loaded (each after what it imports).
WHEELS = ("comm", "ipywidgets", "psygnal", "typing_extensions", "anywidget")
# Pyodide loads a wheel named by a relative URL from where the kernel's worker script is:
# SITE/extensions/@jupyterlite/pyodide-kernel-extension/static/. Four levels up is the site.
WORKER_TO_SITE = "../../../../"
DATA = "data/mnist"  # the site's copy of MNIST, under the course folder (/drive in the kernel)
DRIVE = "/drive"  # where the Pyodide kernel mounts the site's files
MARKER = "scratchdl-lite.json"  # written into every site built here: OUT may be replaced next time
# Never in a site: tests, caches, version control, a learner's local state.
IGNORE = ("__pycache__", "*.pyc", ".ipynb_checkpoints", "test_*.py", "conftest.py", ".git", ".scratchdl",
          "*.egg-info", "test-artifacts", ".pytest_cache")


class LiteError(RuntimeError):
    """The site cannot be built as asked; the message says why and what to do."""


def check_jupyterlite():
    """Raise LiteError unless the pinned JupyterLite packages are installed."""
    for name, version in JUPYTERLITE.items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise LiteError(f"{name} is not installed: the site is built with JupyterLite. "
                            f'Install it with: python -m pip install -e "{COURSE_DIR}[lite]"') from None
        if installed != version:
            raise LiteError(f"{name} {installed} is installed; the course builds with {version}, whose kernel "
                            f"runs Pyodide {offline_pyodide.VERSION}. Install it with: "
                            f'python -m pip install -e "{COURSE_DIR}[lite]"')


def check_out(out):
    """OUT, resolved: a new or empty folder, or a site built here before; never inside the course's
    own folders. Raises LiteError, before anything is written, otherwise."""
    out = Path(out).resolve()
    for folder in ("chapters", "scratchdl", "solutions"):
        if out == COURSE_DIR / folder or (COURSE_DIR / folder) in out.parents:
            raise LiteError(f"{out} is inside the course's {folder}/, which goes into the site: choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise LiteError(f"{out} is a file, not a folder: give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise LiteError(f"{out} is not empty and holds no site built by scratchdl: give a new or empty folder "
                        "(a site built here before is replaced)")
    parent = next(p for p in [out, *out.parents] if p.exists())
    if not os.access(parent, os.W_OK):
        raise LiteError(f"cannot write to {parent}: give a folder you can write to")
    return out


def mnist_folder():
    """The folder of the four verified MNIST files; LiteError saying how to get them if missing."""
    from scratchdl.tools import mnist

    try:
        return mnist.find_mnist(download_missing=False)
    except mnist.MNISTUnavailable as problem:
        raise LiteError(f"MNIST is not here ({str(problem).splitlines()[0]}): chapters 7 and 8 need it in the "
                        "site. Fetch it first (python -m scratchdl mnist fetch), or build without it: --no-mnist") from None


def download_wheels(dest, log=print):
    """The WHEELS, of the versions installed here, from PyPI into `dest`; returns their names in order."""
    versions = {name: importlib.metadata.version(name) for name in WHEELS}
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--platform", "any", "--implementation", "py", "--python-version", "3.12", "-d", str(dest),
               *[f"{name}=={version}" for name, version in versions.items()]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise LiteError("could not download the widgets' wheels from PyPI:\n" + done.stderr[-2000:])
    found = []
    for name, version in versions.items():
        wheel = sorted(Path(dest).glob(f"{name.replace('-', '_')}-{version}-*.whl"))
        if not wheel:
            raise LiteError(f"pip downloaded no wheel for {name} {version}")
        found.append(wheel[0].name)
    log("wheels: " + ", ".join(found))
    return found


def copy_course(content, with_solutions, mnist):
    """The course's files the site serves, into `content`."""
    ignore = shutil.ignore_patterns(*IGNORE)
    for folder in ["chapters", "scratchdl"] + (["solutions"] if with_solutions else []):
        if not (COURSE_DIR / folder).is_dir():
            raise LiteError(f"{COURSE_DIR / folder} is not there" + (" (--with-solutions needs it)" if folder == "solutions" else ""))
        shutil.copytree(COURSE_DIR / folder, content / folder, ignore=ignore)
    shutil.copyfile(COURSE_DIR / "pyproject.toml", content / "pyproject.toml")
    if mnist is not None:
        from scratchdl.tools.mnist import FILES

        (content / DATA).mkdir(parents=True)
        for name in FILES:
            shutil.copyfile(mnist / name, content / DATA / name)


def lite_config(wheels, pyodide_url, with_mnist):
    """jupyter-lite.json for the build: the kernel's Pyodide, what it loads at start, its environment."""
    options = {"packages": [*PRELOAD, *[f"{WORKER_TO_SITE}pypi/{wheel}" for wheel in wheels]]}
    if with_mnist:
        options["env"] = {"SCRATCHDL_DATA": f"{DRIVE}/{DATA}"}
    return {"jupyter-lite-schema-version": 0,
            "jupyter-config-data": {"appName": "scratchdl",
                                    "litePluginSettings": {KERNEL_PLUGIN: {"pyodideUrl": pyodide_url,
                                                                           "loadPyodideOptions": options}}}}


def run_build(stage, site, wheels, log=print):
    """`jupyter lite build` of the staged course; its output goes to stage/build.log."""
    command = [sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(stage),
               "--contents", str(stage / "content"), "--output-dir", str(site),
               "--apps", "lab", "--no-sourcemaps",  # JupyterLab alone; source maps are half the size
               *[arg for wheel in wheels for arg in ("--piplite-wheels", str(stage / "wheels" / wheel))]]
    log_path = stage / "build.log"
    with open(log_path, "w") as out:
        done = subprocess.run(command, cwd=stage, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
    if done.returncode != 0:
        raise LiteError(f"jupyter lite build failed (exit {done.returncode}):\n" + log_path.read_text()[-3000:])


def forbidden(site):
    """Paths in the site that must never be there: tests, caches, version control."""
    names = {".git", "__pycache__", ".pytest_cache", "test-artifacts", ".scratchdl"}
    return sorted(str(p.relative_to(site)) for p in Path(site).rglob("*")
                  if p.name in names or (p.name.startswith("test_") and p.suffix == ".py"))


def size(path):
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def build(out, with_solutions=False, mnist=True, pyodide=None, log=print):
    """Build the site into `out`. pyodide: None (the CDN at run time), or a folder holding a
    Pyodide copy (offline_pyodide), verified and shipped in static/pyodide. Returns the site's
    folder; raises LiteError before writing anything when it cannot be done."""
    check_jupyterlite()
    out = check_out(out)
    data = mnist_folder() if mnist else None
    if pyodide is not None:
        offline_pyodide.verify(pyodide)  # before any work: a bad copy is refused at once
    if not mnist:
        log("! building without MNIST: chapters 7 and 8 cannot load it in this site")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".scratchdl-lite-", dir=out.parent) as tmp:
        stage, site = Path(tmp) / "stage", Path(tmp) / "site"
        (stage / "content").mkdir(parents=True)
        (stage / "wheels").mkdir()
        copy_course(stage / "content", with_solutions, data)
        wheels = download_wheels(stage / "wheels", log)
        url = PYODIDE_CDN if pyodide is None else "./static/pyodide/pyodide.js"
        (stage / "jupyter-lite.json").write_text(json.dumps(lite_config(wheels, url, data is not None), indent=2))
        log(f"building the site with JupyterLite {JUPYTERLITE['jupyterlite-core']} ...")
        run_build(stage, site, wheels, log)
        if pyodide is not None:
            shipped = offline_pyodide.ship(pyodide, site / "static" / "pyodide")
            log(f"Pyodide {offline_pyodide.VERSION} shipped in the site: {shipped / 1e6:.1f} MB")
        found = forbidden(site)
        if found:
            raise LiteError(f"the site would hold files it must not: {found[:10]}")
        (site / MARKER).write_text(json.dumps({"solutions": with_solutions, "mnist": data is not None,
                                               "pyodide": "site" if pyodide else PYODIDE_CDN}, indent=2))
        if out.exists():
            shutil.rmtree(out)
        site.rename(out)
    report(out, log)
    return out


def report(site, log=print):
    """Print the site's size, and what of it is what."""
    parts = {"the course's files": site / "files", "of which MNIST": site / "files" / DATA,
             "Pyodide": site / "static" / "pyodide"}
    total = size(site)
    shown = ", ".join(f"{name} {size(path) / 1e6:.1f} MB" for name, path in parts.items() if path.exists())
    log(f"site: {site} - {total / 1e6:.1f} MB ({shown})")
    log(f"try it: python -m http.server -d {site} 8000, then http://127.0.0.1:8000/lab/index.html"
        "?path=chapters/01_init/01_init.ipynb")


def main(args, log=print):
    """The `lite` command (scratchdl/__main__.py): 0 on success, 1 with the reason on stderr."""
    try:
        pyodide = args.pyodide
        if args.offline and pyodide is None:
            pyodide = offline_pyodide.assemble(log=log)
        build(args.out, with_solutions=args.with_solutions, mnist=not args.no_mnist, pyodide=pyodide, log=log)
    except (LiteError, offline_pyodide.PyodideCopyError) as problem:
        print(f"✗ {problem}", file=sys.stderr)
        return 1
    return 0


def add_parser(commands):
    """The `lite` subcommand's arguments, for scratchdl/__main__.py."""
    p = commands.add_parser("lite", help="build the course as a JupyterLite site (static files, runs in the browser)")
    p.add_argument("out", metavar="OUT", help="the folder to build the site in (new, empty, or a site built before)")
    p.add_argument("--with-solutions", action="store_true", help="ship solutions/ too (default: not, a public site would give the answers away)")
    p.add_argument("--no-mnist", action="store_true", help="build without MNIST (chapters 7 and 8 then cannot run)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--offline", action="store_true",
                       help=f"ship Pyodide {offline_pyodide.VERSION} in the site (assembled from npm and PyPI, verified, cached)")
    where.add_argument("--pyodide", metavar="DIR", help="ship this verified Pyodide copy (python -m scratchdl.course.offline_pyodide DIR)")
    return p
