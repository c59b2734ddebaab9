"""Chapter 1 in a real browser, as a learner meets it: JupyterLab, headless Chromium, Run All, the explorer.

    python -m pytest tests/test_browser.py -v     this test alone (20-30 s)
    python -m pytest -m "not browser"             everything else

It starts JupyterLab on 127.0.0.1 over a temporary copy of chapters/ (so the committed notebooks
are never saved with outputs), with the kernel in reference mode. Debian's Chromium, driven by
Playwright, opens chapter 1, runs every cell from the Run menu, checks that no cell raised, then
moves the depth slider of the init explorer and checks that the plot is redrawn. Screenshots go to
$SCRATCHDL_ARTIFACTS/browser/ (default: test-artifacts/browser/ in the repository); the run's
closing summary prints the folder.

Needs the system browser (`apt-get install chromium`) and Playwright
(`python -m pip install -e ".[browser]"`). Never `playwright install`: the test uses the system
Chromium, not a downloaded one. Without them the test is skipped, except in CI ($CI set), where
it fails.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "01_init.ipynb"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
STARTUP_TIMEOUT = 60  # s, JupyterLab answering /api/status
RUN_TIMEOUT = 120  # s, Run All Cells
# JupyterLab renders an exception exactly like text on stderr (same mime type, same classes), so
# the page is searched for what a traceback says; the saved notebook is checked exactly as well.
ERROR_TEXT = r"Traceback \(most recent call last\)|^\s*([A-Za-z_]\w*\.)*[A-Za-z_]\w*(Error|Exception)\b|Error displaying widget"


# --- the tools: Playwright and the system Chromium ----------------------------------------


def _browser_tools():
    """(sync_playwright, path of chromium); skips without them, but fails in CI."""
    problems = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        problems.append('Playwright (python -m pip install -e ".[browser]")')
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        problems.append("the system Chromium (Debian/Ubuntu: apt-get install chromium)")
    if problems:
        message = (f"the browser test needs {' and '.join(problems)}; never `playwright install`, "
                   "the test drives the system browser")
        if os.environ.get("CI"):
            pytest.fail(f"{message}. CI must run this test: .ci/run installs both.", pytrace=False)
        pytest.skip(message)
    return sync_playwright, chromium


@pytest.fixture(scope="module")
def browser():
    sync_playwright, chromium = _browser_tools()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def artifacts(request):
    folder = Path(os.environ.get("SCRATCHDL_ARTIFACTS") or REPO / "test-artifacts") / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    request.config.scratchdl_browser_artifacts = folder  # printed by conftest's terminal summary
    return folder


# --- JupyterLab over a copy of the chapters -----------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(lab, path, method="GET", timeout=5):
    request = urllib.request.Request(f"{lab.url}{path}", method=method,
                                     headers={"Authorization": f"token {lab.token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read()
    return json.loads(body) if body else None


def _copy_chapters(dest):
    """chapters/ in `dest`, the notebook under test without outputs or execution counts."""
    shutil.copytree(REPO / "chapters", dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    path = dest / NOTEBOOK
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _settings(folder):
    """User settings for the test's JupyterLab: every cell in the page, no news prompt."""
    for plugin, values in {
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _marked_processes(marker):
    """PIDs of the processes (server, kernels) whose environment carries `marker` (Linux only)."""
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker in environ.read_bytes():
                pids.append(int(environ.parent.name))
        except OSError:
            pass
    return [pid for pid in pids if pid != os.getpid()]


def _stop(lab):
    """Shut the server and its kernels down: politely, then SIGTERM, then SIGKILL."""
    proc = lab.proc
    if proc.poll() is None:
        try:
            _api(lab, "/api/shutdown", method="POST")
            proc.wait(timeout=15)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    # A kernel runs in a session of its own; it would also exit on noticing the server has gone.
    for pid in _marked_processes(f"SCRATCHDL_BROWSER_TEST={lab.token}".encode()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory, artifacts):
    """JupyterLab serving a copy of chapters/, kernels in reference mode; stopped at the end."""
    home = tmp_path_factory.mktemp("jupyterlab")
    root = home / "chapters"
    _copy_chapters(root)
    _settings(home / "settings")
    token, port = secrets.token_hex(16), _free_port()
    env = dict(
        os.environ,
        SCRATCHDL_MODE="reference",  # kernels inherit the server's environment
        SCRATCHDL_BROWSER_TEST=token,  # finds the kernels again at the end
        # Nothing from the user's own Jupyter setup: settings, workspaces, kernels, extensions.
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
    )
    log_path = artifacts / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"],
            env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    lab = SimpleNamespace(proc=proc, url=f"http://127.0.0.1:{port}", token=token, root=root, log=log_path)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with status {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                _api(lab, "/api/status", timeout=2)
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer within {STARTUP_TIMEOUT} s:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield lab
    finally:
        _stop(lab)


# --- what the page shows ------------------------------------------------------------------


def _kernel_state(lab):
    """The execution state of the notebook's kernel on the server, or None before it has one."""
    for session in _api(lab, "/api/sessions"):
        if session["path"] == NOTEBOOK and session.get("kernel"):
            return session["kernel"]["execution_state"]
    return None


def _wait(condition, timeout, what, interval=0.3, settle=2):
    """Wait until `condition()` holds `settle` times in a row; fail with `what` after `timeout` s."""
    deadline, streak = time.monotonic() + timeout, 0
    while True:
        streak = streak + 1 if condition() else 0
        if streak >= settle:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _prompts(page):
    return page.eval_on_selector_all(".jp-Notebook .jp-CodeCell .jp-InputPrompt",
                                     "prompts => prompts.map(p => p.textContent.trim())")


def _errors_shown(page):
    """The text of every output on stderr that reads like an exception, with its cell's number."""
    return page.evaluate(
        """(pattern) => {
            const error = new RegExp(pattern, "m");
            const found = [];
            document.querySelectorAll(".jp-Notebook .jp-Cell").forEach((cell, i) => {
                cell.querySelectorAll(".jp-OutputArea-output").forEach(output => {
                    const text = output.innerText || "";
                    const stderr = output.dataset.mimeType === "application/vnd.jupyter.stderr";
                    if ((stderr || text.includes("Error displaying widget")) && error.test(text))
                        found.push(`cell ${i + 1}: ${text.slice(0, 1500)}`);
                });
            });
            return found;
        }""",
        ERROR_TEXT,
    )


def _saved_errors(lab):
    """The error outputs of the notebook as JupyterLab saved it (cell number: ename: evalue)."""
    cells = _api(lab, f"/api/contents/{NOTEBOOK}?content=1")["content"]["cells"]
    return [f"cell {i + 1}: {out['ename']}: {out['evalue']}"
            for i, cell in enumerate(cells) if cell["cell_type"] == "code"
            for out in cell["outputs"] if out["output_type"] == "error"]


def _last_saved(lab):
    return _api(lab, f"/api/contents/{NOTEBOOK}?content=0")["last_modified"]


def _image(widget):
    """src and natural size of the plot under the widget (None while there is none)."""
    return widget.evaluate(
        """w => { const img = w.querySelector(".widget-output img");
                  return img && img.complete && img.naturalHeight
                      ? {src: img.src, width: img.naturalWidth, height: img.naturalHeight} : null; }"""
    )


# --- the test -----------------------------------------------------------------------------


def test_chapter_1_runs_in_jupyterlab_and_its_explorer_redraws(browser, lab, artifacts):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(30_000)
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?reset&token={lab.token}")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell")
        # The status bar says Idle once before the kernel has even started: ask the server too.
        _wait(lambda: _kernel_state(lab) == "idle"
              and "| Idle" in page.inner_text("#jp-main-statusbar"),
              STARTUP_TIMEOUT, "the notebook's kernel to start")

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.click('li.lm-Menu-item[data-command="runmenu:run-all"]')
        # Run All marks every cell [*] at once; an error stops the run and clears the rest.
        _wait(lambda: any(p[1:-2].isdigit() for p in _prompts(page)) and "[*]:" not in _prompts(page)
              and _kernel_state(lab) == "idle", RUN_TIMEOUT, "Run All Cells to finish")

        not_run = [f"cell {i + 1}" for i, p in enumerate(_prompts(page)) if not p[1:-2].isdigit()]
        shown = _errors_shown(page)
        unsaved = _last_saved(lab)
        page.get_by_role("menuitem", name="File", exact=True).click()
        page.click('li.lm-Menu-item[data-command="docmanager:save"]')
        # The server writes the file in place: read it once the page has its answer (tab not dirty).
        _wait(lambda: _last_saved(lab) != unsaved and not page.locator(".lm-TabBar-tab.jp-mod-dirty").count(),
              30, "the notebook to be saved")
        saved = _saved_errors(lab)
        assert not saved and not shown, (
            f"{NOTEBOOK} raised in the browser:\n" + "\n".join(saved) + "\n\n" + "\n\n".join(shown))
        assert not not_run, f"code cells that did not run (counting code cells only): {not_run}"

        # The explorer, the last section: init and activation dropdowns, a depth slider, a plot.
        explorers = page.locator(".widget-interact")
        _wait(lambda: explorers.count() > 0, 30, "the init explorer (init_explorer()) to be shown")
        assert explorers.count() == 1, f"one init explorer expected, the page shows {explorers.count()}"
        explorer = explorers.first
        explorer.scroll_into_view_if_needed()
        slider = explorer.locator('.widget-slider .noUi-handle[role="slider"]')
        readout = explorer.locator(".widget-slider .widget-readout")
        _wait(lambda: _image(explorer) is not None, 30, "the explorer's plot")
        assert readout.inner_text().strip() == "10", "the depth slider should start at 10"
        before = _image(explorer)
        assert before["src"].startswith("data:image/png;base64,")
        page.screenshot(path=artifacts / "1-run-all.png", full_page=True)
        explorer.screenshot(path=artifacts / "1-explorer-depth-10.png")

        # Depth 10 -> 3, from the keyboard: 8 panels in two rows become 3 panels in one.
        slider.focus()
        for _ in range(7):
            slider.press("ArrowLeft")
        _wait(lambda: readout.inner_text().strip() == "3", 10, "the slider to read 3", settle=1)
        seen = [before["src"]]

        def redrawn():  # a new plot, the same at the last few looks, or an error
            seen.append((_image(explorer) or before)["src"])
            return bool(_errors_shown(page)) or (
                _kernel_state(lab) == "idle" and seen[-1] == seen[-2] != before["src"])

        _wait(redrawn, 30, "the explorer to redraw", settle=3)
        explorer.scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "2-depth-3.png", full_page=True)
        explorer.screenshot(path=artifacts / "2-explorer-depth-3.png")
        shown = _errors_shown(page)
        assert not shown, "an error after moving the depth slider:\n" + "\n\n".join(shown)
        after = _image(explorer)
        assert after["height"] < before["height"], (
            f"the plot for depth 3 should be one row of panels, lower than depth 10's two rows "
            f"({after['height']} px vs {before['height']} px)")
        assert not page_errors, f"JavaScript errors in the page: {page_errors}"
    except BaseException:
        try:
            page.screenshot(path=artifacts / "failure.png", full_page=True)
        except Exception as error:  # the page may be gone: keep the first failure
            print(f"no failure screenshot: {error}")
        raise
    finally:
        page.close()
