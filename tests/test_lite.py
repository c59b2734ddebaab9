"""The course as a JupyterLite site (python -m scratchdl lite OUT), and chapter 1 in it, offline.

    python -m pytest tests/test_lite.py -v      (about 2 minutes; the browser test is most of it)

The builder's tests build the site once (Pyodide from its CDN, as a real site) and look at what
a learner's browser will get: every chapter notebook, the learner's files as in the repository,
MNIST verified, the widget wheels the kernel loads, no solutions, no tests, no caches. Bad
arguments are refused before anything is written.

The offline Pyodide copy (scratchdl.course.offline_pyodide) is refused when any file differs
from its pinned SHA-256: shown on a small made-up distribution, and on a corrupted copy of the
real one.

The browser test builds a second site with that Pyodide copy inside, serves it with
`python -m http.server` on 127.0.0.1, and drives Debian's Chromium with Playwright, which lets no
request leave 127.0.0.1 (and Chromium resolves no other host): it opens chapter 1, runs the
setup cell in the browser's Python, sees check("1.1") say the exercise is not written, opens
scratchdl/initializers.py from JupyterLite's file browser, types the body of 1.1, saves with
Control+S and runs check("1.1") again: it passes, in the same kernel.

Needs the `lite` extra (python -m pip install -e ".[lite]"); the browser test also needs
Playwright, Chromium and the offline Pyodide copy (python -m scratchdl.course.offline_pyodide,
which .ci/run runs). Without them the tests are skipped, except in CI, where they fail.
"""

import hashlib
import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from scratchdl.course import lite, offline_pyodide
from scratchdl.course.chapters import CHAPTERS, COURSE_DIR
from scratchdl.course.offline_pyodide import PyodideCopyError
from scratchdl.tools import mnist
from test_browser import CHROMIUM_ARGS, REPO, PageErrors, _browser_tools, _wait

SHARED_MNIST = Path(os.environ.get("SCRATCHDL_DATA") or COURSE_DIR.parent / "shared" / "data" / "mnist")


def _needs(what, fix):
    message = f"this test needs {what}: {fix}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}. CI must run it: .ci/run provides it.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def jupyterlite():
    try:
        lite.check_jupyterlite()
    except lite.LiteError as problem:
        _needs("JupyterLite", str(problem))


@pytest.fixture(scope="module")
def with_mnist():
    """SCRATCHDL_DATA pointing at a verified MNIST for the module's builds."""
    try:
        mnist.find_mnist(data_dir=SHARED_MNIST, download_missing=False)
    except mnist.MNISTUnavailable:
        _needs("MNIST", "python -m scratchdl mnist fetch, and SCRATCHDL_DATA set to its folder")
    saved = os.environ.get("SCRATCHDL_DATA")
    os.environ["SCRATCHDL_DATA"] = str(SHARED_MNIST)
    yield SHARED_MNIST
    if saved is None:
        del os.environ["SCRATCHDL_DATA"]
    else:
        os.environ["SCRATCHDL_DATA"] = saved


@pytest.fixture(scope="module")
def site(tmp_path_factory, jupyterlite, with_mnist):
    """The site as `python -m scratchdl lite OUT` builds it by default, and what it printed."""
    out = tmp_path_factory.mktemp("lite") / "site"
    said = []
    started = time.monotonic()
    lite.build(out, log=said.append)
    print(f"the default site took {time.monotonic() - started:.1f} s to build; " + said[-2])
    return SimpleNamespace(path=out, said=said)


def kernel_settings(site_path):
    config = json.loads((site_path / "jupyter-lite.json").read_text())["jupyter-config-data"]
    return config["litePluginSettings"][lite.KERNEL_PLUGIN]


# --- what the site holds ------------------------------------------------------------------------


def test_the_site_holds_every_chapter_and_the_learners_files_as_in_the_repository(site):
    files = site.path / "files"
    for chapter in CHAPTERS:
        folder = chapter.folder.name
        notebook = files / "chapters" / folder / f"{folder}.ipynb"
        assert notebook.is_file(), f"chapter {chapter.number}'s notebook is not in the site"
        assert notebook.read_bytes() == (chapter.folder / notebook.name).read_bytes()
        for name in ("checks.py", "demos.py"):
            assert (files / "chapters" / folder / name).read_bytes() == (chapter.folder / name).read_bytes()
    assert (files / "chapters" / "setup.py").read_bytes() == (COURSE_DIR / "chapters" / "setup.py").read_bytes()
    for path in (COURSE_DIR / "scratchdl").rglob("*.py"):
        shipped = files / path.relative_to(COURSE_DIR)
        assert shipped.is_file() and shipped.read_bytes() == path.read_bytes(), f"{shipped} differs from {path}"
    # JupyterLite's file browser lists the files (api/contents) a learner opens and edits.
    listing = json.loads((site.path / "api" / "contents" / "scratchdl" / "all.json").read_text())
    assert "initializers.py" in {entry["name"] for entry in listing["content"]}


def test_the_site_has_no_solutions_tests_or_caches_by_default(site):
    files = site.path / "files"
    assert not (files / "solutions").exists(), "a public site would hand out every answer"
    everything = [p.relative_to(site.path) for p in site.path.rglob("*")]
    assert not [p for p in everything if p.name.startswith("test_") and p.suffix == ".py"]
    for name in (".git", "__pycache__", ".pytest_cache", "test-artifacts", "tests", ".scratchdl", ".ipynb_checkpoints"):
        assert not [p for p in everything if p.name == name], f"the site holds a {name}"
    assert not list(site.path.rglob("*.js.map")), "source maps are half a site's size and of no use to learners"
    marker = json.loads((site.path / lite.MARKER).read_text())
    assert marker == {"solutions": False, "mnist": True, "pyodide": lite.PYODIDE_CDN}


def test_mnist_is_in_the_site_verified_where_the_kernel_looks_for_it(site):
    folder = site.path / "files" / lite.DATA
    assert sorted(p.name for p in folder.iterdir()) == sorted(mnist.FILES)
    for path in folder.iterdir():
        mnist.verify(path)  # raises on a corrupt copy
    # The kernel mounts the site's files at /drive and is told where MNIST is.
    env = kernel_settings(site.path)["loadPyodideOptions"]["env"]
    assert env == {"SCRATCHDL_DATA": "/drive/data/mnist"}


def test_the_kernel_loads_numpy_matplotlib_and_the_widget_wheels_of_the_versions_installed_here(site):
    settings = kernel_settings(site.path)
    assert settings["pyodideUrl"] == f"https://cdn.jsdelivr.net/pyodide/v{offline_pyodide.VERSION}/full/pyodide.js"
    packages = settings["loadPyodideOptions"]["packages"]
    assert packages[:2] == ["numpy", "matplotlib"]
    wheels = packages[2:]
    expected = [f"{name}-{importlib.metadata.version(name)}-py3-none-any.whl"
                for name in ("comm", "ipywidgets", "psygnal", "typing_extensions", "anywidget")]
    assert [w.removeprefix("../../../../pypi/") for w in wheels] == expected
    # Each relative URL, read from the kernel's worker scripts' folder, reaches the wheel.
    worker_folder = site.path / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static"
    assert list(worker_folder.glob("*.js")), "the kernel's scripts moved: the wheels' relative URLs would break"
    for wheel in wheels:
        assert (worker_folder / wheel).resolve().is_file(), wheel
    # ... and JupyterLab's own extensions for them are in the site.
    for extension in ("@jupyter-widgets/jupyterlab-manager", "anywidget", "@jupyterlite/pyodide-kernel-extension"):
        assert (site.path / "extensions" / extension / "package.json").is_file(), extension


def test_the_build_says_how_big_the_site_is(site):
    size_line = next(line for line in site.said if line.startswith("site: "))
    total = sum(p.stat().st_size for p in site.path.rglob("*") if p.is_file())
    assert f"{total / 1e6:.1f} MB" in size_line, size_line


def test_solutions_go_in_only_when_asked(tmp_path):
    lite.copy_course(tmp_path / "with", with_solutions=True, mnist=None)
    assert (tmp_path / "with" / "solutions" / "initializers.py").read_bytes() == (
        COURSE_DIR / "solutions" / "initializers.py").read_bytes()
    assert not list((tmp_path / "with").rglob("__pycache__"))
    lite.copy_course(tmp_path / "without", with_solutions=False, mnist=None)
    assert not (tmp_path / "without" / "solutions").exists()
    assert not (tmp_path / "without" / "data").exists(), "no MNIST was asked for"


# --- the course under Pyodide: a notebook, and budgets that fit the browser ---------------------


def _shell(module, config):
    """A stand-in for IPython's shell: a class defined in `module`, with `config`."""
    return type("Shell", (), {"__module__": module, "config": config})()


@pytest.mark.parametrize("module, config, pyodide, expected", [
    ("ipykernel.zmqshell", {"IPKernelApp": {}}, False, True),  # Jupyter's ipykernel
    ("IPython.terminal.interactiveshell", {}, False, False),  # IPython in a terminal
    ("pyodide_kernel.interpreter", {}, True, True),  # JupyterLite's kernel, in the browser
    ("pyodide_kernel.interpreter", {}, False, False),  # (a class of that name elsewhere is no notebook)
])
def test_in_notebook_knows_jupyterlites_kernel(monkeypatch, module, config, pyodide, expected):
    import IPython

    from scratchdl.course import hosts
    from scratchdl.tools import callbacks

    monkeypatch.setattr(IPython, "get_ipython", lambda: _shell(module, config))
    monkeypatch.setattr(hosts, "in_pyodide", lambda: pyodide)
    assert callbacks.in_notebook() is expected


def test_training_budgets_are_the_chapters_own_on_a_machine(capsys):
    from scratchdl.tools.budget import Budget, training_budget

    assert training_budget("mlp", images=50_000, epochs=20) == Budget(50_000, 20)
    assert training_budget("lenet", images=50_000, epochs=12) == Budget(50_000, 12)
    assert capsys.readouterr().out == "", "nothing to say where nothing is cut"


def test_in_the_browser_the_budgets_finish_in_a_few_minutes_and_say_so(monkeypatch):
    from scratchdl.course import hosts
    from scratchdl.tools import budget

    monkeypatch.setattr(hosts, "in_pyodide", lambda: True)
    said = []
    assert budget.training_budget("lenet", images=50_000, epochs=12, say=said.append) == budget.Budget(30_000, 4)
    assert said == ["In the browser numpy runs about 8 times slower than on a machine of your own, so this cell "
                    "trains on the first 30,000 of the 50,000 training images for 4 epochs instead of 12: about 2 "
                    "minutes, and a test accuracy near 98.4% where the text gives the full run's figures."]
    said.clear()
    assert budget.training_budget("mlp", images=50_000, epochs=20, say=said.append) == budget.Budget(50_000, 6)
    assert "trains on all 50,000 training images for 6 epochs instead of 20: about 1.5 minutes" in said[0]
    said.clear()
    assert budget.training_budget("mlp", images=1_000, epochs=3, say=said.append) == budget.Budget(1_000, 3)
    assert said == [], "a run already small enough is left alone"


@pytest.mark.parametrize("kind, images, epochs, says", [
    ("resnet", 100, 1, "kind must be one of"),
    ("mlp", 0, 1, "images must be a positive whole number"),
    ("mlp", 10.5, 1, "images must be a positive whole number"),
    ("mlp", 100, True, "epochs must be a positive whole number"),
])
def test_a_budget_for_something_else_is_refused(kind, images, epochs, says):
    from scratchdl.tools.budget import training_budget

    with pytest.raises(ValueError, match=says):
        training_budget(kind, images=images, epochs=epochs)


# --- bad arguments: refused before anything is written -------------------------------------------


def test_a_folder_that_is_not_empty_and_no_site_is_refused(tmp_path, jupyterlite, with_mnist):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(lite.LiteError, match="not empty and holds no site built by scratchdl"):
        lite.build(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_site_built_before_may_be_replaced_and_a_file_may_not(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / lite.MARKER).write_text("{}")
    assert lite.check_out(tmp_path / "old") == (tmp_path / "old").resolve()
    (tmp_path / "file").write_text("")
    with pytest.raises(lite.LiteError, match="is a file, not a folder"):
        lite.check_out(tmp_path / "file")


@pytest.mark.parametrize("inside", ["chapters", "scratchdl", "solutions"])
def test_a_folder_inside_the_course_is_refused(inside):
    with pytest.raises(lite.LiteError, match=f"inside the course's {inside}/"):
        lite.check_out(COURSE_DIR / inside / "site")
    assert not (COURSE_DIR / inside / "site").exists()


def test_a_folder_that_cannot_be_written_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(lite.os, "access", lambda path, mode: False)  # root may write anywhere
    with pytest.raises(lite.LiteError, match=f"cannot write to {tmp_path}"):
        lite.check_out(tmp_path / "site")


def test_without_jupyterlite_the_error_says_what_to_install(monkeypatch):
    real = importlib.metadata.version

    def version(name):
        if name == "jupyterlite-core":
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(lite.importlib.metadata, "version", version)
    with pytest.raises(lite.LiteError, match=r'jupyterlite-core is not installed.*pip install -e ".*\[lite\]"'):
        lite.check_jupyterlite()


def test_without_mnist_the_error_says_how_to_get_it_or_do_without(tmp_path, monkeypatch, jupyterlite):
    monkeypatch.delenv("SCRATCHDL_DATA", raising=False)
    monkeypatch.setenv("SCRATCHDL_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(lite.LiteError) as refused:
        lite.build(tmp_path / "site")
    assert "python -m scratchdl mnist fetch" in str(refused.value) and "--no-mnist" in str(refused.value)
    assert not (tmp_path / "site").exists()


def test_the_command_line_refuses_with_one_line_and_status_1(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    done = subprocess.run([sys.executable, "-m", "scratchdl", "lite", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=COURSE_DIR)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("✗ ") and len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- the offline Pyodide copy: every file checked --------------------------------------------------


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def made_up_pyodide(folder):
    """A tiny distribution in `folder`: a lock listing numpy (needing a dependency) and the
    packages the kernel loads, each a few bytes; returns the pins (core file -> sha256) for it."""
    folder.mkdir(parents=True)
    packages = {}
    for name in [*offline_pyodide.NEEDED, "dep", "unused"]:
        data = f"the {name} wheel".encode()
        file_name = f"{name}-1.0-py3-none-any.whl"
        (folder / file_name).write_bytes(data)
        packages[name] = {"file_name": file_name, "sha256": _digest(data),
                          "depends": ["dep"] if name == "numpy" else []}
    lock = json.dumps({"info": {"version": offline_pyodide.VERSION}, "packages": packages}).encode()
    (folder / offline_pyodide.LOCK).write_bytes(lock)
    pins = {offline_pyodide.LOCK: _digest(lock)}
    for name in ("pyodide.js", "pyodide.asm.wasm"):
        (folder / name).write_bytes(name.encode())
        pins[name] = _digest(name.encode())
    return pins


def test_a_complete_copy_verifies_with_what_the_course_needs_and_no_more(tmp_path):
    pins = made_up_pyodide(tmp_path / "copy")
    files = offline_pyodide.verify(tmp_path / "copy", core=pins)
    assert "dep-1.0-py3-none-any.whl" in files, "numpy's dependency comes along"
    assert "unused-1.0-py3-none-any.whl" not in files, "what the course does not need is not shipped"
    copied = offline_pyodide.ship(tmp_path / "copy", tmp_path / "site", core=pins)
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == sorted(files)
    assert copied == sum((tmp_path / "site" / name).stat().st_size for name in files)


@pytest.mark.parametrize("damage, says", [
    ("corrupt numpy", "numpy-1.0-py3-none-any.whl has SHA-256"),
    ("remove a dependency", "dep-1.0-py3-none-any.whl is missing"),
    ("corrupt an unneeded package", "unused-1.0-py3-none-any.whl has SHA-256"),
    ("add an unlisted wheel", "extra-1.0-py3-none-any.whl is not listed in pyodide-lock.json"),
    ("corrupt the core", "pyodide.asm.wasm has SHA-256"),
    ("edit the lock", "is not the pyodide-lock.json of Pyodide"),
])
def test_a_copy_with_any_file_not_as_pinned_is_refused(tmp_path, damage, says):
    copy = tmp_path / "copy"
    pins = made_up_pyodide(copy)
    if damage == "corrupt numpy":
        (copy / "numpy-1.0-py3-none-any.whl").write_bytes(b"something else")
    elif damage == "remove a dependency":
        (copy / "dep-1.0-py3-none-any.whl").unlink()
    elif damage == "corrupt an unneeded package":
        (copy / "unused-1.0-py3-none-any.whl").write_bytes(b"something else")
    elif damage == "add an unlisted wheel":
        (copy / "extra-1.0-py3-none-any.whl").write_bytes(b"who knows")
    elif damage == "corrupt the core":
        (copy / "pyodide.asm.wasm").write_bytes(b"not wasm")
    else:
        lock = json.loads((copy / offline_pyodide.LOCK).read_text())
        lock["packages"]["numpy"]["sha256"] = _digest(b"something else")  # would let a corrupt numpy in
        (copy / offline_pyodide.LOCK).write_text(json.dumps(lock))
    with pytest.raises(PyodideCopyError, match=says):
        offline_pyodide.verify(copy, core=pins)
    with pytest.raises(PyodideCopyError):
        offline_pyodide.ship(copy, tmp_path / "site", core=pins)
    assert not (tmp_path / "site").exists(), "nothing is shipped from a copy that failed"


def test_assembling_refuses_a_download_that_does_not_verify_and_leaves_the_cache_alone(tmp_path, monkeypatch):
    source = tmp_path / "registry"
    pins = made_up_pyodide(source)
    (source / "numpy-1.0-py3-none-any.whl").write_bytes(b"tampered on the way")

    def fetch_core(workdir):
        out = workdir / "package"
        out.mkdir()
        for name in pins:
            shutil.copyfile(source / name, out / name)
        return out

    def fetch_wheels(workdir, wanted):
        out = workdir / "wheels"
        out.mkdir()
        for name in wanted:
            shutil.copyfile(source / name, out / name)
        return out

    monkeypatch.setattr(offline_pyodide, "fetch_core", fetch_core)
    monkeypatch.setattr(offline_pyodide, "fetch_wheels", fetch_wheels)
    dest = tmp_path / "cache" / "pyodide"
    with pytest.raises(PyodideCopyError, match="numpy-1.0-py3-none-any.whl has SHA-256"):
        offline_pyodide.assemble(dest, log=lambda line: None, core=pins)
    assert not dest.exists()
    assert list((tmp_path / "cache").iterdir()) == [], "no half copy is left behind"
    # With an honest download it assembles, and the copy verifies.
    (source / "numpy-1.0-py3-none-any.whl").write_bytes(b"the numpy wheel")
    assert offline_pyodide.assemble(dest, log=lambda line: None, core=pins) == dest
    offline_pyodide.verify(dest, core=pins)


@pytest.fixture(scope="module")
def real_pyodide():
    """The real offline copy (assembled by .ci/run), verified against the pinned hashes."""
    folder = offline_pyodide.default_dest()
    try:
        offline_pyodide.verify(folder)
    except PyodideCopyError as problem:
        _needs(f"the offline Pyodide {offline_pyodide.VERSION} ({str(problem).splitlines()[0]})",
               "python -m scratchdl.course.offline_pyodide")
    return folder


def test_the_real_copy_corrupted_by_one_byte_is_refused(real_pyodide, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(real_pyodide, copy)
    lock = json.loads((copy / offline_pyodide.LOCK).read_text())
    numpy = copy / lock["packages"]["numpy"]["file_name"]
    data = bytearray(numpy.read_bytes())
    data[len(data) // 2] ^= 1
    numpy.write_bytes(bytes(data))
    with pytest.raises(PyodideCopyError, match=f"{numpy.name} has SHA-256"):
        offline_pyodide.verify(copy)


# --- chapter 1 in the browser, with no network ---------------------------------------------------

SETUP_TIMEOUT = 300  # s: the kernel's start (about 30 s here) and chapter 1's setup cell (about 25 s)
CHECK = 'check("1.1")'
STUB = 'raise ExerciseTodo("1.1")'
BODY = "return rng.normal(0.0, std, size=(fan_in, fan_out))"  # exercise 1.1, typed by the learner


@pytest.fixture(scope="module")
def artifacts_lite():
    """Screenshots in $SCRATCHDL_ARTIFACTS/lite/ (default: test-artifacts/lite/)."""
    folder = Path(os.environ.get("SCRATCHDL_ARTIFACTS") or REPO / "test-artifacts") / "lite"
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.png"), folder / "page-errors.txt"]:
        old.unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory, jupyterlite, with_mnist, real_pyodide):
    out = tmp_path_factory.mktemp("lite-offline") / "site"
    lite.build(out, pyodide=real_pyodide, log=lambda line: None)
    return out


@pytest.fixture(scope="module")
def served(offline_site):
    """`python -m http.server` serving the offline site on 127.0.0.1; its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(offline_site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("python -m http.server did not start")
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _status(page):
    return page.inner_text("#jp-main-statusbar")


def _go_to(page, source, key="j"):
    """Select the code cell whose source is `source` with the keyboard (j: the next cell, k: the
    one above), as the
    notebook renders only the cells in view; returns the cell's element (it stays that cell's
    when another becomes the active one)."""
    page.keyboard.press("Escape")  # command mode
    for _ in range(60):
        active = page.locator(".jp-Notebook .jp-Cell.jp-mod-active")
        editor = active.locator(".jp-InputArea .cm-content")
        if editor.count() and editor.first.inner_text().strip() == source:
            return active.element_handle()
        page.keyboard.press(key)
    pytest.fail(f"no cell {source!r} in the notebook")


def _run(page, cell, timeout=SETUP_TIMEOUT):
    """Run `cell` (an element) with Shift+Enter, as a learner does; wait for its new execution
    count and an idle kernel. Returns the text of its outputs."""
    prompt = cell.query_selector(".jp-InputPrompt")
    before = prompt.inner_text().strip()
    prompt.click()
    page.keyboard.press("Shift+Enter")
    _wait(lambda: (now := prompt.inner_text().strip()) != before and now[1:-2].isdigit()
          and "| Idle" in _status(page), timeout, "the cell to run")
    return "\n".join(output.inner_text() for output in cell.query_selector_all(".jp-OutputArea-output"))


@pytest.mark.browser
def test_chapter_1_in_the_browser_edit_save_and_pass_a_check_with_no_network(served, artifacts_lite):
    sync_playwright, chromium = _browser_tools()
    outside = []  # every request for anything but the site: the test blocks and lists them
    started = time.monotonic()
    with sync_playwright() as playwright:
        # Chromium resolves no host but 127.0.0.1, whatever the page asks; the route below also
        # blocks (and lists) any request for another address.
        browser = playwright.chromium.launch(executable_path=chromium, args=[
            *CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served)
                      else (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.set_default_timeout(60_000)
        page_errors = PageErrors(artifacts_lite)
        page.on("pageerror", page_errors.add)
        try:
            page.goto(f"{served}lab/index.html?path=chapters/01_init/01_init.ipynb")
            cells = page.locator(".jp-Notebook .jp-CodeCell")
            cells.first.wait_for()
            _wait(lambda: "Python (Pyodide) | Idle" in _status(page), SETUP_TIMEOUT, "the Pyodide kernel to start")
            kernel_started = time.monotonic() - started

            shown = _run(page, cells.first.element_handle())
            page.screenshot(path=artifacts_lite / "1-setup.png", full_page=True)
            assert "Chapter 1 · Weight initialisation" in shown and "scratchdl 0.1.0 from /drive/scratchdl" in shown, shown
            assert "mode: learner" in shown and "Traceback" not in shown, shown

            check = _go_to(page, CHECK)
            shown = _run(page, check)
            assert "Exercise 1.1 (small_normal) is not written yet" in shown, shown

            # The learner's file, from JupyterLite's file browser: up to the course, into scratchdl/.
            page.locator(".jp-BreadCrumbs-home").click()
            page.locator(".jp-DirListing-item", has_text="scratchdl").first.dblclick()
            page.locator(".jp-DirListing-item", has_text="initializers.py").first.dblclick()
            editor = page.locator(".jp-FileEditor .cm-content")
            editor.wait_for(state="visible")
            stub = page.locator(".jp-FileEditor .cm-line", has_text=STUB)
            stub.scroll_into_view_if_needed()
            stub.click()
            page.keyboard.press("End")
            page.keyboard.press("Shift+Home")  # the line, after its indentation
            page.keyboard.type(BODY)
            page.keyboard.press("Control+S")
            tab = page.locator(".lm-TabBar-tab", has_text="initializers.py")
            _wait(lambda: "jp-mod-dirty" not in tab.get_attribute("class"), 30, "Control+S to save initializers.py")
            assert page.locator(".jp-FileEditor .cm-line", has_text=BODY).count() == 1
            page.screenshot(path=artifacts_lite / "2-edited.png", full_page=True)

            page.locator(".lm-TabBar-tab", has_text="01_init.ipynb").click()
            check = _go_to(page, CHECK, "k")  # Shift+Enter went on to the cell below it
            shown = _run(page, check)
            check.scroll_into_view_if_needed()
            page.screenshot(path=artifacts_lite / "3-check-passes.png", full_page=True)
            assert shown.startswith("✓ Exercise 1.1 small_normal passed."), shown
            assert not page_errors.ours(), f"JavaScript errors in the page: {page_errors.ours()}"
        except BaseException:
            page.screenshot(path=artifacts_lite / "failure.png", full_page=True)
            raise
        finally:
            browser.close()
    print(f"kernel ready after {kernel_started:.0f} s; the whole test in the browser {time.monotonic() - started:.0f} s")
    assert outside == [], f"the site asked for something outside it: {outside[:5]}"
