"""Your work in one file: export it to keep, import it into a fresh copy, hand it in.

    python -m scratchdl export         scratchdl-work-YYYY-MM-DD.zip in the course folder
    python -m scratchdl import FILE    put the files of an export (or a hand-in) back
    python -m scratchdl handin         scratchdl-handin.zip, for your instructor (replaced each time)

From a notebook, scratchdl.export() and scratchdl.handin() write the same archives and show a
link that downloads them.

An archive is a .zip of your files only: the scratchdl/*.py files that hold exercises (the
course's table, scratchdl.course.chapters, lists them), the hints you have seen
(.scratchdl/hints.json) and manifest.json - what kind of archive it is, the course's version
(git commit or package version), Python's and numpy's, when it was made (UTC), each file's
SHA-256 and your progress (the rows of `progress --json`). Never the solutions, the checks,
the chapters or any data.

Reading an archive trusts nothing in it: an absolute path, a `..`, a link, a file that is not
one of yours, more than MAX_BYTES unpacked, or a manifest that is missing or does not match the
files, and it is refused - with the reason, before anything is written.
"""

import ast
import datetime
import hashlib
import io
import json
import os
import platform
import stat
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from scratchdl.course.chapters import COURSE_DIR, LEARNER_MODULES, VERSION
from scratchdl.course.exercises import is_stub_node
from scratchdl.course.loader import _decorated_id, _definitions
from scratchdl.course.usage import UsageError

FORMAT = 1
KINDS = ("export", "handin", "backup")
MANIFEST = "manifest.json"
HINTS = ".scratchdl/hints.json"
BACKUPS = ".scratchdl/backups"
MAX_BYTES = 5_000_000  # all files together, unpacked: a course's work is about 100 kB
MAX_FILE_BYTES = 1_000_000


class ArchiveError(UsageError):
    """An archive cannot be written or read; the message says why and what to do."""


# --- which files are the learner's ----------------------------------------------------------


def learner_paths():
    """The learner's files, relative to the course folder: ['scratchdl/initializers.py', ...]."""
    return [module.replace(".", "/") + ".py" for module in LEARNER_MODULES]


def learner_files(course):
    """{relative path: bytes} of the learner's files in the course folder `course`: the files
    with exercises and .scratchdl/hints.json, those that are there. A link or an outsized file
    is refused (ArchiveError): it is not work a learner wrote."""
    course = Path(course)
    found = {}
    for relative in learner_paths() + [HINTS]:
        path = course / relative
        if path.is_symlink():
            raise ArchiveError(f"{path} is a symbolic link, not a file: put the file itself there")
        if not path.is_file():
            continue
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ArchiveError(f"{path} is {path.stat().st_size:,} bytes; a file of yours is at most "
                               f"{MAX_FILE_BYTES:,} bytes")
        found[relative] = path.read_bytes()
    return found


def holds_work(path):
    """True if the file at `path` has an exercise written in it (or does not parse: work in
    progress, too); False if it is missing or has only the shipped stubs."""
    try:
        tree = ast.parse(Path(path).read_bytes())
    except FileNotFoundError:
        return False
    except (SyntaxError, ValueError):
        return True
    # The loader's own way of finding an exercise's def: by its @exercise("N.M") line.
    return any(_decorated_id(node) and not is_stub_node(node) for _, node in _definitions(tree))


# --- the manifest ---------------------------------------------------------------------------


def course_version():
    """{"version": the package's, "commit": `git rev-parse HEAD` of the course folder or None}."""
    commit = None
    if (COURSE_DIR / ".git").exists():
        try:
            done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=COURSE_DIR, capture_output=True,
                                  text=True, timeout=10)
            commit = done.stdout.strip() if done.returncode == 0 else None
        except (OSError, subprocess.SubprocessError):  # no git here (JupyterLite has no processes)
            commit = None
    return {"version": VERSION, "commit": commit}


def make_manifest(kind, files, progress_rows=None):
    """The manifest of an archive of `kind` holding `files` ({path: bytes}).

    progress_rows: the rows of progress().to_json(), parsed; None leaves them out
    """
    if kind not in KINDS:
        raise ArchiveError(f"an archive is one of {', '.join(KINDS)}; got {kind!r}")
    return {
        "format": FORMAT,
        "kind": kind,
        "course": course_version(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "files": {path: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for path, data in sorted(files.items())},
        "progress": progress_rows,
    }


# --- writing --------------------------------------------------------------------------------


def writable_target(out):
    """`out` as a Path, after making sure a file can be written there (ArchiveError if not)."""
    out = Path(out).expanduser()
    if out.is_dir():
        raise ArchiveError(f"{out} is a folder; give the name of the file to write, e.g. {out / 'work.zip'}")
    if not out.parent.is_dir():
        raise ArchiveError(f"cannot write {out}: the folder {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ArchiveError(f"cannot write {out}: it is not writable here; choose another place")
    return out


def write_atomically(path, data):
    """Write bytes `data` as the file `path`: under a temporary name beside it, then renamed, so
    that the file is either the old one or the new one, never half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file private (0600); it keeps the mode of the file it replaces, else rw-r--r--
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_zip(files, manifest, out):
    """Write `files` ({path: bytes}) and `manifest` as the .zip `out`, replacing it at once (a
    reader never sees half an archive). Returns the Path written."""
    out = writable_target(out)
    now = datetime.datetime.now().timetuple()[:6]
    buffer = io.BytesIO()  # a learner's work is small: build the archive in memory
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [*sorted(files.items()), (MANIFEST, json.dumps(manifest, indent=1).encode())]:
            info = zipfile.ZipInfo(name, date_time=now)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    try:
        write_atomically(out, buffer.getvalue())
    except OSError as error:
        raise ArchiveError(f"cannot write {out}: {error.strerror or error}") from None
    return out


def default_name(kind):
    """Where an export or a hand-in goes unless told: in the course folder."""
    if kind == "export":
        return COURSE_DIR / f"scratchdl-work-{datetime.date.today().isoformat()}.zip"
    return COURSE_DIR / "scratchdl-handin.zip"


def backup_name(course):
    """A new file in the course's .scratchdl/backups/ for the files an import replaces."""
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S-%f")
    return Path(course) / BACKUPS / f"scratchdl-backup-{stamp}.zip"


@dataclass
class Packed:
    path: Path
    files: dict  # {path: bytes}
    passing: int = None  # exercises passing when it was made (None: not judged)
    total: int = None

    @property
    def summary(self):
        s = "s" if len(self.files) != 1 else ""
        text = f"{len(self.files)} file{s}, {self.path.stat().st_size / 1000:.1f} kB"
        if self.passing is not None:
            text += f"; {self.passing} of {self.total} exercises passing"
        return text


def pack(kind="export", out=None, judge=True):
    """Write this course's learner files into an archive; return a Packed (its path and what is in it).

    kind:  "export" (to keep) or "handin" (for the instructor)
    out:   the file to write (default: scratchdl-work-DATE.zip or scratchdl-handin.zip in the course folder)
    judge: also judge every exercise, for the manifest's progress (what `progress --json` gives)
    """
    if kind not in ("export", "handin"):
        raise ArchiveError(f"pack writes an export or a handin; got {kind!r}")
    out = writable_target(out if out is not None else default_name(kind))
    files = learner_files(COURSE_DIR)
    rows = None
    if judge:
        from scratchdl.course.progress import progress

        rows = json.loads(progress().to_json())
    path = write_zip(files, make_manifest(kind, files, rows), out)
    passing = sum(row["state"] == "passing" for row in rows) if rows is not None else None
    return Packed(path, files, passing, len(rows) if rows is not None else None)


# --- reading --------------------------------------------------------------------------------


def _refuse_name(info, allowed):
    """The reason a member of the zip may not be unpacked, or None if it may."""
    name = info.filename
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"it holds {name!r}, an absolute path"
    if "\\" in name:
        return f"it holds {name!r}, a path with a backslash"
    if ".." in parts:
        return f"it holds {name!r}, a path that climbs out of the folder (..)"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"it holds {name!r} as a symbolic link"
    if info.flag_bits & 0x1:
        return f"it holds {name!r} encrypted"
    if name not in allowed:
        return (f"it holds {name!r}, which is not one of a learner's files (only "
                f"scratchdl/<file>.py of the exercises, {HINTS} and {MANIFEST} belong in it)")
    return None


def _members(archive, path):
    """{name: ZipInfo} of an open archive, every name checked and the sizes capped."""
    allowed = set(learner_paths()) | {HINTS, MANIFEST}
    folders = {"scratchdl/", ".scratchdl/"}  # zip tools may list the folders too
    members, total = {}, 0
    for info in archive.infolist():
        if info.is_dir() and info.filename in folders:
            continue
        reason = _refuse_name(info, allowed)
        if reason:
            raise ArchiveError(f"{path.name} cannot be read: {reason}.")
        if info.filename in members:
            raise ArchiveError(f"{path.name} cannot be read: it holds {info.filename!r} twice.")
        total += info.file_size
        if info.file_size > MAX_FILE_BYTES or total > MAX_BYTES:
            raise ArchiveError(f"{path.name} cannot be read: it unpacks to more than {MAX_BYTES:,} bytes "
                               f"({info.filename} alone is {info.file_size:,}); a learner's work is far smaller.")
        members[info.filename] = info
    return members


def _checked_manifest(path, manifest, contents):
    """The manifest, if it describes the archive's files exactly (ArchiveError otherwise)."""
    problem = None
    if not isinstance(manifest, dict):
        problem = "its manifest.json is not a JSON object"
    elif manifest.get("format") != FORMAT:
        problem = f"its manifest.json has format {manifest.get('format')!r}; this course reads format {FORMAT}"
    elif manifest.get("kind") not in KINDS:
        problem = f"its manifest.json names the kind {manifest.get('kind')!r}; expected one of {', '.join(KINDS)}"
    elif not isinstance(manifest.get("files"), dict) or set(manifest["files"]) != set(contents):
        listed = sorted(manifest["files"]) if isinstance(manifest.get("files"), dict) else manifest.get("files")
        problem = f"its manifest.json lists the files {listed}, but the archive holds {sorted(contents)}"
    else:
        for name, data in contents.items():
            entry = manifest["files"][name]
            if not isinstance(entry, dict) or entry.get("sha256") != hashlib.sha256(data).hexdigest():
                problem = f"{name} is not the file its manifest.json describes (the SHA-256 differs)"
                break
    if problem:
        raise ArchiveError(f"{path.name} cannot be read: {problem}.")
    return manifest


def _decoded(path, name, data):
    """Check that a member is what its name says: a learner's .py is UTF-8 text, hints.json a JSON object."""
    try:
        text = data.decode("utf-8")
        if name == HINTS and not isinstance(json.loads(text), dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        raise ArchiveError(f"{path.name} cannot be read: {name} is not what its name says ({error}).") from None


def read_zip(path):
    """The learner's files and the manifest of the archive `path`: ({path: bytes}, manifest dict).

    Everything is checked first (see the module's docstring); ArchiveError says what is wrong.
    """
    path = Path(path)
    if not path.is_file():
        raise ArchiveError(f"no such file: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _members(archive, path)
            if MANIFEST not in members:
                raise ArchiveError(f"{path.name} cannot be read: it has no {MANIFEST}, so it was not made by "
                                   "`python -m scratchdl export` or `handin`.")
            contents = {name: archive.read(info) for name, info in members.items()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise ArchiveError(f"{path.name} is not a .zip archive that can be read ({error}).") from None
    try:
        manifest = json.loads(contents.pop(MANIFEST).decode("utf-8"))
    except ValueError as error:
        raise ArchiveError(f"{path.name} cannot be read: its {MANIFEST} is not valid JSON ({error}).") from None
    _checked_manifest(path, manifest, contents)
    for name, data in contents.items():
        _decoded(path, name, data)
    return contents, manifest


# --- importing ------------------------------------------------------------------------------


@dataclass
class Unpacked:
    """What an import did."""

    source: Path
    manifest: dict
    restored: list = field(default_factory=list)  # the files written
    unchanged: list = field(default_factory=list)  # already the same here
    backup: Path = None  # where the files it replaced were saved first (--force)
    hints_merged: bool = False

    def __str__(self):
        made = self.manifest.get("created", "?")
        course = self.manifest.get("course") or {}
        at = f" at {str(course.get('commit'))[:7]}" if course.get("commit") else ""
        kind = {"export": "an export", "handin": "a hand-in", "backup": "a backup"}[self.manifest["kind"]]
        lines = [f"✓ {len(self.restored)} file{'s' if len(self.restored) != 1 else ''} restored from "
                 f"{self.source.name} ({kind} made {made}, course {course.get('version')}{at})"
                 + (":" if self.restored else ".")]
        lines += [f"    {name}" for name in self.restored]
        if self.unchanged:
            lines.append(f"  {len(self.unchanged)} other file{'s were' if len(self.unchanged) != 1 else ' was'} "
                         "already the same here.")
        if self.hints_merged:
            lines.append("  The hints you had seen are remembered (merged with this copy's).")
        if self.backup:
            lines.append(f"  The files it replaced are saved in {self.backup}; `python -m scratchdl import "
                         f"{self.backup} --force` puts them back.")
        here = course_version().get("commit")
        if course.get("commit") and here and here != course["commit"]:
            lines.append(f"  ! The archive was made from course commit {course['commit'][:7]}; this copy is at "
                         f"{here[:7]}. If an exercise moved, `progress` says which.")
        lines.append("  `python -m scratchdl progress` shows where you are.")
        return "\n".join(lines)


def _levels(text):
    """{exercise id: hint level} from a hints.json's text; what is not a level is left out."""
    try:
        seen = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(seen, dict):
        return {}
    return {key: level for key, level in seen.items() if isinstance(level, int) and not isinstance(level, bool)}


def _merged_hints(current, incoming):
    """The hints seen in either copy (hints.json's text): the higher level for each exercise."""
    seen = _levels(current)
    for exercise_id, level in _levels(incoming).items():
        seen[exercise_id] = max(level, seen.get(exercise_id, 0))
    return json.dumps(seen, indent=1, sort_keys=True).encode()


def unpack(path, into=None, force=False):
    """Put the files of an archive back into a copy of the course; return an Unpacked.

    into:  the course folder (default: this one)
    force: replace files that hold work of yours and differ from the archive's; they are saved
           in an archive in .scratchdl/backups/ first. Without it, such files stop the import.
    """
    into = Path(into) if into is not None else COURSE_DIR
    if not Path(path).is_file():
        raise ArchiveError(f"no such file: {path}")
    try:
        files, manifest = read_zip(path)
    except ArchiveError as refused:
        raise ArchiveError(f"{refused} Nothing was written.") from None
    if not (into / "scratchdl" / "__init__.py").is_file():
        raise ArchiveError(f"{into} is not a copy of the course (it has no scratchdl/ package). Nothing was written.")
    current = learner_files(into)
    incoming_hints = files.pop(HINTS, None)
    changed = [name for name, data in files.items() if current.get(name) != data]
    would_lose = [name for name in changed if holds_work(into / name)]
    if would_lose and not force:
        raise ArchiveError(
            f"{', '.join(would_lose)} in {into} already hold{'s' if len(would_lose) == 1 else ''} work of yours "
            f"that differs from {Path(path).name}. Nothing was written. To replace "
            f"{'it' if len(would_lose) == 1 else 'them'} with the archive's, add --force: the files it "
            f"replaces are saved in {into / BACKUPS} first.")
    done = Unpacked(Path(path), manifest, unchanged=sorted(set(files) - set(changed)))
    if force and would_lose:
        backup = backup_name(into)
        backup.parent.mkdir(parents=True, exist_ok=True)
        done.backup = write_zip(current, make_manifest("backup", current), backup)
    for name in changed:
        write_atomically(into / name, files[name])
        done.restored.append(name)
    if incoming_hints is not None:
        write_atomically(into / HINTS, _merged_hints(current.get(HINTS), incoming_hints))
        done.hints_merged = True
    return done


# --- from a notebook ------------------------------------------------------------------------


def _offered(packed):
    """The archive as a notebook shows it: a download link (in Colab, whose outputs cannot link to
    the machine's files, the browser is also asked to download it at once)."""
    from scratchdl.course import hosts
    from scratchdl.course.download import DownloadLink

    if hosts.in_colab():
        from google.colab import files

        files.download(str(packed.path))
    return DownloadLink(packed.path, packed.summary)


def export(out=None):
    """Save your work in one file: scratchdl-work-DATE.zip in the course folder (or `out`).

    In a notebook it shows a link that downloads the file; str() of what it returns is its path.
    `python -m scratchdl import FILE` (in a fresh copy of the course) puts your files back.
    """
    return _offered(pack("export", out))


def handin(out=None):
    """Pack your work for your instructor: scratchdl-handin.zip in the course folder (or `out`).

    Running it again replaces the file. Holds your files and progress only - never the
    solutions, checks or data. In a notebook it shows a link that downloads the file.
    """
    return _offered(pack("handin", out))
