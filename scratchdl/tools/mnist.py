"""MNIST: the four canonical IDX files, found or fetched, verified, and parsed with numpy.

    data = load_mnist(validation=10_000)        # images (n, 1, 28, 28) float32 in [0, 1]
    data.X_train, data.y_train, data.X_val, data.y_val, data.X_test, data.y_test

Where the files come from, in this order:
  1. a folder you name: load_mnist(data_dir=...) or the environment variable SCRATCHDL_DATA;
  2. the cache folder (SCRATCHDL_CACHE, else ~/.cache/scratchdl/mnist);
  3. a download from the mirrors, tried in turn, into the cache: $SCRATCHDL_MNIST_MIRRORS (a
     workshop's own server) if set, else the public MIRRORS.
Every file is checked against the SHA-256 of its *decompressed* content before it is used. A
cached file that fails is reported and fetched again; a file in a folder you named is reported
and never changed. Nothing is unpickled: the IDX format is a small header and raw bytes.

To fetch ahead of time (a workshop on bad Wi-Fi): python -m scratchdl mnist fetch
To copy from a folder (a USB stick):          python -m scratchdl mnist fetch --from /media/usb
From a workshop's own server:                 python -m scratchdl mnist fetch --mirror http://10.0.0.2/mnist/
"""

import contextlib
import errno
import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# name -> SHA-256 of the decompressed file, and its decompressed size in bytes
FILES = {
    "train-images-idx3-ubyte.gz": ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", 47040016),
    "train-labels-idx1-ubyte.gz": ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", 60008),
    "t10k-images-idx3-ubyte.gz": ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", 7840016),
    "t10k-labels-idx1-ubyte.gz": ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", 10008),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # the mirror PyTorch's torchvision uses
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # the mirror TensorFlow uses
    "http://yann.lecun.com/exdb/mnist/",  # the original home
)


class MNISTUnavailable(RuntimeError):
    """The MNIST files could not be found or fetched. The message says what to do."""

    def _render_traceback_(self):
        return [f"MNISTUnavailable: {self}"]


class DownloadInterrupted(KeyboardInterrupt):
    """Ctrl-C (or the notebook's stop button) during a download: nothing half-written is kept."""

    def _render_traceback_(self):
        return [f"MNIST download stopped: {self}"]


class VerificationFailed(ValueError):
    """A file's decompressed content does not have the expected SHA-256."""


def cache_dir():
    """Where downloaded files are kept: $SCRATCHDL_CACHE/mnist, else ~/.cache/scratchdl/mnist."""
    root = os.environ.get("SCRATCHDL_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scratchdl"
    return Path(root) / "mnist"


# --- verifying and reading -----------------------------------------------------------------

_verified = {}  # (path, size, mtime) -> True, so a file is hashed once per session


def verify(path, name=None):
    """Raise VerificationFailed unless the decompressed content of `path` is that of the MNIST
    file `name` (by default, the file's own name)."""
    path = Path(path)
    name = name or path.name
    stat = path.stat()
    key = (str(path.resolve()), name, stat.st_size, stat.st_mtime_ns)
    if key in _verified:
        return
    expected_sha, expected_size = FILES[name]
    digest, size = hashlib.sha256(), 0
    try:
        with gzip.open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
    except (OSError, EOFError, zlib.error) as error:  # not gzip, or cut short
        raise VerificationFailed(f"{path} is not a complete gzip file ({error})") from None
    if digest.hexdigest() != expected_sha:
        raise VerificationFailed(
            f"{path} failed verification: its decompressed content ({size} bytes) has SHA-256 "
            f"{digest.hexdigest()}, expected {expected_sha} ({expected_size} bytes)"
        )
    _verified[key] = True


def read_idx(path):
    """Parse an IDX file (gzip-compressed) into a uint8 array of the shape its header gives."""
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic >> 8 != 0x08:  # 0x08 = unsigned bytes; the low byte is the number of dimensions
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic number {magic:#x})")
    ndim = magic & 0xFF
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


# --- finding and fetching --------------------------------------------------------------------


def default_mirrors():
    """The download addresses, tried in turn: $SCRATCHDL_MNIST_MIRRORS (addresses separated by
    spaces or commas - a workshop's own server, say), else the public MIRRORS."""
    named = os.environ.get("SCRATCHDL_MNIST_MIRRORS", "").replace(",", " ").split()
    return tuple(named) or MIRRORS


def find_mnist(data_dir=None, mirrors=None, progress=True, download_missing=True):
    """The folder holding all four verified files: named, cached, or freshly downloaded.

    mirrors:          where to download from (default: default_mirrors()).
    download_missing: False only looks - nothing is downloaded, deleted or written (status and
                      doctor); a missing or corrupt cached file is then reported.
    """
    named = data_dir or os.environ.get("SCRATCHDL_DATA")
    if named:
        return _named_folder(Path(named), "data_dir" if data_dir else "the environment variable SCRATCHDL_DATA")
    cache = cache_dir()
    sources = default_mirrors() if mirrors is None else tuple(mirrors)
    if download_missing:
        remove_stale_parts(cache)
    for name in FILES:
        path = cache / name
        if path.is_file():
            try:
                verify(path)
                continue
            except VerificationFailed as failed:
                if not download_missing:
                    raise MNISTUnavailable(f"{failed}.\n  python -m scratchdl mnist fetch replaces it.") from None
                print(f"[scratchdl] {failed}; fetching it again.", file=sys.stderr)
        if not download_missing or not sources:
            raise MNISTUnavailable(f"{name} is not in the cache, {cache}.\n" + _instructions())
        download(name, cache, sources, progress)
    return cache


def _named_folder(folder, source):
    missing = [name for name in FILES if not (folder / name).is_file()]
    unset = ("" if source == "data_dir" else "\n  Or unset SCRATCHDL_DATA to use the cache instead "
             "(python -m scratchdl mnist fetch fills it): while it is set, it wins.")
    if missing:
        raise MNISTUnavailable(f"{folder} (from {source}) does not hold {', '.join(missing)}.\n"
                               + _instructions() + unset)
    for name in FILES:
        try:
            verify(folder / name)
        except VerificationFailed as failed:
            raise MNISTUnavailable(f"{failed}. The file was left as it is; replace it with a good copy."
                                   + unset) from None
    return folder


def download(name, dest_dir, mirrors=None, progress=True):
    """Fetch one file into dest_dir from the first mirror that gives a verified copy.

    The file is written under a temporary name and renamed only once verified, so a failed or
    interrupted download never leaves a half file where a good one is expected, and two
    processes fetching at once each write their own copy.
    """
    dest_dir = Path(dest_dir)
    problems = []
    for mirror in default_mirrors() if mirrors is None else mirrors:
        url = mirror.rstrip("/") + "/" + name
        with _part_file(name, dest_dir) as (out, temporary):
            try:
                _copy_url(url, out, progress)
                out.close()
                verify(temporary, name)
            except (OSError, http.client.HTTPException, VerificationFailed) as problem:
                if _local(problem):
                    raise  # the disk, not the mirror: _part_file says what to do
                problems.append(f"  {url}: {problem}")
                print(f"[scratchdl] {url}: {problem}", file=sys.stderr)
                continue
            return _keep(temporary, dest_dir / name)
    raise MNISTUnavailable(f"could not download {name}; every address failed:\n" + "\n".join(problems) + "\n" + _instructions())


def import_from(folder, dest_dir=None):
    """Copy the four files from `folder` (a USB stick, a shared drive) into the cache, verified
    before copying and again after (a copy can go wrong too)."""
    folder, dest_dir = Path(folder), Path(dest_dir or cache_dir())
    for name in FILES:
        source = folder / name
        if not source.is_file():
            raise MNISTUnavailable(f"{folder} does not hold {name}.\n" + _instructions())
        try:
            verify(source)
        except VerificationFailed as failed:
            raise MNISTUnavailable(f"{failed}. Nothing was copied for it.") from None
    remove_stale_parts(dest_dir)
    for name in FILES:
        with _part_file(name, dest_dir) as (out, temporary):
            with open(folder / name, "rb") as source:
                shutil.copyfileobj(source, out)
            out.close()
            try:
                verify(temporary, name)
            except VerificationFailed as failed:
                raise MNISTUnavailable(f"the copy of {name} in {dest_dir} differs from {folder / name} "
                                       f"({failed}): the disk or the stick may be failing. Nothing was kept.") from None
            _keep(temporary, dest_dir / name)
    return dest_dir


# --- temporary files, and what goes wrong with disks ----------------------------------------

# Errors that come from this machine's disk, not from a mirror.
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
STALE_SECONDS = 600  # a .part not written for this long, by a process that is gone, is left over


def _local(problem):
    return isinstance(problem, OSError) and not isinstance(problem, urllib.error.URLError) and problem.errno in _DISK_ERRORS


@contextlib.contextmanager
def _part_file(name, dest_dir):
    """An open file `.NAME.PID.XXXX.part` in dest_dir, removed on the way out whatever happens.

    A write that fails for the disk's sake (full, read-only, no permission) becomes an
    MNISTUnavailable that says what to do; Ctrl-C becomes a DownloadInterrupted.
    """
    temporary = None
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".part", dir=dest_dir)
        temporary = Path(temporary)
        with os.fdopen(handle, "wb") as out:
            yield out, temporary
    except OSError as error:
        if not _local(error):
            raise
        raise MNISTUnavailable(_cannot_write(dest_dir, error)) from None
    except KeyboardInterrupt:
        raise DownloadInterrupted(f"stopped while fetching {name}; nothing half-written was kept. "
                                  "Run it again to fetch the rest.") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


def _keep(temporary, path):
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)  # atomic: the good file appears whole, or not at all
    return path


def _cannot_write(folder, error):
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        problem = f"the disk that holds {folder} is full (MNIST needs about 12 MB there)"
        fix = "Free some space, or choose a folder on another disk"
    else:
        problem = f"{folder} cannot be written to ({os.strerror(error.errno)})"
        fix = "Choose a folder you can write to"
    return (f"{problem}, so MNIST could not be saved there; nothing half-written was kept.\n"
            f"  {fix}: the environment variable SCRATCHDL_CACHE sets the cache, and SCRATCHDL_DATA "
            "names a folder that already holds the four files.")


def remove_stale_parts(folder):
    """Remove the .part files that failed downloads left behind (a killed process cannot clean
    up after itself), but never one that a running download is still writing."""
    if not folder.is_dir():
        return
    for part in folder.glob(".*.part"):
        with contextlib.suppress(OSError):
            if _abandoned(part):
                part.unlink()


def _abandoned(part):
    pieces = part.name.split(".")  # "", name..., pid, random + "part"
    pid = next((int(p) for p in reversed(pieces[:-1]) if p.isdigit()), None)
    if pid is not None and pid != os.getpid() and not _alive(pid):
        return True
    return time.time() - part.stat().st_mtime > STALE_SECONDS


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _copy_url(url, out, progress):
    """Stream `url` into the open file `out`, with a progress bar; raise if it is cut short."""
    with urllib.request.urlopen(url, timeout=30) as response:
        total = int(response.headers.get("Content-Length") or 0)
        done = 0
        for block in iter(lambda: response.read(1 << 16), b""):
            out.write(block)
            done += len(block)
            if progress and total:
                filled = int(30 * done / total)
                print(f"\r  {url.rsplit('/', 1)[-1]} [{'=' * filled}{' ' * (30 - filled)}] "
                      f"{done / 1e6:.1f}/{total / 1e6:.1f} MB", end="", file=sys.stderr, flush=True)
        if progress and total:
            print(file=sys.stderr)
        if total and done != total:
            raise urllib.error.ContentTooShortError(f"the transfer stopped after {done} of {total} bytes", None)


def _instructions():
    return (
        "To get MNIST by hand, download these four files:\n"
        + "".join(f"      {name}\n" for name in FILES)
        + "  from any one of these addresses:\n"
        + "".join(f"      {mirror}\n" for mirror in default_mirrors())
        + f"  and put them in {cache_dir()}\n"
        "  (or in any folder, then name it with load_mnist(data_dir=...) or the environment variable SCRATCHDL_DATA).\n"
        "  From a copy on a USB stick or a shared drive: python -m scratchdl mnist fetch --from FOLDER"
    )


# --- loading ---------------------------------------------------------------------------------


@dataclass
class MNIST:
    """The data set: images (n, 1, 28, 28) or (n, 784), float in [0, 1]; labels int64 in 0..9."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self):
        return (f"MNIST(train {self.X_train.shape}, validation {self.X_val.shape}, "
                f"test {self.X_test.shape}, {self.X_train.dtype})")

    def all_training(self):
        """(X, y): all the training images, the validation part included - the 60,000 of
        MNIST's training file. load_mnist keeps them as one array, so this is not a copy."""
        whole = getattr(self, "_whole_training", None)
        if whole is not None:
            return whole
        return np.concatenate([self.X_train, self.X_val]), np.concatenate([self.y_train, self.y_val])


def load_mnist(data_dir=None, flatten=False, validation=0, dtype=np.float32):
    """Load MNIST, finding or fetching the files first (see the module's docstring).

    Args:
        data_dir:   a folder holding the four .gz files (else $SCRATCHDL_DATA, else the cache).
        flatten:    images as rows of 784 pixels instead of (1, 28, 28).
        validation: how many of the 60,000 training images to hold out, from the end of the
                    training set (the usual split is 10,000); 0 for none.
        dtype:      float32 (the default: half the memory, twice the speed) or float64.

    Returns:
        MNIST with X_train, y_train, X_val, y_val, X_test, y_test.
    """
    if not isinstance(validation, (int, np.integer)) or not 0 <= validation < 60_000:
        raise ValueError(f"validation must be a whole number of images from 0 to 59999; got {validation!r}")
    folder = find_mnist(data_dir)
    images = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        pixels = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz").reshape((-1, 784) if flatten else (-1, 1, 28, 28))
        X = pixels.astype(dtype)
        X /= 255  # in place: one float copy of the images in memory, not two
        images[part] = (X, read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    (X, y), (X_test, y_test) = images["train"], images["test"]
    cut = len(X) - validation
    data = MNIST(X[:cut], y[:cut], X[cut:], y[cut:], X_test, y_test)
    data._whole_training = (X, y)  # the two parts are views of these: see all_training
    return data
