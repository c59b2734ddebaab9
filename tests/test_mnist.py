"""MNIST files: found, downloaded from a real HTTP server on 127.0.0.1, verified, parsed.

The server plays the mirrors: one serving good files, one serving a corrupted file, one cutting
the transfer short, one answering 404, and a port where nothing listens (a mirror that is down).
"""

import errno
import functools
import gzip
import http.server
import os
import shutil
import socket
import subprocess
import sys
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from scratchdl.tools import mnist
from scratchdl.course.exercises import COURSE_DIR

SHARED = Path(os.environ.get("SCRATCHDL_DATA") or COURSE_DIR.parent / "shared" / "data" / "mnist")
LABELS = "t10k-labels-idx1-ubyte.gz"  # the smallest file, for the download tests


@functools.lru_cache(maxsize=None)
def corrupted(name):
    """The file's content with its last byte changed, compressed again: a valid gzip, wrong content."""
    content = bytearray(gzip.decompress((SHARED / name).read_bytes()))
    content[-1] = (content[-1] + 1) % 10
    return gzip.compress(bytes(content), compresslevel=1)


class Mirrors(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        kind, name = self.path.strip("/").split("/", 1)
        if kind == "missing" or name not in mnist.FILES:
            self.send_error(404)
            return
        body = corrupted(name) if kind == "corrupt" else (SHARED / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if kind == "slow":  # half the file, then a long pause: time to stop or kill the client
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(60)
            return
        self.wfile.write(body[: len(body) // 2] if kind == "truncated" else body)

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):  # a client the tests stopped or killed
            pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mirrors)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield {kind: f"{base}/{kind}/" for kind in ("good", "corrupt", "truncated", "missing", "slow")}
    httpd.shutdown()


@pytest.fixture
def down():
    """The address of a port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SCRATCHDL_DATA", raising=False)
    return tmp_path / "cache" / "mnist"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name not in mnist.FILES) if folder.exists() else []


def test_a_good_mirror_gives_a_verified_file_and_nothing_else(server, tmp_path):
    path = mnist.download(LABELS, tmp_path, [server["good"]], progress=False)
    assert path == tmp_path / LABELS
    assert path.read_bytes() == (SHARED / LABELS).read_bytes()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("first, reported", [
    ("down", "Connection refused"),
    ("missing", "HTTP Error 404"),
    ("corrupt", "failed verification: its decompressed content"),
    ("truncated", "the transfer stopped after 2271 of 4542 bytes"),
])
def test_a_bad_mirror_is_reported_and_the_next_one_used(server, down, tmp_path, capsys, first, reported):
    bad = down if first == "down" else server[first]
    path = mnist.download(LABELS, tmp_path, [bad, server["good"]], progress=False)
    mnist.verify(path)
    assert path.read_bytes() == (SHARED / LABELS).read_bytes()
    err = capsys.readouterr().err
    assert bad + LABELS in err and reported in err
    assert leftovers(tmp_path) == [], "no half or bad file is left behind"


def test_when_every_mirror_fails_the_error_says_what_to_fetch_and_where_to_put_it(server, down, cache, capsys):
    with pytest.raises(mnist.MNISTUnavailable) as unavailable:
        mnist.find_mnist(mirrors=[down, server["corrupt"], server["truncated"]], progress=False)
    message = str(unavailable.value)
    assert "every address failed" in message
    assert all(name in message for name in mnist.FILES)
    assert all(mirror in message for mirror in mnist.MIRRORS)
    assert f"put them in {cache}" in message and "--from FOLDER" in message
    assert not isinstance(unavailable.value, OSError), "not a raw urllib error"
    assert unavailable.value._render_traceback_()[0].startswith("MNISTUnavailable: ")
    assert leftovers(cache) == []


def test_find_mnist_downloads_all_four_files_into_the_cache_with_a_progress_bar(server, cache, capsys):
    folder = mnist.find_mnist(mirrors=[server["good"]])
    assert folder == cache and sorted(p.name for p in cache.iterdir()) == sorted(mnist.FILES)
    assert "[==============================]" in capsys.readouterr().err
    assert mnist.find_mnist(mirrors=()) == cache, "found in the cache the second time, without a download"


def test_a_corrupt_cached_file_is_reported_and_fetched_again_never_used(server, cache, capsys):
    cache.mkdir(parents=True)
    for name in mnist.FILES:
        shutil.copy(SHARED / name, cache / name)
    (cache / LABELS).write_bytes(corrupted(LABELS))
    mnist.find_mnist(mirrors=[server["good"]], progress=False)
    assert f"{cache / LABELS} failed verification" in capsys.readouterr().err
    assert (cache / LABELS).read_bytes() == (SHARED / LABELS).read_bytes()


def test_a_corrupt_file_in_a_named_folder_is_reported_and_left_alone(tmp_path):
    for name in mnist.FILES:
        shutil.copy(SHARED / name, tmp_path / name)
    bad = corrupted(LABELS)
    (tmp_path / LABELS).write_bytes(bad)
    with pytest.raises(mnist.MNISTUnavailable, match="failed verification.*left as it is"):
        mnist.find_mnist(tmp_path)
    assert (tmp_path / LABELS).read_bytes() == bad


def test_a_named_folder_missing_files_says_which(tmp_path, monkeypatch):
    shutil.copy(SHARED / LABELS, tmp_path / LABELS)
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    with pytest.raises(mnist.MNISTUnavailable, match=r"from the environment variable SCRATCHDL_DATA\) does not hold train-images"):
        mnist.find_mnist()


def test_a_file_that_is_not_gzip_fails_verification(tmp_path):
    (tmp_path / LABELS).write_bytes(b"<html>not found</html>")
    with pytest.raises(mnist.VerificationFailed, match="is not a complete gzip file"):
        mnist.verify(tmp_path / LABELS)


def run_cli(*args, cache_root):
    env = dict(os.environ, SCRATCHDL_CACHE=str(cache_root))
    env.pop("SCRATCHDL_DATA", None)
    return subprocess.run([sys.executable, "-m", "scratchdl", "mnist", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_workshop_commands_import_from_a_folder_and_report_status(tmp_path):
    result = run_cli("status", cache_root=tmp_path)
    assert result.returncode == 1 and "is not in the cache" in result.stderr
    result = run_cli("fetch", "--from", str(SHARED), cache_root=tmp_path)
    assert result.returncode == 0 and "all four files present and verified" in result.stdout
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(mnist.FILES)
    assert run_cli("status", cache_root=tmp_path).returncode == 0

    usb = tmp_path / "usb"
    usb.mkdir()
    for name in mnist.FILES:
        shutil.copy(SHARED / name, usb / name)
    (usb / LABELS).write_bytes(corrupted(LABELS))
    result = run_cli("fetch", "--from", str(usb), cache_root=tmp_path / "other")
    assert result.returncode == 1 and "failed verification" in result.stderr and "Nothing was copied" in result.stderr


def test_load_mnist_gives_images_in_0_1_and_integer_labels():
    data = mnist.load_mnist(SHARED, validation=10_000)
    assert data.X_train.shape == (50_000, 1, 28, 28) and data.X_val.shape == (10_000, 1, 28, 28)
    assert data.X_test.shape == (10_000, 1, 28, 28)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert np.bincount(data.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the first training digits, as published
    flat = mnist.load_mnist(SHARED, flatten=True)
    assert flat.X_train.shape == (60_000, 784) and flat.X_val.shape == (0, 784)
    assert np.array_equal(flat.X_train[50_000:].reshape(-1, 1, 28, 28), data.X_val)


@pytest.mark.parametrize("validation", [-1, 60_000, 0.2])
def test_a_bad_validation_size_is_refused(validation):
    with pytest.raises(ValueError, match="validation must be a whole number of images from 0 to 59999"):
        mnist.load_mnist(SHARED, validation=validation)


# --- what goes wrong on a workshop's machines --------------------------------------------------


def parts(folder):
    return sorted(p.name for p in Path(folder).rglob("*.part"))


def test_status_and_doctor_only_look_they_never_delete_a_corrupt_cached_file(tmp_path):
    cache = tmp_path / "mnist"
    cache.mkdir()
    for name in mnist.FILES:
        shutil.copy(SHARED / name, cache / name)
    bad = corrupted(LABELS)
    (cache / LABELS).write_bytes(bad)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in cache.iterdir())
    result = run_cli("status", cache_root=tmp_path)
    assert result.returncode == 1 and "failed verification" in result.stderr
    assert "mnist fetch replaces it" in result.stderr and "fetching it again" not in result.stderr
    env = dict(os.environ, SCRATCHDL_CACHE=str(tmp_path))
    env.pop("SCRATCHDL_DATA", None)
    doctor = subprocess.run([sys.executable, "-m", "scratchdl", "doctor"], env=env, capture_output=True, text=True, timeout=120)
    assert "✗ MNIST: not ready" in doctor.stdout
    assert sorted((p.name, p.stat().st_mtime_ns) for p in cache.iterdir()) == before
    assert (cache / LABELS).read_bytes() == bad


def full_disk_after(nbytes):
    """A replacement for a file's write that fails like a full disk once `nbytes` are written."""
    written = [0]

    def write(real_write):
        def limited(data):
            written[0] += len(data)
            if written[0] > nbytes:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_write(data)
        return limited
    return write


@pytest.fixture
def disk_fills_up(monkeypatch):
    """Every .part file the loader opens behaves like a file on a disk that fills after 1 kB."""
    real_fdopen = os.fdopen
    wrap = full_disk_after(1024)

    class Filling:
        def __init__(self, f):
            self.f, self.write = f, wrap(f.write)

        def __getattr__(self, name):
            return getattr(self.f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    monkeypatch.setattr(mnist.os, "fdopen", lambda *a, **k: Filling(real_fdopen(*a, **k)))


def test_a_full_disk_during_a_download_says_so_and_leaves_nothing(server, cache, disk_fills_up):
    with pytest.raises(mnist.MNISTUnavailable) as unavailable:
        mnist.find_mnist(mirrors=[server["good"], server["good"]], progress=False)
    message = str(unavailable.value)
    assert "is full" in message and "SCRATCHDL_CACHE" in message and "nothing half-written was kept" in message
    assert "every address failed" not in message, "the disk's problem is not blamed on the mirrors"
    assert parts(cache) == [] and leftovers(cache) == []


def test_a_full_disk_during_a_copy_from_a_folder_says_so_and_leaves_nothing(cache, disk_fills_up):
    with pytest.raises(mnist.MNISTUnavailable, match="is full"):
        mnist.import_from(SHARED)
    assert parts(cache) == [] and leftovers(cache) == []


def test_a_read_only_cache_says_which_folder_and_what_to_set(cache, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(mnist.tempfile, "mkstemp", read_only)
    with pytest.raises(mnist.MNISTUnavailable, match=r"(?s)cannot be written to \(Read-only file system\).*write to.*SCRATCHDL_CACHE"):
        mnist.import_from(SHARED)


def test_a_copy_that_comes_out_different_from_its_source_is_not_kept(cache, monkeypatch):
    def bad_copy(source, out):
        out.write(corrupted(Path(source.name).name))

    monkeypatch.setattr(mnist.shutil, "copyfileobj", bad_copy)
    with pytest.raises(mnist.MNISTUnavailable, match="differs from.*Nothing was kept"):
        mnist.import_from(SHARED)
    assert parts(cache) == [] and leftovers(cache) == [] and not any(cache.glob("*.gz"))


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB tmpfs (MNIST's training images alone are 9.9 MB), where mounting is allowed."""
    folder = tmp_path / "small"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here; the simulated full disk above still runs")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_really_full_disk(small_disk):
    result = run_cli("fetch", "--from", str(SHARED), cache_root=small_disk)
    assert result.returncode == 1 and "is full" in result.stderr and "Traceback" not in result.stderr
    assert parts(small_disk) == [], "no hidden .part keeps the disk full"
    assert shutil.disk_usage(small_disk).used < 512 * 1024
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = run_cli("fetch", "--from", str(SHARED), cache_root=small_disk)
    assert result.returncode == 1 and "Read-only file system" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("status", cache_root=small_disk)
    assert result.returncode == 1 and "is not in the cache" in result.stderr and "Traceback" not in result.stderr


def start_fetch(cache_root, mirror):
    env = dict(os.environ, SCRATCHDL_CACHE=str(cache_root))
    env.pop("SCRATCHDL_DATA", None)
    return subprocess.Popen([sys.executable, "-m", "scratchdl", "mnist", "fetch", "--mirror", mirror], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_part(folder, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if parts(folder):
            return
        time.sleep(0.05)
    raise AssertionError(f"no download started in {folder}")


def test_a_killed_download_leaves_a_part_that_the_next_fetch_removes(server, tmp_path):
    fetching = start_fetch(tmp_path, server["slow"])
    wait_for_part(tmp_path / "mnist")
    time.sleep(0.3)  # some bytes written
    fetching.send_signal(signal.SIGKILL)
    fetching.wait(timeout=30)
    assert len(parts(tmp_path)) == 1, "SIGKILL gives no chance to clean up"
    result = run_cli("fetch", "--mirror", server["good"], cache_root=tmp_path)
    assert result.returncode == 0, result.stderr
    assert parts(tmp_path) == [] and leftovers(tmp_path / "mnist") == []


def test_a_download_stopped_with_ctrl_c_says_so_in_one_line_and_leaves_nothing(server, tmp_path):
    fetching = start_fetch(tmp_path, server["slow"])
    wait_for_part(tmp_path / "mnist")
    fetching.send_signal(signal.SIGINT)
    _, err = fetching.communicate(timeout=30)
    assert fetching.returncode == 130
    assert "stopped while fetching" in err and "Traceback" not in err
    assert parts(tmp_path) == []


def test_a_running_download_is_never_taken_for_a_left_over_one(tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = folder / f".{LABELS}.{sleeper.pid}.abc.part"
        live.write_bytes(b"half")
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        dead = folder / f".{LABELS}.{gone.stdout.strip()}.def.part"
        dead.write_bytes(b"half")
        mnist.remove_stale_parts(folder)
        assert live.exists() and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_two_fetches_at_once_both_succeed(server, tmp_path):
    both = [start_fetch(tmp_path, server["good"]) for _ in range(2)]
    for fetching in both:
        _, err = fetching.communicate(timeout=120)
        assert fetching.returncode == 0, err
    assert sorted(p.name for p in (tmp_path / "mnist").iterdir()) == sorted(mnist.FILES)
    for name in mnist.FILES:
        mnist.verify(tmp_path / "mnist" / name)


def test_a_workshops_own_server_by_option_or_environment(server, tmp_path, monkeypatch):
    result = run_cli("fetch", "--mirror", server["missing"], "--mirror", server["good"], cache_root=tmp_path / "a")
    assert result.returncode == 0 and server["missing"] + LABELS in result.stderr
    monkeypatch.setenv("SCRATCHDL_MNIST_MIRRORS", f"{server['missing']}, {server['good']}")
    assert mnist.default_mirrors() == (server["missing"], server["good"])
    result = run_cli("fetch", cache_root=tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "b" / "mnist").iterdir()) == sorted(mnist.FILES)
