"""A file the course wrote, shown in a notebook as a link that downloads it.

JupyterLab resolves a relative link in a cell's output against the notebook's folder and points
it at the server's files/ address; a link with a `download` attribute is left to the browser,
which saves the file (without it, JupyterLab would try to open the .zip as a document). The
kernel runs in the notebook's folder, so the link is the file's path relative to the kernel's
current folder.
"""

import html
import os
import urllib.parse
from pathlib import Path


def size_text(n_bytes):
    """1234 -> '1.2 kB' (decimal units, as file browsers show them)."""
    for unit in ("bytes", "kB", "MB"):
        if n_bytes < 1000 or unit == "MB":
            return f"{n_bytes} {unit}" if unit == "bytes" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000


class DownloadLink(os.PathLike):
    """A file to download: its path as str() (and wherever a path is taken), a link in a notebook.

    path: the file (it must exist)
    note: one line said after the link ("23 of 61 exercises passing")
    """

    def __init__(self, path, note=""):
        self.path = Path(path).resolve()
        self.note = note

    def __fspath__(self):
        return str(self.path)

    def __str__(self):
        return str(self.path)

    def __repr__(self):
        note = f"; {self.note}" if self.note else ""
        return f"{self.path} ({size_text(self.path.stat().st_size)}{note})"

    def href(self):
        """The link, relative to the folder the kernel runs in (the notebook's)."""
        relative = os.path.relpath(self.path, Path.cwd())
        return urllib.parse.quote(Path(relative).as_posix())

    def _repr_html_(self):
        name = html.escape(self.path.name)
        note = f" · {html.escape(self.note)}" if self.note else ""
        return (f"<p>⬇ <a href=\"{html.escape(self.href())}\" download=\"{name}\">{name}</a> "
                f"({size_text(self.path.stat().st_size)}{note})<br>"
                f"<small>saved in <code>{html.escape(str(self.path.parent))}</code></small></p>")
