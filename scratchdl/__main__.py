"""Command line: python -m scratchdl progress | check ID | hint ID | solution ID | mnist fetch|status | doctor
| export | import FILE | handin | grade SUBMISSION... --csv OUT | lite OUT."""

import argparse
import os
import sys

from scratchdl.course.checks import CannotLoad, CheckFailed, CheckInterrupted, check
from scratchdl.course.exercises import ExerciseTodo, LearnerCodeBroken, SolutionsMissing
from scratchdl.course.hints import hint, show_solution
from scratchdl.course.loader import LearnerImportFailed
from scratchdl.course.progress import progress
from scratchdl.course.usage import UsageError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scratchdl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("progress", help="every exercise by chapter and its state")
    p.add_argument("--json", action="store_true", help="print JSON (id, chapter, name, state, detail, file, line)")
    p.add_argument("--chapter", help="only this chapter")
    p.add_argument("--all", action="store_true", help="every chapter exercise by exercise")
    c = commands.add_parser("check", help="check one exercise, e.g. 2.1")
    c.add_argument("exercise")
    c.add_argument("--timeout", type=float, help="seconds the check may take (default 20; 0: no limit)")
    h = commands.add_parser("hint", help="the next hint for one exercise (remembers which you have seen)")
    h.add_argument("exercise")
    h.add_argument("--level", type=int, help="a particular hint (1 = the nudge)")
    h.add_argument("--all", action="store_true", help="every hint of the exercise")
    s = commands.add_parser("solution", help="the reference body of one exercise")
    s.add_argument("exercise")
    m = commands.add_parser("mnist", help="fetch MNIST ahead of time, or see where it is")
    m.add_argument("action", choices=["fetch", "status"])
    m.add_argument("--from", dest="source", metavar="DIR", help="copy the four files from this folder instead of downloading")
    m.add_argument("--mirror", action="append", metavar="URL",
                   help="download from this address (repeat for several; default: $SCRATCHDL_MNIST_MIRRORS, else the public mirrors)")
    commands.add_parser("doctor", help="is this machine ready for the course? what to fix if not")
    add_archive_commands(commands)
    from scratchdl.course import lite

    lite.add_parser(commands)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except UsageError as error:  # an unknown exercise or chapter, a bad setting: one line
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (CheckFailed, CannotLoad, ExerciseTodo, SolutionsMissing, LearnerCodeBroken, LearnerImportFailed) as failed:
        print(f"✗ {failed}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, CheckInterrupted) as stopped:
        print(f"✗ {str(stopped) or 'stopped.'}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def run(args):
    if args.command == "progress":
        report = progress(args.chapter, expand="all" if args.all else None)
        print(report.to_json() if args.json else report)
    elif args.command == "check":
        check(args.exercise, timeout=args.timeout)
    elif args.command == "hint":
        hint(args.exercise, args.level, all=args.all)
    elif args.command == "solution":
        show_solution(args.exercise)
    elif args.command == "mnist":
        return mnist_command(args)
    elif args.command == "doctor":
        from scratchdl.course.doctor import doctor

        return doctor()
    elif args.command in ("export", "handin", "import", "grade"):
        return archive_command(args)
    elif args.command == "lite":
        from scratchdl.course import lite

        return lite.main(args)
    sys.stdout.flush()  # a closed pipe shows up here, inside main's handler
    return 0


def add_archive_commands(commands):
    """export, import and handin (your work in one .zip), and grade (an instructor's gradebook)."""
    e = commands.add_parser("export", help="your files and progress in one dated .zip, to keep")
    e.add_argument("--out", metavar="FILE", help="where to write it (default: scratchdl-work-DATE.zip in the course folder)")
    i = commands.add_parser("import", help="put the files of an export (or a hand-in) back into this copy")
    i.add_argument("file", metavar="FILE")
    i.add_argument("--force", action="store_true", help="replace files that hold other work (saved in .scratchdl/backups/ first)")
    h = commands.add_parser("handin", help="pack your work for your instructor (replaces the last one)")
    h.add_argument("--out", metavar="FILE", help="where to write it (default: scratchdl-handin.zip in the course folder)")
    g = commands.add_parser("grade", help="instructors: re-check hand-ins or hub folders, write a gradebook")
    g.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help="hand-in .zip files, copies of the course (/home/*/scratchdl) or folders of them")
    g.add_argument("--csv", required=True, metavar="OUT", help="one row per learner, one column per exercise")
    g.add_argument("--html", metavar="OUT", help="the class summary and the picture (also saved as OUT's .png)")
    g.add_argument("--json", metavar="OUT", help="every verdict with its whole message, for scripts")
    g.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    g.add_argument("--check-timeout", type=float, default=5.0, metavar="S", help="seconds per check (default 5)")
    g.add_argument("--time-limit", type=float, default=120.0, metavar="S", help="seconds per submission (default 120)")
    g.add_argument("--memory", type=int, default=2048, metavar="MB", help="memory per submission (default 2048 MB)")


def archive_command(args):
    """export / handin: write the archive and say where; import: put it back; grade: the gradebook."""
    from scratchdl.course import archive

    if args.command == "import":
        print(archive.unpack(args.file, force=args.force))
        return 0
    if args.command == "grade":
        from scratchdl.course.grading import grade_command

        return grade_command(args)
    packed = archive.pack(args.command, args.out)
    print(f"✓ Your work is in {packed.path} ({packed.summary}).")
    if args.command == "handin":
        print("  Hand in this file. Running handin again replaces it.")
    else:
        print("  Keep it (download it if this session is temporary); `python -m scratchdl import FILE` "
              "puts it back into a fresh copy of the course.")
    return 0


def mnist_command(args):
    from scratchdl.tools import mnist

    try:
        if args.action == "fetch" and args.source:
            folder = mnist.import_from(args.source)
        elif args.action == "fetch":
            folder = mnist.find_mnist(mirrors=args.mirror)
        else:
            folder = mnist.find_mnist(download_missing=False)  # status: look, never change
    except mnist.MNISTUnavailable as problem:
        print(f"✗ {problem}", file=sys.stderr)
        return 1
    except mnist.DownloadInterrupted as stopped:
        print(f"✗ {stopped}", file=sys.stderr)
        return 130
    print(f"✓ MNIST is in {folder}: all four files present and verified (SHA-256).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
