"""A synthetic class for the gradebook (tests/test_grading.py, benchmarks/grading.py): 24 learners
whose work is built from the course's own material, each with the row the gradebook must give.

The bodies come from the reference solutions, from tests/second_learner/ (correct code in other
styles) and from the chapters' catalogues of mistakes (a wrong function and the pattern its
check's message must match, written by the chapter's author: judging.CATALOGUE); a few are
written here: an endless loop, a call that never returns, a syntax error, a 10 GB array, a
segfault, an os._exit at the top of a file, a loop at the top of a file, a submission that writes
outside its folder and one that deletes files. Each learner states what every exercise's verdict
must be - independently of the gradebook, which the tests then hold to it.

Most hand in an archive (handins/NAME.zip), some as a JupyterHub would keep them
(home/NAME/scratchdl: a copy of the course), one with the real `python -m scratchdl handin`.
"""

import ast
import functools
import importlib.util
import inspect
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import judging
from course_copy import COURSE_DIR, body_in, copy_course, reference_body, run, set_body
from scratchdl.course import archive
from scratchdl.course.chapters import CHAPTERS_DIR
from scratchdl.course.copies import find_definition
from scratchdl.course.exercises import REGISTRY, reference
from scratchdl.course.grading import course_exercises

SECOND = Path(__file__).parent / "second_learner"
ANY = None  # an expectation's pattern when any message will do


# --- bodies -----------------------------------------------------------------------------------


def reference_bodies(chapters=None):
    """{id: reference body} for every exercise (or those of `chapters`)."""
    return {ex.id: textwrap.dedent(reference_body(ex.id)) for ex in course_exercises()
            if chapters is None or ex.chapter in chapters}


def second_bodies(chapters=None):
    """{id: the second learner's body} for every exercise (or those of `chapters`)."""
    return {ex.id: body_in(SECOND, ex.id) for ex in course_exercises() if chapters is None or ex.chapter in chapters}


@functools.cache
def _chapter_tests(chapter):
    """The chapter's test modules, imported (which fills judging.CATALOGUE with their mistakes)."""
    modules = []
    for path in sorted(CHAPTERS_DIR.glob(f"{chapter:02d}_*/test_*.py")):
        name = f"synthetic_class_{path.parent.name}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def catalogued(exercise_id, name):
    """(body, pattern) of the mistake `name` in the catalogue of exercise `exercise_id`: the wrong
    function's body as a learner would have typed it into the exercise, and the pattern the
    chapter's author wrote for its check's message."""
    modules = _chapter_tests(REGISTRY[exercise_id].chapter)
    wrong = next(getattr(m, name) for m in modules if hasattr(m, name))
    pattern = next(p for (_, p), w in judging.CATALOGUE[exercise_id].items() if w is wrong)
    wanted = list(inspect.signature(reference(REGISTRY[exercise_id])).parameters)
    assert list(inspect.signature(wrong).parameters) == wanted, f"{name} does not take {wanted}"
    used = {n for n in wrong.__code__.co_names if n in wrong.__globals__} - {"np"}
    assert not used, f"{name} uses {used} of its test module; it would not run in a learner's file"
    source = textwrap.dedent(inspect.getsource(wrong))
    node = find_definition(ast.parse(source), name)
    lines = source.splitlines(keepends=True)
    return textwrap.dedent("".join(lines[node.body[0].lineno - 1 : node.body[-1].end_lineno])), pattern


# --- learners ---------------------------------------------------------------------------------


@dataclass
class Learner:
    name: str
    bodies: dict  # exercise id -> body
    expect: dict = field(default_factory=dict)  # exercise id -> (state, pattern or ANY)
    default: tuple = ("passing", ANY)  # for the exercises not in expect
    problems: list = field(default_factory=list)  # patterns the row's problems must match, in order
    hand_in: str = "archive"  # "archive", "folder" (a hub's home), "command" (python -m scratchdl handin)
    edit: object = None  # edit(course folder) after the bodies are in: a change outside the bodies

    def expected(self, exercise_id):
        return self.expect.get(exercise_id, self.default)


def _ids_in(path):
    return [ex.id for ex in course_exercises() if ex.path == path]


def _with(bodies, **changes):
    """bodies with some replaced: _with(bodies, **{"2.1": body})."""
    return {**bodies, **changes}


def _mistakes(base, *mistakes):
    """(bodies, expectations): `base` with catalogued mistakes [(id, name)] in it."""
    bodies, expect = dict(base), {}
    for exercise_id, name in mistakes:
        bodies[exercise_id], pattern = catalogued(exercise_id, name)
        expect[exercise_id] = ("failing", pattern)
    return bodies, expect


def _not_started(chapters):
    """Expectations: every exercise of these chapters not started."""
    return {ex.id: ("not started", ANY) for ex in course_exercises() if ex.chapter in chapters}


def _append(path, text):
    """An edit: `text` at the end of a file (say, code at the top level that runs when it loads)."""
    def edit(course):
        file = Path(course) / path
        file.write_text(file.read_text(encoding="utf-8") + text, encoding="utf-8")
    return edit


def _prepend_after_imports(path, text):
    """Put `text` in a file just after its docstring and imports (where a learner would)."""
    def edit(course):
        file = Path(course) / path
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        tree = ast.parse("".join(lines))
        last_import = max(n.end_lineno for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom)))
        lines[last_import:last_import] = [text]
        file.write_text("".join(lines), encoding="utf-8")
    return edit


def _pass_every_check(course):
    """A learner's edit of their own copy's checks: 2.1's check returns at once, whatever the code does."""
    checks = Path(course) / "chapters" / "02_activations" / "checks.py"
    lines = checks.read_text(encoding="utf-8").splitlines(keepends=True)
    check = next(node for node in ast.parse("".join(lines)).body if isinstance(node, ast.FunctionDef)
                 and any(isinstance(d, ast.Call) and getattr(d.func, "id", "") == "check_for"
                         and d.args and getattr(d.args[0], "value", None) == "2.1" for d in node.decorator_list))
    lines.insert(check.body[0].end_lineno, "    return  # the learner's edit\n")
    checks.write_text("".join(lines), encoding="utf-8")


WRITER = '''\
import os, sys
from pathlib import Path
import scratchdl
outside = [Path("../../escaped-{tag}.txt"), Path("../../../escaped-{tag}.txt"),
           Path(scratchdl.__file__).resolve().parents[3] / "escaped-{tag}.txt",
           Path(os.path.expanduser("~")).parent.parent / "escaped-{tag}.txt",
           Path({instructor!r}) / "escaped-{tag}.txt", Path({instructor!r}) / "chapters" / "01_init" / "checks.py",
           Path({others!r}) / "escaped-{tag}.txt",
           Path(sys.executable).parent / "escaped-{tag}.txt"]  # a path learned from the environment
for target in outside:
    try:
        with open(target, "a") as f:
            f.write("# written by a submission\\n")
    except OSError:
        continue
    raise RuntimeError(f"wrote outside its folder: {{target.resolve()}}")
Path("inside-{tag}.txt").write_text("its own folder is writable")
'''

DELETER = '''\
import glob, os, shutil
from pathlib import Path
import scratchdl
mine = Path.cwd().resolve().parent
targets = [Path(p) for pattern in ("../../*/course/scratchdl/*.py", "../../*/course/chapters/*/checks.py",
                                   "../../template/**/*.py", "../../../*", {instructor!r} + "/**/*", {others!r} + "/**/*")
           for p in glob.glob(pattern, recursive=True)]
targets += list(Path(scratchdl.__file__).resolve().parents[3].glob("*/course/scratchdl/*.py"))
deleted = []
for target in targets:
    if target.resolve().is_relative_to(mine) or not target.is_file():
        continue
    try:
        os.remove(target)
    except OSError:
        continue
    deleted.append(str(target))
for folder in ({instructor!r}, {others!r}, "../../template"):
    try:
        shutil.rmtree(folder)
        deleted.append(folder)
    except OSError:
        pass
if deleted:
    raise RuntimeError(f"deleted outside its folder: {{deleted[:3]}}")
(Path(scratchdl.__file__).resolve().parent.parent / "chapters" / "01_init" / "checks.py").unlink(missing_ok=True)  # its own copy's
'''


def learners(instructor, others):
    """The class. `instructor`: the instructor's copy of the course (the hostile submissions aim
    at it by its absolute path); `others`: the folder of the hub learners' homes."""
    ref, second = reference_bodies(), second_bodies()
    plant = {"instructor": str(instructor), "others": str(others)}
    activations = _ids_in("scratchdl/activations.py")
    metrics = _ids_in("scratchdl/metrics.py")
    conv = _ids_in("scratchdl/conv.py")
    people = [
        Learner("ada", ref),
        Learner("ben", second, hand_in="folder"),
        Learner("chen", {**second_bodies(range(1, 6)), **reference_bodies(range(6, 11))}),
        Learner("dana", {}, default=("not started", ANY)),
        Learner("emre", reference_bodies(range(1, 4)), expect=_not_started(range(4, 11))),
        Learner("fatima", second_bodies(range(1, 8)), expect=_not_started(range(8, 11)), hand_in="folder"),
    ]
    for name, base, mistakes, not_started in [
        ("gus", ref, [("2.1", "textbook_sigmoid"), ("2.9", "softmax_over_axis_1"), ("3.2", "net_forward_not_passing_on")], ()),
        ("hana", second, [("2.1", "textbook_sigmoid"), ("4.2", "mse_grad_without_two"), ("5.2", "db_mean")], ()),
        ("ivan", reference_bodies(range(1, 9)), [("6.2", "sgd_rebinding"), ("6.3", "momentum_forgetful"),
                                                 ("7.4", "predict_by_dot_product")], (9, 10)),
        ("jun", ref, [("8.3", "col2im_assigning"), ("9.7", "order_without_visited"), ("10.4", "backward_not_rescaled")], ()),
        ("kofi", reference_bodies(range(1, 8)), [("2.1", "textbook_sigmoid"), ("6.2", "sgd_rebinding"),
                                                 ("7.1", "one_hot_setting_whole_columns")], (8, 9, 10)),
        ("lena", second, [("4.6", "sce_grad_every_column"), ("9.2", "mul_swapped"), ("5.2", "db_mean")], ()),
    ]:
        bodies, expect = _mistakes(base, *mistakes)
        people.append(Learner(name, bodies, expect={**_not_started(not_started), **expect}))
    people += [
        Learner("mo", _with(ref, **{"2.2": "while True:\n    pass", "7.2": "import time\ntime.sleep(600)"}),
                expect={"2.2": ("timed out", r"stopped after 5 s at scratchdl/activations\.py line \d+"),
                        "7.2": ("timed out", r"gave no answer for 10 s")},
                problems=[r"7\.2: the check gave no answer"]),
        Learner("nina", ref, edit=lambda course: set_body(course, "2.3", "return 2 * sigmoid(2 * z) - 1)"),
                expect={i: ("cannot load", r"scratchdl/activations\.py, line \d+: unmatched '\)'") for i in activations}),
        Learner("omar", _with(ref, **{"1.1": "big = np.ones((1250, 1000, 1000))  # 10 GB\n" + ref["1.1"]}),
                expect={"1.1": ("failing", r"MemoryError")}),
        Learner("priya", _with(ref, **{"1.2": "import ctypes\nctypes.string_at(0)  # reads address 0\n" + ref["1.2"]}),
                expect={"1.2": ("failing", r"crashed the process \(SIGSEGV.*\) at scratchdl/initializers\.py line \d+")},
                problems=[r"1\.2: the check crashed the process \(SIGSEGV"]),
        Learner("quinn", ref, edit=_append("scratchdl/metrics.py", "\nimport os\nos._exit(3)\n"),
                expect={i: ("cannot load", r"scratchdl/metrics\.py: loading the file ended the process \(exit status 3")
                        for i in metrics},
                problems=[r"scratchdl/metrics\.py: loading it ended the process"]),
        Learner("rosa", _with(ref, **{"1.1": WRITER.format(tag="rosa", **plant) + ref["1.1"]})),
        Learner("sam", _with(ref, **{"1.1": DELETER.format(**plant) + ref["1.1"]}),
                problems=[r"changed the course's own files in its copy \(chapters/01_init/checks\.py\)"]),
        Learner("tara", ref, hand_in="command"),
        Learner("uma", _mistakes(ref, ("2.1", "textbook_sigmoid"))[0], hand_in="folder", edit=_pass_every_check,
                expect={"2.1": _mistakes(ref, ("2.1", "textbook_sigmoid"))[1]["2.1"]}),
        Learner("victor", {}, hand_in="not a zip", default=("cannot load", r"victor\.zip is not a \.zip archive"),
                problems=[r"victor\.zip is not a \.zip archive"]),
        Learner("wanda", ref, hand_in="with a check", default=("cannot load", r"not one of a learner's files"),
                problems=[r"chapters/02_activations/checks\.py.*not one of a learner's files"]),
        Learner("yara", ref, edit=_prepend_after_imports("scratchdl/conv.py", "while True:  # at the top of the file\n    pass\n"),
                expect={i: ("timed out", r"scratchdl/conv\.py: loading the file gave no answer") for i in conv},
                problems=[r"scratchdl/conv\.py: loading it gave no answer"]),
    ]
    return people


# --- handing in -------------------------------------------------------------------------------


def _learners_copy(folder, learner, stubs, whole=False):
    """The learner's files (or, `whole`, a copy of the course) with their bodies in; `stubs` is a
    copy of the course as shipped."""
    if whole:
        course = copy_course(folder, solutions=False)
    else:
        course = Path(folder)
        (course / "scratchdl").mkdir(parents=True)
        for relative in archive.learner_paths():
            shutil.copyfile(stubs / relative, course / relative)
    for exercise_id, body in learner.bodies.items():
        set_body(course, exercise_id, body)
    if learner.edit is not None:
        learner.edit(course)
    return course


def build(root, instructor):
    """Make the class under `root`: handins/*.zip and home/NAME/scratchdl. Returns (learners,
    the submissions to grade as paths, in order)."""
    root = Path(root)
    stubs = copy_course(root / "stubs", solutions=False)
    homes, handins, work = root / "home", root / "handins", root / "work"
    for folder in (homes, handins, work):
        folder.mkdir()
    people = learners(instructor, homes)
    paths = []
    for learner in people:
        if learner.hand_in == "folder":
            paths.append(_learners_copy(homes / learner.name / "scratchdl", learner, stubs, whole=True))
            continue
        out = handins / f"{learner.name}.zip"
        if learner.hand_in == "not a zip":
            out.write_bytes(b"PK\x03\x04 this is not really a zip file")
        elif learner.hand_in == "command":  # as the learner would: in their own copy, then hand the file in
            course = _learners_copy(work / learner.name, learner, stubs, whole=True)
            done = run(course, "handin")
            assert done.returncode == 0, done.stderr
            out = handins / learner.name / "scratchdl-handin.zip"  # the default name: graded by its folder's
            out.parent.mkdir()
            shutil.move(course / "scratchdl-handin.zip", out)
        else:
            files = archive.learner_files(_learners_copy(work / learner.name, learner, stubs))
            if learner.hand_in == "with a check":
                files["chapters/02_activations/checks.py"] = (COURSE_DIR / "chapters/02_activations/checks.py").read_bytes()
            archive.write_zip(files, archive.make_manifest("handin", files), out)
        paths.append(out)
    return people, paths
