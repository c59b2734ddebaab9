"""How long does the gradebook take for a class? The course's target: a class of 20 learners
graded in under a minute on a 2-core machine, two submissions at a time.

    python benchmarks/grading.py                              grade the synthetic class, print the times
    python benchmarks/grading.py --picture docs/gradebook.png  ... and save its picture (the README's)
    python benchmarks/grading.py --json                       one JSON object, for scripts

The class is tests/synthetic_class.py's: 24 learners, among them an endless loop, a call that
never returns (stopped after 10 s), a loop at the top of a file, a segfault and a file-writer, as
in tests/test_grading.py. It is graded as an instructor would grade it, `python -m scratchdl grade`
run in a temporary copy of the course, with every temporary folder inside the benchmark's own.
Exits with status 1 if the target is missed.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE))  # run from a checkout without installing
sys.path.insert(0, str(COURSE / "tests"))  # synthetic_class, course_copy
os.environ["SCRATCHDL_MODE"] = "reference"  # the chapters' catalogues of mistakes load on the reference

TARGET_SECONDS = 60.0
TARGET_LEARNERS = 20


def grade_the_class(folder):
    """(learners, seconds, the grader's output) for the class built in `folder`."""
    import synthetic_class
    from course_copy import copy_course

    folder = Path(folder)
    instructor = copy_course(folder / "instructor")
    people, paths = synthetic_class.build(folder, instructor)
    tmp, out = folder / "tmp", folder / "out"
    tmp.mkdir()
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_")}
    env.update(PYTHONPATH=str(instructor), TMPDIR=str(tmp))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scratchdl", "grade", *map(str, paths), "--csv", str(out / "class.csv"),
                           "--html", str(out / "class.html"), "--json", str(out / "class.json")],
                          cwd=instructor, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"grading failed:\n{done.stdout}\n{done.stderr}")
    return people, seconds, done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--picture", metavar="PNG", help="also save the gradebook's picture here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="scratchdl-grading-benchmark-") as folder:
        people, seconds, output = grade_the_class(folder)
        if args.picture:
            shutil.copyfile(Path(folder) / "out" / "class.png", args.picture)
    per_learner = seconds / len(people)
    for_target = per_learner * TARGET_LEARNERS
    report = {"learners": len(people), "seconds": round(seconds, 1), "seconds_per_learner": round(per_learner, 2),
              f"seconds_for_{TARGET_LEARNERS}": round(for_target, 1), "target_seconds": TARGET_SECONDS,
              "cpus": os.cpu_count()}
    missed = per_learner > TARGET_SECONDS / TARGET_LEARNERS  # 3 s a learner, whatever the class's size
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(output.rstrip())
        print(f"\n{len(people)} learners graded in {seconds:.1f} s ({per_learner:.2f} s each: {for_target:.0f} s "
              f"for {TARGET_LEARNERS}) on {os.cpu_count()} cores; target: {TARGET_SECONDS:g} s for {TARGET_LEARNERS} "
              f"({TARGET_SECONDS / TARGET_LEARNERS:g} s a learner)")
        print("target met" if not missed else "target missed")
        if args.picture:
            print(f"picture saved in {args.picture}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
