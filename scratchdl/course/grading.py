"""The class gradebook: every learner's work judged again by the checks of the instructor's copy.

    python -m scratchdl grade SUBMISSION... --csv OUT [--html OUT]

A submission is a hand-in (the .zip of `python -m scratchdl handin`), a learner's copy of the
course (on a JupyterHub, /home/NAME/scratchdl, where nbgitpuller put it), or a folder holding
such archives and copies. Only the learner's files are taken from it (scratchdl.course.archive
says which): never its checks, so a learner who edited a check gains nothing.

Each submission is judged in a fresh copy of the instructor's course (scratchdl.course.copies),
in a process of its own (scratchdl.course.grading_child) that is confined to its temporary
folder (scratchdl.course.confine), with a time limit per check, one for the whole submission
and a memory limit. When the learner's code ends that process - a crash, os._exit, a call that
never returns - the file or exercise it was in gets the verdict, and a new process judges the
rest. Two submissions are judged at a time.

Learner's name: the archive's name (alice.zip -> alice), or, for the default names
(scratchdl-handin.zip, scratchdl-work-DATE.zip) and for a copy of the course called scratchdl,
the name of the folder it is in (/home/alice/scratchdl -> alice).
"""

import datetime
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from scratchdl.course.archive import (HINTS, ArchiveError, course_version, learner_files, learner_paths, read_zip,
                                      writable_target)
from scratchdl.course.chapters import CHAPTERS, COURSE_DIR
from scratchdl.course.copies import copy_course
from scratchdl.course.exercises import REGISTRY, solutions_dir
from scratchdl.course.usage import UsageError

STATES = ("passing", "failing", "timed out", "cannot load", "not started")
GRACE_SECONDS = 5.0  # beyond a check's own time limit, before its process is stopped from outside


# --- what is graded ---------------------------------------------------------------------------


@dataclass
class Submission:
    """One learner's work, as read from an archive or a copy of the course."""

    name: str
    source: Path
    files: dict = None  # {"scratchdl/activations.py": bytes, ...}; None if it could not be read
    when: str = ""  # handed in (an archive's manifest) or last changed (a folder), UTC
    problem: str = ""  # why it could not be read
    commit: str = None  # the course's git commit it was made from (an archive's manifest), if known


def _utc(timestamp):
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def is_course(folder):
    """True if `folder` is a copy of the course (it has scratchdl/ with the package in it)."""
    return (Path(folder) / "scratchdl" / "__init__.py").is_file()


def _name_of_archive(path):
    default = path.stem == "scratchdl-handin" or path.stem.startswith("scratchdl-work-")
    return path.resolve().parent.name if default else path.stem


def _from_archive(path):
    name = _name_of_archive(path)
    try:
        files, manifest = read_zip(path)
    except ArchiveError as problem:
        return Submission(name, path, problem=str(problem))
    commit = (manifest.get("course") or {}).get("commit")
    return Submission(name, path, files, str(manifest.get("created", "")), commit=commit if isinstance(commit, str) else None)


def _from_folder(path):
    resolved = path.resolve()
    name = resolved.parent.name if resolved.name == "scratchdl" else resolved.name
    try:
        files = learner_files(path)
    except (ArchiveError, OSError) as problem:
        return Submission(name, path, problem=f"{path}: {problem}")
    stamps = [(path / relative).stat().st_mtime for relative in files if relative != HINTS]
    return Submission(name, path, files, _utc(max(stamps)) if stamps else "")


def find_submissions(paths):
    """[Submission] for the paths given: hand-in archives, copies of the course, folders of them.
    A path that is none of these, or two submissions of the same name, are a UsageError."""
    found = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise UsageError(f"no such file or folder: {given}")
        if path.is_file():
            found.append(_from_archive(path))
        elif is_course(path):
            found.append(_from_folder(path))
        else:
            inside = sorted(path.iterdir())
            archives = [p for p in inside if p.is_file() and p.suffix == ".zip"]
            courses = [p for p in inside if p.is_dir() and is_course(p)]
            if not archives and not courses:
                raise UsageError(f"{given} is neither a hand-in .zip nor a copy of the course, and holds "
                                 "neither (a copy of the course has a scratchdl/ folder with the package)")
            found += [_from_archive(p) for p in archives] + [_from_folder(p) for p in courses]
    names = {}
    for submission in found:
        names.setdefault(submission.name, []).append(str(submission.source))
    twice = {name: sources for name, sources in names.items() if len(sources) > 1}
    if twice:
        name, sources = next(iter(twice.items()))
        raise UsageError(f"two submissions would both be called {name!r} ({', '.join(sources)}): rename "
                         "one (alice.zip is graded as alice)")
    return found


# --- the results ------------------------------------------------------------------------------


@dataclass
class Verdict:
    """One exercise of one learner."""

    state: str  # one of STATES
    message: str = ""  # why it is not passing: the check's message ('' for passing, not started)

    @property
    def first_line(self):
        return self.message.splitlines()[0] if self.message else ""


@dataclass
class LearnerResult:
    """One learner's row: a Verdict per exercise, and what went wrong with the submission itself."""

    name: str
    source: Path
    when: str
    verdicts: dict  # exercise id -> Verdict
    problems: list = field(default_factory=list)  # what went wrong with the submission as a whole
    seconds: float = 0.0

    def count(self, state):
        return sum(v.state == state for v in self.verdicts.values())


@dataclass(frozen=True)
class Limits:
    """How long and how much one submission may take."""

    check_seconds: float = 5.0  # per check (in the process: scratchdl.course.guard)
    submission_seconds: float = 120.0  # for all of one submission's checks, restarts included
    megabytes: int = 2048  # address space of the process

    @property
    def silence_seconds(self):
        """How long a process may go without saying anything before it is stopped."""
        return self.check_seconds + max(GRACE_SECONDS, self.check_seconds)


@dataclass
class Gradebook:
    """The whole class's results (scratchdl.course.gradebook writes them as files)."""

    exercises: list  # the course's Exercises, in order
    results: list  # LearnerResult, by name
    seconds: float  # wall-clock time of the whole grading
    landlock: int  # the Landlock version that confined the submissions (0: none; None: nothing ran)
    limits: Limits = Limits()


def course_exercises():
    """The course's exercises in order (from the chapters' table; no learner file is imported)."""
    return [REGISTRY[exercise_id] for ch in CHAPTERS for exercise_id in ch.exercises]


# --- one process ------------------------------------------------------------------------------


@dataclass
class _Run:
    """What one grading process said and how it ended."""

    verdicts: dict = field(default_factory=dict)
    loading: list = field(default_factory=list)  # the files being loaded, the innermost last
    judging: str = None  # the exercise being judged
    done: bool = False
    landlock: int = 0
    unlimited: list = field(default_factory=list)  # the resource limits the system would not set
    silent: bool = False  # stopped by us: no answer for too long
    out_of_time: bool = False  # the submission's time ran out
    reason: str = ""  # how it ended, if not done: "crashed (SIGSEGV, a segmentation fault)"
    where: str = ""  # " at scratchdl/conv.py line 12", if the crash report says
    refused: str = ""  # the process would not judge (it found scratchdl outside its folder)

    @property
    def stage(self):
        """("loading", file) or ("judging", exercise id): what it was doing last; None if neither."""
        if self.loading:
            return ("loading", self.loading[-1])
        return ("judging", self.judging) if self.judging else None


def _environment(course, folder, limits):
    """A clean environment: nothing of the instructor's but PATH, the locale and numpy's BLAS
    settings (the same numerics); HOME and the temporary folder inside the submission's folder."""
    env = {key: value for key, value in os.environ.items()
           if key in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT") or key.startswith("OPENBLAS_")}
    env.update(
        HOME=str(folder / "home"), TMPDIR=str(folder / "tmp"), PYTHONPATH=str(course),
        PYTHONDONTWRITEBYTECODE="1", PYTHONFAULTHANDLER="1", PYTHONIOENCODING="utf-8",
        SCRATCHDL_MODE="learner", SCRATCHDL_CHECK_TIMEOUT=f"{limits.check_seconds:g}",
        MPLBACKEND="Agg", MPLCONFIGDIR=str(folder / "home" / ".matplotlib"),
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
    )
    return env


def _read_lines(stream, lines):
    """Put each line of `stream` into the queue `lines`, then None at its end."""
    try:
        for line in iter(lambda: stream.readline(1_000_000), b""):
            lines.put(line)
    except (OSError, ValueError):  # closed under it: a process of the learner's kept the pipe open
        pass
    lines.put(None)


def _exit_reason(returncode):
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        what = {"SIGSEGV": "a segmentation fault", "SIGBUS": "a bus error", "SIGABRT": "an abort",
                "SIGFPE": "a floating-point exception", "SIGKILL": "killed: out of memory?"}.get(name)
        return f"crashed the process ({name}{', ' + what if what else ''})"
    return f"ended the process (exit status {returncode}: sys.exit() or os._exit() in the code?)"


def _crash_site(stderr_path, course):
    """' at scratchdl/conv.py line 12' from the crash report (faulthandler's) on standard error."""
    try:
        with open(stderr_path, "rb") as err:
            err.seek(max(0, err.seek(0, os.SEEK_END) - 20_000))
            tail = err.read().decode("utf-8", "replace")
    except OSError:
        return ""
    if "Fatal Python error" not in tail:
        return ""
    report = tail[tail.rindex("Fatal Python error"):]
    learner = {str(course / relative) for relative in learner_paths()}
    for file, line in re.findall(r'File "([^"]+)", line (\d+)', report):
        if file in learner:
            return f" at {Path(file).relative_to(course).as_posix()} line {line}"
    return ""


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its whole session: whatever the learner's code started too
    except (ProcessLookupError, PermissionError):
        pass


def _stop(proc):
    _kill(proc)
    proc.wait()


class _Processes:
    """The grading processes running, so that an interrupted grading (Ctrl-C) stops them all."""

    def __init__(self):
        self.stopped = threading.Event()
        self.running = set()
        self.lock = threading.Lock()

    def start(self, command, **options):
        with self.lock:
            if self.stopped.is_set():
                raise KeyboardInterrupt("grading was stopped")
            proc = subprocess.Popen(command, **options)
            self.running.add(proc)
        return proc

    def finished(self, proc):
        with self.lock:
            self.running.discard(proc)

    def stop_all(self):
        with self.lock:
            self.stopped.set()
            for proc in self.running:
                _kill(proc)


def _run_child(course, folder, skip, limits, deadline, processes):
    """Start a grading process in `course` for every exercise not in `skip`; follow it to its end."""
    command = [sys.executable, "-m", "scratchdl.course.grading_child", "--folder", str(folder),
               "--timeout", f"{limits.check_seconds:g}", "--memory", str(limits.megabytes),
               "--skip", ",".join(sorted(skip))]
    stderr_path = folder / "stderr.txt"
    with open(stderr_path, "ab") as err:
        proc = processes.start(command, cwd=course, env=_environment(course, folder, limits),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                               start_new_session=True)
    lines = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    run = _Run()
    while True:
        wait = min(limits.silence_seconds, deadline - time.monotonic())
        try:
            line = lines.get(timeout=max(wait, 0))
        except queue.Empty:
            run.out_of_time = time.monotonic() >= deadline
            run.silent = not run.out_of_time
            run.reason = f"gave no answer for {limits.silence_seconds:g} s and was stopped"
            break
        if line is None:
            break
        try:
            event = json.loads(line)
        except ValueError:
            continue  # not one of the process's own lines
        kind = event.get("event") if isinstance(event, dict) else None
        if kind == "confined":
            run.landlock = int(event.get("landlock") or 0)
            run.unlimited = [str(name) for name in event.get("unlimited") or []]
        elif kind == "loading":
            run.loading.append(str(event.get("file")))
        elif kind == "loaded" and run.loading:
            run.loading.pop()
        elif kind == "judging":
            run.judging = str(event.get("id"))
        elif kind == "verdict" and event.get("state") in STATES:
            run.verdicts[str(event["id"])] = Verdict(event["state"], str(event.get("message") or ""))
            run.judging = None
        elif kind == "done":
            run.done = True
        elif kind == "refused":
            run.refused = str(event.get("reason"))
            break
    _stop(proc)
    processes.finished(proc)
    reader.join(timeout=5)
    proc.stdout.close()
    if processes.stopped.is_set():
        raise KeyboardInterrupt("grading was stopped")
    if run.refused:
        raise UsageError(f"cannot grade: {run.refused}")
    if not run.done and not run.reason:
        run.reason = _exit_reason(proc.returncode)
        run.where = _crash_site(stderr_path, course)
    return run


# --- one submission ---------------------------------------------------------------------------


def _fingerprint(course):
    """{relative path: SHA-256} of the course's own files in a copy (not the learner's)."""
    mine = set(learner_paths())
    found = {}
    for path in sorted(course.rglob("*")):
        relative = path.relative_to(course).as_posix()
        if path.is_file() and relative not in mine and not relative.startswith(".scratchdl/"):
            found[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _changed(course, fingerprint):
    """The course's own files that a submission changed or deleted in its copy."""
    changed = []
    for relative, digest in fingerprint.items():
        path = course / relative
        try:
            same = not path.is_symlink() and hashlib.sha256(path.read_bytes()).hexdigest() == digest
        except OSError:
            same = False
        if not same:
            changed.append(relative)
    return changed


def _after_a_stop(run, verdicts, exercises, course, template):
    """Give the verdict to what was running when the process ended early; return a one-line
    problem for the learner's row, or None if nothing more can be judged."""
    kind, what = run.stage or (None, None)
    state = "timed out" if run.silent else None
    if kind == "judging" and what in REGISTRY:
        ex = REGISTRY[what]
        verdicts[what] = Verdict(state or "failing", f"Exercise {what} {ex.name}: the check {run.reason}{run.where}. "
                                 "The other exercises were judged in a new process.")
        return f"{what}: the check {run.reason}"
    if kind == "loading" and what in learner_paths():
        for ex in exercises:
            if ex.path == what and ex.id not in verdicts:
                verdicts[ex.id] = Verdict(state or "cannot load", f"{what}: loading the file {run.reason}{run.where}; "
                                          "none of its exercises could be judged (a loop or an exit at the top of the file?)")
        shutil.copyfile(template / what, course / what)  # the rest is judged without it
        return f"{what}: loading it {run.reason}"
    doing = "while loading the checks" if kind == "loading" else "before loading the learner's files"
    for ex in exercises:
        verdicts.setdefault(ex.id, Verdict(state or "cannot load", f"the grading process {run.reason}{run.where} {doing}"))
    return None


def _judge_all(course, folder, template, exercises, limits, processes):
    """(verdicts, problems, landlock) for the learner's files already in `course`."""
    verdicts, problems, landlock = {}, [], 0
    deadline = time.monotonic() + limits.submission_seconds
    # Each new process gets further: the exercise or file that stopped the last one has its verdict.
    for _attempt in range(len(exercises) + len(learner_paths()) + 1):
        if len(verdicts) == len(exercises):
            break
        run = _run_child(course, folder, set(verdicts), limits, deadline, processes)
        verdicts.update(run.verdicts)
        landlock = run.landlock or landlock
        limits_note = f"ran without {', '.join(run.unlimited)} (this system would not set it)"
        if run.unlimited and limits_note not in problems:
            problems.append(limits_note)
        if run.done:
            break
        if run.out_of_time:
            for ex in exercises:
                verdicts.setdefault(ex.id, Verdict("timed out", f"Exercise {ex.id} {ex.name}: not judged: the "
                                                   f"submission's {limits.submission_seconds:g} s ran out"))
            problems.append(f"ran out of its {limits.submission_seconds:g} s")
            break
        problem = _after_a_stop(run, verdicts, exercises, course, template)
        if problem is None:
            problems.append(f"the grading process {run.reason}")
            break
        problems.append(problem)
    return verdicts, problems, landlock


def _matplotlib_cache(home):
    """A home folder whose matplotlib cache holds the font list, which matplotlib would otherwise
    build again (a quarter of a second) in every grading process that imports it."""
    (home / ".matplotlib").mkdir(parents=True)
    env = {**os.environ, "MPLCONFIGDIR": str(home / ".matplotlib"), "MPLBACKEND": "Agg"}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True, timeout=120)


def _safe(name):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40] or "learner"


def _course_note(submission, commit):
    """A note for the row when the archive was made from another version of the course."""
    if submission.commit and commit and submission.commit != commit:
        return (f"made from course commit {submission.commit[:7]}, yours is at {commit[:7]}: an exercise that "
                "changed in between may not load")
    return None


def grade_submission(submission, template, fingerprint, exercises, limits, root, processes):
    """Judge one Submission in a copy of `template` (a fresh copy of the course) in a new folder
    under `root`; returns (LearnerResult, the Landlock version that confined it)."""
    started = time.monotonic()
    if submission.files is None:
        verdicts = {ex.id: Verdict("cannot load", submission.problem) for ex in exercises}
        return LearnerResult(submission.name, submission.source, submission.when, verdicts, [submission.problem]), 0
    folder = Path(tempfile.mkdtemp(prefix=f"{_safe(submission.name)}-", dir=root))
    try:
        course = folder / "course"
        shutil.copytree(template, course, symlinks=True)
        (folder / "tmp").mkdir()
        shutil.copytree(root / "home", folder / "home")  # with matplotlib's font list, made once
        for relative, data in submission.files.items():
            if relative in learner_paths():  # the learner's files only, whatever else came
                (course / relative).write_bytes(data)
        verdicts, problems, landlock = _judge_all(course, folder, template, exercises, limits, processes)
        changed = _changed(course, fingerprint)
        if changed:
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            problems.append(f"changed the course's own files in its copy ({', '.join(changed[:3])}{more}): "
                            "its verdicts may not be trusted")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = LearnerResult(submission.name, submission.source, submission.when, verdicts, problems,
                           time.monotonic() - started)
    return result, landlock


def grade(submissions, limits=Limits(), workers=2, report=None):
    """Judge every Submission; return a Gradebook (results sorted by learner).

    report: called with each LearnerResult as soon as it is ready (to print progress)
    """
    exercises = course_exercises()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="scratchdl-grade-", ignore_cleanup_errors=True) as root:
        try:
            template = copy_course(Path(root) / "template")
        except SyntaxError as broken:  # one of your own files, which a fresh copy resets to the stubs
            raise UsageError(f"cannot make a fresh copy of your course: {broken.filename or 'one of its files'}, "
                             f"line {broken.lineno}: {broken.msg}. Fix it (or `git checkout` it) and grade again") from None
        fingerprint = _fingerprint(template)
        _matplotlib_cache(Path(root) / "home")
        lock, processes = threading.Lock(), _Processes()
        commit = course_version()["commit"]

        def one(submission):
            result, landlock = grade_submission(submission, template, fingerprint, exercises, limits, Path(root),
                                                processes)
            note = _course_note(submission, commit)
            if note:
                result.problems.append(note)
            if report is not None:
                with lock:
                    report(result)
            return result, landlock

        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            graded = list(pool.map(one, submissions))
        except BaseException:  # Ctrl-C, or the grader's own error: stop every grading process now
            processes.stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown()
    results = sorted((result for result, _ in graded), key=lambda r: r.name.lower())
    ran = [landlock for result, landlock in graded if result.seconds]  # not the archives that could not be read
    return Gradebook(exercises, results, time.monotonic() - started, min(ran) if ran else None, limits)


# --- the command line -------------------------------------------------------------------------


def _positive(name, value):
    if not value > 0:
        raise UsageError(f"{name} must be more than 0; got {value:g}")


def _print_result(result):
    total = len(result.verdicts)
    counts = ", ".join(f"{result.count(state)} {state}" for state in STATES[1:] if result.count(state))
    problem = f"  ! {'; '.join(result.problems)}" if result.problems else ""
    print(f"  {result.name:<20} {result.count('passing'):>3} of {total} passing"
          f"{' (' + counts + ')' if counts else ''}  {result.seconds:.1f} s{problem}", flush=True)


def grade_command(args):
    """`python -m scratchdl grade`: check the arguments, grade, write the gradebook."""
    from scratchdl.course import gradebook

    _positive("--workers", args.workers)
    _positive("--check-timeout", args.check_timeout)
    _positive("--time-limit", args.time_limit)
    _positive("--memory", args.memory)
    csv_path = writable_target(args.csv)
    html_path = writable_target(args.html) if args.html else None
    json_path = writable_target(args.json) if args.json else None
    submissions = find_submissions(args.submissions)
    if not solutions_dir().is_dir():
        print(f"! no solutions/ here ({solutions_dir()}): a check that uses other exercises runs the learner's own "
              "code for them too, so one mistake can fail several exercises.")
    print(f"Grading {len(submissions)} submission{'s' if len(submissions) != 1 else ''} with the checks of "
          f"{COURSE_DIR} ({args.workers} at a time; {args.check_timeout:g} s per check):", flush=True)
    limits = Limits(args.check_timeout, args.time_limit, args.memory)
    book = grade(submissions, limits, workers=args.workers, report=_print_result)
    gradebook.write_csv(book, csv_path)
    written = [str(csv_path)]
    if html_path is not None:
        written += [str(path) for path in gradebook.write_html(book, html_path)]
    if json_path is not None:
        written.append(str(gradebook.write_json(book, json_path)))
    n = len(book.results)
    print(f"✓ {n} learner{'s' if n != 1 else ''} graded in {book.seconds:.1f} s; written: {', '.join(written)}")
    if book.landlock == 0:
        print("! This system has no Landlock (Linux 5.13 or newer): each submission ran in a folder of its own, "
              "but nothing stopped its code from changing files elsewhere that your account may change.")
    return 0
