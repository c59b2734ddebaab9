"""Where the course is running: on your own machine, a JupyterHub, Binder, Colab or JupyterLite.

Most of the course does not care. What does: whether your files outlive the session (they do not
on Binder, in a Colab VM outside Google Drive, or in a browser whose site data is cleared), and
how fast numpy is (in JupyterLite it runs as WebAssembly, many times slower).
"""

import os
import sys
from pathlib import Path


def in_pyodide():
    """True in JupyterLite (Python compiled to WebAssembly, running in the browser)."""
    return sys.platform == "emscripten"


def in_colab():
    """True in a Google Colab runtime."""
    if "google.colab" in sys.modules:
        return True
    try:
        import google.colab  # noqa: F401 - importing it is the usual test
    except ImportError:
        return False
    return True


def on_binder():
    """True in a mybinder.org session (BinderHub sets these variables in every session)."""
    return any(name in os.environ for name in ("BINDER_SERVICE_HOST", "BINDER_LAUNCH_HOST", "BINDER_REPO_URL"))


def host():
    """'jupyterlite', 'colab', 'binder' or 'local' (a laptop, a lab machine or a JupyterHub)."""
    if in_pyodide():
        return "jupyterlite"
    if in_colab():
        return "colab"
    if on_binder():
        return "binder"
    return "local"


KEEP = ("To keep your work, run scratchdl.export() (it gives a download link to one .zip of your files "
        "and progress); `python -m scratchdl import FILE` puts it back into a fresh copy of the course.")


def temporary_files(course_dir):
    """What to tell a learner whose files may not outlive the session, or None where they do."""
    where = host()
    if where == "binder":
        return ("Your files here are temporary: Binder deletes this session, and everything you wrote, "
                "after about 10 minutes without activity, or when you close the tab. " + KEEP)
    if where == "jupyterlite":
        return ("This course runs in your browser (JupyterLite): your files are kept in this browser's "
                "storage only, and are lost if its site data is cleared, in a private window, or in "
                "another browser. " + KEEP)
    if where == "colab":
        if "MyDrive" in Path(course_dir).parts:
            return (f"Your files are in your Google Drive ({course_dir}): they are kept when Colab "
                    "recycles this machine. After a reconnect, run the setup cell again.")
        return "Your files are temporary: Colab deletes them with this session. " + KEEP
    return None


def tell_once(course_dir, say=print):
    """Say temporary_files(course_dir) once per copy of the course, at the start of a chapter.

    Once per copy means once per session on Binder and in a Colab session without Drive, whose
    copies are new each time, and once per browser in JupyterLite, whose copy is the browser's.
    """
    message = temporary_files(course_dir)
    told = Path(course_dir) / ".scratchdl" / f"told-{host()}"
    if message is None or told.exists():
        return
    say(f"! {message}")
    try:
        told.parent.mkdir(exist_ok=True)
        told.write_text("")
    except OSError:  # a read-only copy: say it again next time rather than fail
        pass
