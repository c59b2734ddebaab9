"""Google Colab: put the course in your Google Drive, then go to this chapter's folder.

Colab opens one notebook on its own, in /content, without the rest of the course, and forgets
everything in /content when its machine is recycled. So each chapter's setup cell, when it finds
no ../setup.py beside the notebook, downloads this file and runs it:

    import colab; colab.main("03_forward")

It connects your Google Drive (Colab asks you to allow it), copies the course into
MyDrive/scratchdl the first time (the next chapters use that same copy, so they see the code you
wrote in the earlier ones), installs what Colab lacks, and changes into chapters/03_forward. The
setup cell then goes on as everywhere else, with %run ../setup.py.

Two settings, for tests and for forks of the course:
    SCRATCHDL_COLAB_REPO   the git repository to copy the course from
    SCRATCHDL_COLAB_DRIVE  where Google Drive is mounted (default /content/drive)
"""

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

REPO = os.environ.get("SCRATCHDL_COLAB_REPO", "https://github.com/scratchdl/scratchdl")
DRIVE = Path(os.environ.get("SCRATCHDL_COLAB_DRIVE", "/content/drive"))
# Colab's own kernel and front end: never reinstalled underneath a running notebook.
COLABS_OWN = {"jupyterlab", "ipykernel", "ipython"}


class SetupFailed(Exception):
    """What went wrong, in one line, without a traceback (there is nothing in it for the learner)."""

    def _render_traceback_(self):
        return [f"✗ {self}"]


def course_folder():
    """Mount Google Drive and return where the course lives in it (or, if Drive is refused, in /content)."""
    from google.colab import drive

    try:
        drive.mount(str(DRIVE))
    except Exception as refused:  # the learner said no, or Drive is unavailable
        without_drive = Path.cwd() / "scratchdl"  # /content/scratchdl: works, for this session only
        print(f"! Google Drive is not connected ({refused}).\n"
              f"  The course goes into {without_drive}, which Colab deletes when this session ends:\n"
              "  run scratchdl.export() before you leave to download your work.")
        return without_drive
    return DRIVE / "MyDrive" / "scratchdl"


def copy_course(course):
    """Clone the course into `course`, unless an earlier chapter already did."""
    if (course / "chapters" / "setup.py").exists():
        print(f"Your copy of the course: {course}")
        return
    if course.exists() and any(course.iterdir()):
        raise SetupFailed(f"{course} exists but holds no course (no chapters/setup.py). "
                         "Rename or remove it, then run this cell again.")
    print(f"Copying the course into {course} (once; later chapters use this copy) ...")
    done = subprocess.run(["git", "clone", "--quiet", "--depth", "1", REPO, str(course)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupFailed(f"could not copy the course from {REPO}:\n{done.stderr.strip()}")


def to_install(requirements, installed_version, lowest_ok):
    """The pip requirements Colab lacks: [(name, lowest)] -> ["anywidget>=0.9", ...].

    installed_version(name) gives the installed version or None; lowest_ok(installed, lowest)
    says whether it is new enough. Colab's kernel and front end are left alone.
    """
    wanted = []
    for name, lowest in requirements:
        if name.lower() in COLABS_OWN:
            continue
        installed = installed_version(name)
        if installed is None or (lowest and not lowest_ok(installed, lowest)):
            wanted.append(f"{name}>={lowest}" if lowest else name)
    return wanted


def installed_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def install_what_is_missing(course):
    sys.path.insert(0, str(course))  # the course's own list of what it needs
    from scratchdl.course.doctor import requirements, version_tuple

    missing = to_install(requirements(), installed_version,
                         lambda installed, lowest: version_tuple(installed) >= version_tuple(lowest))
    if missing:
        print("Installing what Colab lacks:", ", ".join(missing))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
        already = [m for m in missing if m.split(">=")[0].replace("-", "_") in sys.modules]
        if already:
            print("! Restart the session (Runtime > Restart session) and run this cell again: "
                  f"{', '.join(already)} had already been imported in its old version.")


def main(chapter_folder):
    course = course_folder()
    copy_course(course)
    install_what_is_missing(course)
    # Colab shows third-party widgets (ipywidgets 8, the draw-a-digit canvas) only with its custom
    # widget manager; anywidget turns it on for its own widgets, this turns it on for all of them.
    from google.colab import output

    output.enable_custom_widget_manager()
    chapter = course / "chapters" / chapter_folder
    if not chapter.is_dir():
        raise SetupFailed(f"{chapter} does not exist: your copy of the course may be older than this "
                         "notebook. Rename that folder to get a fresh copy (your files stay in the old one).")
    os.chdir(chapter)
