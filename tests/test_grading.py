"""The gradebook, `python -m scratchdl grade`, on a synthetic class of 24 learners.

The class (tests/synthetic_class.py) is correct work in three styles, work with catalogued
mistakes, partly done work, an endless loop, a call that never returns, a syntax error, a 10 GB
array, a segfault, an os._exit and a loop at the top of a file, a learner who edited a check in
their own copy, an unreadable archive, one that smuggles in a check, a submission that writes
outside its folder and one that deletes files. It is graded once, as an instructor would: from
the instructor's own copy of the course (a temporary one here), with the temporary folders in a
folder of the test's own. Every learner's row must be what the class states; the instructor's
copy, the learners' own folders and everything outside the grading folders must be unchanged.

    python -m pytest tests/test_grading.py -s    also prints the grading time (a benchmark:
                                                 benchmarks/grading.py holds the target)
"""

import base64
import csv
import html
import json
import re
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

import synthetic_class
from course_copy import copy_course, run, snapshot
from scratchdl.course.archive import make_manifest, write_zip
from scratchdl.course.grading import course_exercises, find_submissions
from scratchdl.course.usage import UsageError

EXERCISES = course_exercises()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    instructor = copy_course(root / "instructor")
    people, paths = synthetic_class.build(root, instructor)
    tmp = root / "tmp"  # the grader's temporary folders go here: a canary beside them
    tmp.mkdir()
    (tmp / "canary.txt").write_text("must outlive the grading")
    before = {"instructor": snapshot(instructor), "home": snapshot(root / "home"), "handins": snapshot(root / "handins")}
    out = root / "out"
    out.mkdir()
    started = time.perf_counter()
    done = run(instructor, "grade", *map(str, paths), "--csv", str(out / "class.csv"), "--html",
               str(out / "class.html"), "--json", str(out / "class.json"), env={"TMPDIR": str(tmp)})
    seconds = time.perf_counter() - started
    print(f"\ngraded {len(people)} learners in {seconds:.1f} s (benchmarks/grading.py: target 60 s for 20)")
    assert done.returncode == 0, done.stdout + done.stderr
    return SimpleNamespace(root=root, instructor=instructor, people=people, tmp=tmp, out=out, before=before,
                           done=done, seconds=seconds,
                           book=json.loads((out / "class.json").read_text()),
                           csv=list(csv.DictReader((out / "class.csv").open(encoding="utf-8-sig"))))


def learner(graded, name):
    return next(entry for entry in graded.book["learners"] if entry["name"] == name)


def test_the_class_is_large_and_varied_enough(graded):
    names = [p.name for p in graded.people]
    assert len(names) >= 20 and len(set(names)) == len(names)
    assert {p.hand_in for p in graded.people} >= {"archive", "folder", "command"}
    states = {p.expected(ex.id)[0] for p in graded.people for ex in EXERCISES}
    assert states == {"passing", "failing", "timed out", "cannot load", "not started"}


def test_every_learners_row_is_what_they_handed_in(graded):
    wrong = []
    for person in graded.people:
        entry = learner(graded, person.name)
        for ex in EXERCISES:
            state, pattern = person.expected(ex.id)
            got = entry["verdicts"][ex.id]
            if got["state"] != state:
                wrong.append(f"{person.name} {ex.id}: {got['state']} (expected {state}): {got['message'][:300]}")
            elif pattern and not re.search(pattern, got["message"], re.IGNORECASE | re.DOTALL):
                wrong.append(f"{person.name} {ex.id}: the message does not match /{pattern}/:\n{got['message'][:600]}")
        problems = "; ".join(entry["problems"])
        if not all(re.search(p, problems) for p in person.problems) or bool(entry["problems"]) != bool(person.problems):
            wrong.append(f"{person.name}: problems {entry['problems']!r}, expected {person.problems!r}")
    assert not wrong, f"{len(wrong)} verdicts are not what the class handed in:\n" + "\n".join(wrong)


def test_no_submission_changed_the_instructors_copy_another_submission_or_anything_outside(graded):
    assert "no Landlock" not in graded.done.stdout, graded.done.stdout  # what the containment below rests on
    assert snapshot(graded.instructor) == graded.before["instructor"]
    assert snapshot(graded.root / "home") == graded.before["home"], "a hub learner's folder changed"
    assert snapshot(graded.root / "handins") == graded.before["handins"]
    # The grader's temporary folders are gone; nothing escaped into the folder above them.
    assert sorted(p.name for p in graded.tmp.iterdir()) == ["canary.txt"]
    escaped = [str(p) for p in [*graded.root.rglob("escaped-*"), *Path(sys.executable).parent.glob("escaped-*")]]
    assert not escaped, f"files written outside a submission's folder: {escaped}"
    # The writer and the deleter tried, and were stopped (their bodies raise when they manage).
    assert learner(graded, "rosa")["verdicts"]["1.1"]["state"] == "passing"
    assert learner(graded, "sam")["verdicts"]["1.1"]["state"] == "passing"


def test_a_learner_who_edited_a_check_gains_nothing(graded):
    # uma's own copy passes her 2.1 whatever it does; the instructor's check finds the overflow.
    assert learner(graded, "uma")["verdicts"]["2.1"]["state"] == "failing"
    assert learner(graded, "wanda")["problems"], "an archive holding a check is refused"


def test_the_csv_has_one_row_per_learner_with_every_state_and_the_first_line_of_each_message(graded):
    ids = [ex.id for ex in EXERCISES]
    header = list(graded.csv[0])
    assert header == ["learner", "source", "handed in", "passing", "exercises", "problems"] + ids + [
        f"{i} message" for i in ids]
    assert [row["learner"] for row in graded.csv] == sorted(p.name for p in graded.people)
    for row in graded.csv:
        person = next(p for p in graded.people if p.name == row["learner"])
        assert int(row["passing"]) == sum(person.expected(i)[0] == "passing" for i in ids), row["learner"]
        assert row["exercises"] == str(len(ids))
        for ex in EXERCISES:
            message = learner(graded, row["learner"])["verdicts"][ex.id]["message"]
            first = message.splitlines()[0] if message else ""
            assert row[ex.id] == person.expected(ex.id)[0]
            assert row[f"{ex.id} message"] == first.removeprefix(f"Exercise {ex.id} {ex.name}: ")
    archive = next(row for row in graded.csv if row["learner"] == "ada")
    assert archive["handed in"].endswith("Z") and archive["source"].endswith("ada.zip")
    assert next(row for row in graded.csv if row["learner"] == "tara")["source"].endswith("tara/scratchdl-handin.zip")


def test_the_html_summary_counts_each_exercise_and_names_its_commonest_failures(graded):
    page = (graded.out / "class.html").read_text()
    n = len(graded.people)
    for ex in EXERCISES:
        passing = sum(p.expected(ex.id)[0] == "passing" for p in graded.people)
        assert f"<td>{ex.id}</td><td><code>{ex.name}</code></td><td class='n'><b>{passing}</b> of {n}</td>" in page
    # Four learners made the textbook sigmoid's mistake: the most common failure of 2.1.
    textbook = [p.name for p in graded.people if re.search("overflow", p.expected("2.1")[1] or "")]
    assert len(textbook) == 4
    first = learner(graded, textbook[0])["verdicts"]["2.1"]["message"].splitlines()[0].removeprefix("Exercise 2.1 sigmoid: ")
    row = re.search(r"<tr><td>2\.1</td>.*?</tr>", page, re.DOTALL).group(0)
    assert f"4 × {html.escape(first)}" in row
    # The picture is embedded, and saved beside the page.
    png = (graded.out / "class.png").read_bytes()
    assert png.startswith(b"\x89PNG") and base64.b64encode(png).decode() in page


def test_the_picture_has_a_row_per_learner_and_a_column_per_exercise(graded):
    from matplotlib.image import imread

    image = imread(graded.out / "class.png")
    height, width = image.shape[:2]
    # Tall and wide enough to read on a projector: cells of at least ~25 x 30 pixels.
    assert width >= 25 * len(EXERCISES) and height >= 30 * len(graded.people), (width, height)


# --- what to grade: names and refusals, without running anything -----------------------------------


def _handin(path, files=None):
    files = files or {"scratchdl/activations.py": b"# nothing yet\n"}
    path.parent.mkdir(parents=True, exist_ok=True)
    write_zip(files, make_manifest("handin", files), path)
    return path


def test_learners_are_named_after_their_archive_or_their_folder(tmp_path):
    _handin(tmp_path / "alice.zip")
    _handin(tmp_path / "bob" / "scratchdl-handin.zip")
    _handin(tmp_path / "cleo" / "scratchdl-work-2026-12-01.zip")
    copy_course(tmp_path / "home" / "dev" / "scratchdl", solutions=False)
    copy_course(tmp_path / "class" / "eve-course", solutions=False)
    found = find_submissions([tmp_path / "alice.zip", tmp_path / "bob" / "scratchdl-handin.zip",
                              tmp_path / "cleo" / "scratchdl-work-2026-12-01.zip", tmp_path / "home" / "dev" / "scratchdl",
                              tmp_path / "class"])
    assert [s.name for s in found] == ["alice", "bob", "cleo", "dev", "eve-course"]
    assert all(s.files is not None for s in found)


def test_a_folder_of_hub_homes_or_of_archives_is_read_like_a_list(tmp_path):
    _handin(tmp_path / "zips" / "ann.zip")
    _handin(tmp_path / "zips" / "bo.zip")
    assert [s.name for s in find_submissions([tmp_path / "zips"])] == ["ann", "bo"]


@pytest.mark.parametrize("paths, message", [
    (["missing.zip"], r"no such file or folder: .*missing\.zip"),
    (["empty"], r"empty is neither a hand-in \.zip nor a copy of the course"),
    (["a/alice.zip", "b/alice.zip"], r"two submissions would both be called 'alice'"),
], ids=["missing", "neither", "same-name"])
def test_what_cannot_be_graded_is_said_before_anything_runs(tmp_path, paths, message):
    (tmp_path / "empty").mkdir()
    _handin(tmp_path / "a" / "alice.zip")
    _handin(tmp_path / "b" / "alice.zip")
    with pytest.raises(UsageError, match=message):
        find_submissions([tmp_path / p for p in paths])


@pytest.mark.parametrize("args, message", [
    ([], r"the following arguments are required: SUBMISSION"),
    (["SUB"], r"the following arguments are required: --csv"),
    (["SUB", "--csv", "nowhere/out.csv"], r"^error: cannot write .*nowhere/out\.csv: the folder .*nowhere does not exist$"),
    (["missing.zip", "--csv", "out.csv"], r"^error: no such file or folder: missing\.zip$"),
    (["SUB", "--csv", "out.csv", "--check-timeout", "0"], r"^error: --check-timeout must be more than 0; got 0$"),
], ids=["no-submissions", "no-csv", "unwritable-csv", "missing-submission", "zero-timeout"])
def test_the_command_line_says_in_one_line_what_is_wrong(tmp_path, args, message):
    course = copy_course(tmp_path / "course")
    sub = _handin(tmp_path / "alice.zip")
    done = run(course, "grade", *[str(sub) if a == "SUB" else a for a in args])
    assert done.returncode == 2 and not done.stdout, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert re.search(message, last), last
    assert not (course / "out.csv").exists()


def test_an_unreadable_hand_in_is_a_row_of_its_own_not_an_error(tmp_path):
    bad = tmp_path / "zed.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("scratchdl/activations.py", "# no manifest\n")
    (submission,) = find_submissions([bad])
    assert submission.files is None and re.search(r"zed\.zip cannot be read: it has no manifest\.json", submission.problem)


def test_an_archive_from_another_version_of_the_course_says_so_in_its_row():
    from scratchdl.course.grading import Submission, _course_note

    old = Submission("ann", "ann.zip", {}, commit="1234567" + "0" * 33)
    assert _course_note(old, "abcdef0" + "0" * 33) == (
        "made from course commit 1234567, yours is at abcdef0: an exercise that changed in between may not load")
    assert _course_note(old, old.commit) is None and _course_note(old, None) is None
