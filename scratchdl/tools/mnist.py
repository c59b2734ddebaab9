"""MNIST: the four canonical IDX files, found or fetched, verified, and parsed with numpy.

    data = load_mnist(validation=10_000)        # images (n, 1, 28, 28) float32 in [0, 1]
    data.X_train, data.y_train, data.X_val, data.y_val, data.X_test, data.y_test

Where the files come from, in this order:
  1. a folder you name: load_mnist(data_dir=...) or the environment variable SCRATCHDL_DATA;
  2. the cache folder (SCRATCHDL_CACHE, else ~/.cache/scratchdl/mnist);
  3. a download from the public mirrors, tried in turn, into the cache.
Every file is checked against the SHA-256 of its *decompressed* content before it is used. A
cached file that fails is reported and fetched again; a file in a folder you named is reported
and never changed. Nothing is unpickled: the IDX format is a small header and raw bytes.

To fetch ahead of time (a workshop on bad Wi-Fi): python -m scratchdl mnist fetch
To copy from a folder (a USB stick):          python -m scratchdl mnist fetch --from /media/usb
"""

import gzip
import hashlib
import http.client
import os
import shutil
import sys
import tempfile
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


def find_mnist(data_dir=None, mirrors=MIRRORS, progress=True):
    """The folder holding all four verified files: named, cached, or freshly downloaded."""
    named = data_dir or os.environ.get("SCRATCHDL_DATA")
    if named:
        named = Path(named)
        missing = [name for name in FILES if not (named / name).is_file()]
        if missing:
            source = "data_dir" if data_dir else "the environment variable SCRATCHDL_DATA"
            raise MNISTUnavailable(f"{named} (from {source}) does not hold {', '.join(missing)}.\n" + _instructions())
        for name in FILES:
            try:
                verify(named / name)
            except VerificationFailed as failed:
                raise MNISTUnavailable(f"{failed}. The file was left as it is; replace it with a good copy.") from None
        return named
    cache = cache_dir()
    for name in FILES:
        path = cache / name
        if path.is_file():
            try:
                verify(path)
                continue
            except VerificationFailed as failed:
                print(f"[scratchdl] {failed}; fetching it again.", file=sys.stderr)
                path.unlink()
        if not mirrors:
            raise MNISTUnavailable(f"{name} is not in the cache, {cache}.\n" + _instructions())
        download(name, cache, mirrors, progress)
    return cache


def download(name, dest_dir, mirrors=MIRRORS, progress=True):
    """Fetch one file into dest_dir from the first mirror that gives a verified copy.

    The file is written under a temporary name and renamed only once verified, so a failed or
    interrupted download never leaves a half file where a good one is expected.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    problems = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
        temporary = Path(temporary)
        try:
            with os.fdopen(handle, "wb") as out:
                _copy_url(url, out, progress)
            verify(temporary, name)
            os.chmod(temporary, 0o644)
            os.replace(temporary, dest_dir / name)  # atomic: the good file appears whole
            return dest_dir / name
        except (OSError, http.client.HTTPException, VerificationFailed) as problem:
            problems.append(f"  {url}: {problem}")
            print(f"[scratchdl] {url}: {problem}", file=sys.stderr)
        finally:
            temporary.unlink(missing_ok=True)
    raise MNISTUnavailable(f"could not download {name}; every address failed:\n" + "\n".join(problems) + "\n" + _instructions())


def import_from(folder, dest_dir=None):
    """Copy the four files from `folder` (a USB stick, a shared drive) into the cache, verified."""
    folder, dest_dir = Path(folder), Path(dest_dir or cache_dir())
    dest_dir.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        source = folder / name
        if not source.is_file():
            raise MNISTUnavailable(f"{folder} does not hold {name}.\n" + _instructions())
        try:
            verify(source)
        except VerificationFailed as failed:
            raise MNISTUnavailable(f"{failed}. Nothing was copied for it.") from None
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
        os.close(handle)
        shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, dest_dir / name)
    return dest_dir


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
        + "".join(f"      {mirror}\n" for mirror in MIRRORS)
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
        pixels = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
        shape = (-1, 784) if flatten else (-1, 1, 28, 28)
        images[part] = (pixels.reshape(shape).astype(dtype) / 255, read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64))
    (X, y), (X_test, y_test) = images["train"], images["test"]
    cut = len(X) - validation
    return MNIST(X[:cut], y[:cut], X[cut:], y[cut:], X_test, y_test)
