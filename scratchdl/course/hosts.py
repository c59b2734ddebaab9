"""Where the course is running: on your own machine, a JupyterHub, Binder, Colab or JupyterLite.

Most of the course does not care. What does: whether your files outlive the session (they do not
on Binder, in a Colab VM outside Google Drive, or in a browser whose site data is cleared), and
how fast numpy is (in JupyterLite it runs as WebAssembly, many times slower).
"""

import os
import sys


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
