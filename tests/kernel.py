"""A learner's Jupyter kernel, for tests: a copy of the course, a real kernel, cells run one by one.

The copy is reset to the shipped stubs, and the package is *not* installed in the kernel's view
(as on a JupyterHub after nbgitpuller): the setup cell must find scratchdl next to chapters/.
The tests edit files in the copy while the kernel stays up, the way a learner saves in an editor.
"""

import json
import os
import shutil

from jupyter_client.manager import start_new_kernel

from course_copy import COURSE_DIR, copy_course

# Run in the kernel before anything else: forget that scratchdl is pip-installed (editable).
HIDE_INSTALLED_PACKAGE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in str(getattr(f, "__module__", "")).lower()]
for name in [m for m in sys.modules if m == "scratchdl" or m.startswith("scratchdl.")]:
    del sys.modules[name]
"""


class Kernel:
    def __init__(self, cwd, env):
        self.manager, self.client = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)

    def run(self, code, timeout=300):
        """Run a cell; return (everything it showed, as text; the error's name or None)."""
        texts, errors = [], []

        def collect(message):
            kind, content = message["msg_type"], message["content"]
            if kind == "stream":
                texts.append(content["text"])
            elif kind in ("execute_result", "display_data"):
                texts.append(content["data"].get("text/plain", "") + "\n")
            elif kind == "error":
                errors.append(content["ename"])
                texts.append("\n".join(content["traceback"]) + "\n")

        self.client.execute_interactive(code, output_hook=collect, timeout=timeout)
        return "".join(texts), (errors[0] if errors else None)

    def interrupt(self):
        self.manager.interrupt_kernel()

    def stop(self):
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def learner_course(root, solutions=True):
    """A copy of the course at `root` (stubs, chapters, solutions) and the environment of a kernel
    that sees it as a learner on a hub does: learner mode, the package not installed."""
    copy_course(root, solutions=solutions)
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-not-installed.py").write_text(HIDE_INSTALLED_PACKAGE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_") and k != "PYTHONPATH"}
    env.update(IPYTHONDIR=str(root / "ipython"), MPLBACKEND="Agg", SCRATCHDL_MODE="learner")
    return env


def first_code_cell(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def chapter_folder(root, chapter_number):
    return next((root / "chapters").glob(f"{chapter_number:02d}_*/"))


def setup_cell(root, chapter_number):
    """The setup cell of a chapter, run from its folder (as Jupyter runs a notebook's kernel)."""
    folder = chapter_folder(root, chapter_number)
    notebook = folder / f"{folder.name}.ipynb"
    return f"import os; os.chdir({str(folder)!r})\n" + first_code_cell(notebook)


# What a reload gone wrong looks like in a cell's output (IPython's autoreload, or a traceback).
RELOAD_TROUBLE = ("Traceback", "Failed to reload", "[autoreload of", "requires a code object")
