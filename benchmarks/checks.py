"""How long does each exercise's check take? The course's target: at most 1 s each, and
`progress` of every exercise at most 15 s, so feedback stays instant.

    python benchmarks/checks.py            a table, slowest first, then the targets
    python benchmarks/checks.py --json     one JSON object, for scripts

Each check judges the reference solution (as `progress` would judge a learner who has written
everything), best of --repeats runs. `progress` is timed as the learner runs it: a fresh process,
`python -m scratchdl progress --json`, on a copy of the course with every reference body pasted
in. Exits with status 1 if a target is missed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COURSE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE))  # run from a checkout without installing
sys.path.insert(0, str(COURSE / "tests"))  # course_copy: a copy of the course with bodies pasted in
os.environ["SCRATCHDL_MODE"] = "reference"

CHECK_SECONDS = 1.0
PROGRESS_SECONDS = 15.0


def check_seconds(repeats):
    """{exercise id: best seconds of its check on the reference}."""
    from scratchdl.course.checks import judge
    from scratchdl.course.loader import load_exercises

    times = {}
    for exercise_id in load_exercises():
        runs = [judge(exercise_id, whose="mode", seconds=0) for _ in range(repeats)]
        failing = [v for v in runs if v.state != "passing"]
        if failing:
            raise SystemExit(f"check {exercise_id} does not pass on the reference:\n{failing[0].message}")
        times[exercise_id] = min(v.seconds for v in runs)
    return times


def progress_seconds():
    """Seconds of `python -m scratchdl progress --json` with every exercise written."""
    from course_copy import copy_course, install_bodies

    with tempfile.TemporaryDirectory() as folder:
        course = copy_course(Path(folder) / "course")
        install_bodies(course, COURSE / "solutions")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SCRATCHDL_")}
        env["PYTHONPATH"] = str(course)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "scratchdl", "progress", "--json"], cwd=course,
                                env=env, capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - started
    rows = json.loads(result.stdout)
    not_passing = [r["id"] for r in rows if r["state"] != "passing"]
    if not_passing:
        raise SystemExit(f"progress did not find every pasted reference passing: {not_passing}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeats", type=int, default=3, help="runs per check; the best counts (default 3)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1; got {args.repeats}")

    times = check_seconds(args.repeats)
    progress = progress_seconds()
    slowest = max(times, key=times.get)
    report = {
        "checks": times,
        "median_check_seconds": statistics.median(times.values()),
        "slowest_check": slowest,
        "slowest_check_seconds": times[slowest],
        "progress_seconds": progress,
    }
    missed = [f"check {i} took {s:.2f} s (target {CHECK_SECONDS:g} s)" for i, s in times.items() if s > CHECK_SECONDS]
    if progress > PROGRESS_SECONDS:
        missed.append(f"progress took {progress:.1f} s (target {PROGRESS_SECONDS:g} s)")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for exercise_id, seconds in sorted(times.items(), key=lambda item: -item[1]):
            print(f"  {exercise_id:>5}  {seconds:6.3f} s")
        print(f"median check {report['median_check_seconds']:.3f} s; slowest {slowest} at "
              f"{times[slowest]:.3f} s; progress of all {len(times)} exercises {progress:.1f} s")
        print("targets met" if not missed else "targets missed:\n  " + "\n  ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
