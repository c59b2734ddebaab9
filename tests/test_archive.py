"""Keep your work and hand it in: `python -m scratchdl export | import FILE | handin`, and
scratchdl.export() / scratchdl.handin() in a notebook (a download link).

Run in real copies of the course, as a learner would: one with work in it, a fresh one to import
into. Every archive holds the learner's files and the manifest only; every bad archive is refused
with its reason before anything is written. The last test clicks the link in JupyterLab, in
headless Chromium, and checks that the browser downloads the archive.
"""

import datetime
import hashlib
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest

from course_copy import COURSE_DIR, copy_course, reference_body, run, set_body, snapshot
from scratchdl.course import archive
from scratchdl.course.archive import ArchiveError, learner_paths, make_manifest, read_zip, unpack, write_zip
from scratchdl.course.download import DownloadLink

HINTS = {"2.1": 2, "1.1": 1}


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    """A learner's copy with 1.1 and 2.1 written, 2.2 wrong, hints seen, and things that are not
    theirs to hand in (solutions/, a data cache)."""
    course = copy_course(tmp_path_factory.mktemp("worked") / "scratchdl")
    set_body(course, "1.1", reference_body("1.1"))
    set_body(course, "2.1", reference_body("2.1"))
    set_body(course, "2.2", "return z")
    (course / ".scratchdl").mkdir()
    (course / ".scratchdl" / "hints.json").write_text(json.dumps(HINTS))
    (course / ".scratchdl" / "mnist").mkdir()
    (course / ".scratchdl" / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"data")
    done = run(course, "export")
    assert done.returncode == 0, done.stderr
    return course, done


def names(path):
    with zipfile.ZipFile(path) as z:
        return sorted(z.namelist())


def manifest_of(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("manifest.json"))


def test_export_writes_one_dated_zip_of_the_learners_files_and_progress(worked):
    course, done = worked
    path = course / f"scratchdl-work-{datetime.date.today().isoformat()}.zip"
    assert re.search(rf"✓ Your work is in {re.escape(str(path))} \(14 files, [\d.]+ kB; 2 of 61 exercises passing\)",
                     done.stdout), done.stdout
    assert names(path) == sorted(learner_paths() + [".scratchdl/hints.json", "manifest.json"])
    with zipfile.ZipFile(path) as z:
        for name in learner_paths() + [".scratchdl/hints.json"]:
            assert z.read(name) == (course / name).read_bytes(), name


def test_the_manifest_says_what_where_when_and_how_far(worked):
    import numpy
    import platform

    course, _ = worked
    manifest = manifest_of(next(course.glob("scratchdl-work-*.zip")))
    assert manifest["format"] == 1 and manifest["kind"] == "export"
    assert manifest["course"] == {"version": "0.1.0", "commit": None}  # the copy is not a git checkout
    assert manifest["python"] == platform.python_version() and manifest["numpy"] == numpy.__version__
    made = datetime.datetime.fromisoformat(manifest["created"].replace("Z", "+00:00"))
    assert manifest["created"].endswith("Z") and abs(datetime.datetime.now(datetime.timezone.utc) - made).total_seconds() < 600
    for name, entry in manifest["files"].items():
        data = (course / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    # progress: the rows `progress --json` gives in that copy
    done = run(course, "progress", "--json")
    assert manifest["progress"] == json.loads(done.stdout)
    states = {row["id"]: row["state"] for row in manifest["progress"]}
    assert (states["1.1"], states["2.1"], states["2.2"], states["3.1"]) == ("passing", "passing", "failing", "not started")


def test_in_a_git_checkout_the_manifest_names_the_commit():
    commit = archive.course_version()["commit"]
    assert re.fullmatch(r"[0-9a-f]{40}", commit or ""), commit  # this test runs in the course's own clone


def test_handin_is_replaced_each_time_and_never_holds_solutions_checks_or_data(worked, tmp_path):
    course = copy_course(tmp_path / "scratchdl")
    assert run(course, "handin").returncode == 0
    first = manifest_of(course / "scratchdl-handin.zip")
    set_body(course, "1.1", reference_body("1.1"))
    done = run(course, "handin")
    assert done.returncode == 0 and "Running handin again replaces it" in done.stdout
    second = manifest_of(course / "scratchdl-handin.zip")
    assert first["kind"] == second["kind"] == "handin"
    assert first["files"]["scratchdl/initializers.py"] != second["files"]["scratchdl/initializers.py"]
    assert [p.name for p in course.iterdir() if p.suffix in (".zip", ".part")] == ["scratchdl-handin.zip"]
    assert names(course / "scratchdl-handin.zip") == sorted(learner_paths() + ["manifest.json"])  # no hints seen yet
    # whatever else the learner's copy holds (worked has solutions/, a data cache):
    course, _ = worked
    assert run(course, "handin", "--out", str(tmp_path / "mine.zip")).returncode == 0
    assert names(tmp_path / "mine.zip") == sorted(learner_paths() + [".scratchdl/hints.json", "manifest.json"])


def test_import_into_a_fresh_copy_restores_the_files_and_the_hints_seen(worked, tmp_path):
    course, _ = worked
    fresh = copy_course(tmp_path / "fresh")
    (fresh / ".scratchdl").mkdir()
    (fresh / ".scratchdl" / "hints.json").write_text(json.dumps({"2.1": 1, "4.5": 3}))
    done = run(fresh, "import", str(next(course.glob("scratchdl-work-*.zip"))))
    assert done.returncode == 0, done.stderr
    assert "✓ 2 files restored" in done.stdout and "scratchdl/activations.py" in done.stdout
    for name in learner_paths():
        assert (fresh / name).read_bytes() == (course / name).read_bytes(), name
    assert json.loads((fresh / ".scratchdl" / "hints.json").read_text()) == {"1.1": 1, "2.1": 2, "4.5": 3}
    assert not (fresh / ".scratchdl" / "backups").exists()  # nothing of the learner's was replaced


def test_import_over_other_work_needs_force_and_keeps_a_backup(worked, tmp_path):
    course, _ = worked
    export = next(course.glob("scratchdl-work-*.zip"))
    other = copy_course(tmp_path / "other")
    set_body(other, "2.5", reference_body("2.5"))  # work in activations.py that the archive lacks
    before = snapshot(other)
    refused = run(other, "import", str(export))
    assert refused.returncode == 2 and snapshot(other) == before
    assert re.search(r"^error: scratchdl/activations\.py in .* already holds work of yours that differs from "
                     r"scratchdl-work-[\d-]+\.zip\. Nothing was written\. To replace it with the archive's, add --force",
                     refused.stderr), refused.stderr
    done = run(other, "import", str(export), "--force")
    assert done.returncode == 0, done.stderr
    (backup,) = (other / ".scratchdl" / "backups").glob("scratchdl-backup-*.zip")
    assert str(backup) in done.stdout
    files, manifest = read_zip(backup)
    assert manifest["kind"] == "backup"
    assert hashlib.sha256(files["scratchdl/activations.py"]).hexdigest() == before["scratchdl/activations.py"]
    assert (other / "scratchdl/activations.py").read_bytes() == (course / "scratchdl/activations.py").read_bytes()
    # ... and the backup puts the replaced work back
    assert run(other, "import", str(backup), "--force").returncode == 0
    assert snapshot(other)["scratchdl/activations.py"] == before["scratchdl/activations.py"]


# --- archives that must be refused -----------------------------------------------------------


def _zip(path, members, manifest=True, kind="export"):
    """A zip of `members` [(ZipInfo or name, bytes)], with a manifest made to match them."""
    files = {(m.filename if isinstance(m, zipfile.ZipInfo) else m): data for m, data in members}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members:
            z.writestr(member, data)
        if manifest is True:
            z.writestr("manifest.json", json.dumps(make_manifest(kind, files)))
        elif manifest is not None:
            z.writestr("manifest.json", manifest)
    return path


def _link(name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


GOOD = ("scratchdl/activations.py", b"# mine\n")


def _bad_manifest_sha(path):
    manifest = make_manifest("export", {GOOD[0]: b"something else"})
    return _zip(path, [GOOD], manifest=json.dumps(manifest))


def _text(path):
    path.write_bytes(b"just text")
    return path


BAD = {
    "absolute": (lambda p: _zip(p, [("/etc/cron.d/x", b"x")]), r"'/etc/cron\.d/x', an absolute path"),
    "climbing": (lambda p: _zip(p, [("scratchdl/../../evil.py", b"x")]), r"climbs out of the folder \(\.\.\)"),
    "link": (lambda p: _zip(p, [_link("scratchdl/activations.py", "/etc/passwd")]), r"as a symbolic link"),
    "not-the-learners": (lambda p: _zip(p, [("chapters/02_activations/checks.py", b"x")]),
                         r"'chapters/02_activations/checks\.py', which is not one of a learner's files"),
    "solutions": (lambda p: _zip(p, [("solutions/activations.py", b"x")]), r"not one of a learner's files"),
    "bomb": (lambda p: _zip(p, [("scratchdl/activations.py", b"0" * 6_000_000)]), r"unpacks to more than 5,000,000 bytes"),
    "no-manifest": (lambda p: _zip(p, [GOOD], manifest=None), r"it has no manifest\.json"),
    "manifest-not-json": (lambda p: _zip(p, [GOOD], manifest="{not json"), r"manifest\.json is not valid JSON"),
    "manifest-wrong-kind": (lambda p: _zip(p, [GOOD], manifest=json.dumps({**make_manifest("export", {}), "kind": "x"})),
                            r"names the kind 'x'"),
    "manifest-other-files": (lambda p: _zip(p, [GOOD], manifest=json.dumps(make_manifest("export", {}))),
                             r"lists the files \[\], but the archive holds \['scratchdl/activations\.py'\]"),
    "sha-differs": (_bad_manifest_sha, r"scratchdl/activations\.py is not the file its manifest\.json describes"),
    "not-text": (lambda p: _zip(p, [("scratchdl/activations.py", b"\xff\xfe\x00")]), r"is not what its name says"),
    "not-a-zip": (_text, r"is not a \.zip archive that can be read"),
}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("fresh") / "scratchdl")


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_archive_is_refused_with_its_reason_before_anything_is_written(fresh, tmp_path, kind):
    make, message = BAD[kind]
    path = make(tmp_path / "bad.zip")
    before = snapshot(fresh)
    with pytest.raises(ArchiveError) as refused:
        unpack(path, into=fresh, force=True)
    assert re.search(message, str(refused.value)), str(refused.value)
    assert str(refused.value).endswith("Nothing was written.")
    assert snapshot(fresh) == before
    assert not (tmp_path.parent / "evil.py").exists() and not (tmp_path / "evil.py").exists()


def test_a_good_archive_made_by_hand_is_read(tmp_path):
    files, manifest = read_zip(_zip(tmp_path / "ok.zip", [GOOD]))
    assert files == {GOOD[0]: GOOD[1]} and manifest["kind"] == "export"


@pytest.mark.parametrize("args, message", [
    (["import", "missing.zip"], r"^error: no such file: missing\.zip$"),
    (["import", "notes.txt"], r"^error: notes\.txt is not a \.zip archive that can be read \(File is not a zip file\)\. "
                              r"Nothing was written\.$"),
    (["export", "--out", "nowhere/work.zip"], r"^error: cannot write nowhere/work\.zip: the folder nowhere does not exist$"),
    (["handin", "--out", "chapters"], r"^error: chapters is a folder; give the name of the file to write"),
], ids=["missing", "not-a-zip", "unwritable", "a-folder"])
def test_the_command_line_says_in_one_line_what_is_wrong(fresh, args, message):
    (fresh / "notes.txt").write_text("not an archive")
    done = run(fresh, *args)
    assert done.returncode == 2 and not done.stdout, done.stdout
    assert re.search(message, done.stderr.strip()), done.stderr


def test_a_link_among_the_learners_files_is_not_packed(tmp_path):
    course = copy_course(tmp_path / "scratchdl")
    (course / "scratchdl" / "metrics.py").unlink()
    (course / "scratchdl" / "metrics.py").symlink_to(COURSE_DIR / "solutions" / "metrics.py")
    done = run(course, "export")
    assert done.returncode == 2 and re.search(r"scratchdl/metrics\.py is a symbolic link, not a file", done.stderr)
    assert not list(course.glob("*.zip"))


# --- in a notebook ------------------------------------------------------------------------------


def test_in_a_notebook_the_archive_shows_as_a_download_link_relative_to_the_notebook(tmp_path, monkeypatch):
    out = tmp_path / "course" / "my work.zip"
    out.parent.mkdir()
    write_zip({GOOD[0]: GOOD[1]}, make_manifest("export", {GOOD[0]: GOOD[1]}), out)
    (tmp_path / "course" / "chapters" / "02").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "course" / "chapters" / "02")  # the kernel runs in the notebook's folder
    link = DownloadLink(out, "1 of 61 exercises passing")
    assert str(link) == str(out) and Path(link) == out  # a path wherever one is taken
    page = link._repr_html_()
    size = out.stat().st_size
    assert f'<a href="../../my%20work.zip" download="my work.zip">my work.zip</a> ({size} bytes · ' in page
    assert "1 of 61 exercises passing" in page and repr(link).startswith(str(out))


def test_in_colab_the_browser_is_also_asked_to_download_it(tmp_path, monkeypatch):
    import sys
    import types

    asked = []
    colab = types.ModuleType("google.colab")
    colab.files = types.SimpleNamespace(download=asked.append)  # google.colab.files.download(path)
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    link = archive.handin(out=tmp_path / "handin.zip")
    assert asked == [str(tmp_path / "handin.zip")] and Path(link) == tmp_path / "handin.zip"
    assert read_zip(tmp_path / "handin.zip")[1]["kind"] == "handin"


def test_scratchdl_export_and_handin_are_there_for_the_notebook():
    import scratchdl

    assert scratchdl.export is archive.export and scratchdl.handin is archive.handin
    assert {"export", "handin"} <= set(scratchdl.__all__)


# --- in JupyterLab: the link really downloads -------------------------------------------------

# The browser test's own machinery: JupyterLab over a learner's copy (served from the folder above
# it, as a hub does), headless Chromium, the page's errors. Importing the fixtures uses them here.
from test_browser import CLONE, _new_page, _open, _run_all, _wait, browser, learner_lab  # noqa: E402,F401


@pytest.fixture(scope="module")
def artifacts():
    """Screenshots of a failure, beside the browser test's (whose own folder it empties)."""
    folder = COURSE_DIR / "test-artifacts" / "browser-archive"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.browser
def test_the_notebooks_link_downloads_the_archive_in_jupyterlab(browser, learner_lab, artifacts, tmp_path):
    import nbformat

    from kernel import first_code_cell

    chapter = learner_lab.root / CLONE / "chapters" / "01_init"
    notebook = f"{CLONE}/chapters/01_init/keep_my_work.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(first_code_cell(chapter / "01_init.ipynb")),
               nbformat.v4.new_code_cell("scratchdl.export()")],
        metadata={"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}},
    ), learner_lab.root / notebook)
    name = f"scratchdl-work-{datetime.date.today().isoformat()}.zip"
    with _new_page(browser, artifacts, "download-failure.png") as (page, page_errors):
        _open(page, learner_lab, notebook)
        _run_all(page, learner_lab, notebook)
        link = page.locator(f'.jp-OutputArea-output a[download="{name}"]')
        # JupyterLab points the relative link at the server's files/ address of the archive.
        _wait(lambda: link.count() == 1 and f"/files/{CLONE}/{name}" in (link.get_attribute("href") or ""),
              30, f"a link to files/{CLONE}/{name}")
        with page.expect_download(timeout=30_000) as started:
            link.click()
        download = started.value
        saved = tmp_path / "downloaded.zip"
        download.save_as(saved)
        assert download.suggested_filename == name
        assert saved.read_bytes() == (learner_lab.root / CLONE / name).read_bytes()
        files, manifest = read_zip(saved)
        assert manifest["kind"] == "export" and set(files) == set(learner_paths())
        assert not page_errors.ours(), f"JavaScript errors in the page: {page_errors.ours()}"
