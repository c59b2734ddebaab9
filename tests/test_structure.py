"""The package's shape: what is the learner's, what is not, and imports that go one way.

    python -m pytest tests/test_structure.py     shows there is no import cycle (the graph is printed on failure)
"""

import ast
import re
from pathlib import Path

from scratchdl.course.chapters import CHAPTERS, COURSE_DIR, LEARNER_MODULES

PACKAGE = COURSE_DIR / "scratchdl"
# The order the course builds things in: a learner module may import only modules before it.
FLOW = ["initializers", "activations", "layers", "losses", "network", "gradcheck", "optimizers", "training",
        "metrics", "baseline", "conv", "autograd", "regularization"]


def module_name(path):
    parts = path.relative_to(COURSE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imports(path, known):
    """Every scratchdl module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from scratchdl.tools import plots`
    return {name for name in found if name in known}


def graph():
    known = modules()
    edges = {name: imports(path, known) for name, path in known.items()}
    # The one dynamic import: the loader imports every learner file (and the chapters' checks,
    # which are outside the package and import only the learner's files and scratchdl.course).
    edges["scratchdl.course.loader"] |= set(LEARNER_MODULES)
    return edges


def find_cycle(edges):
    """One cycle as a list of modules, or None (depth-first search)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(edges):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def test_there_is_no_import_cycle_not_even_inside_a_function():
    edges = graph()
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def closure(edges, start):
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_learners_files_do_not_import_the_checker():
    edges = graph()
    machinery = {"scratchdl.course.checks", "scratchdl.course.expect", "scratchdl.course.loader",
                 "scratchdl.course.progress", "scratchdl.course.hints", "scratchdl.course.doctor"}
    for module in LEARNER_MODULES:
        assert not closure(edges, module) & machinery, f"{module} imports {sorted(closure(edges, module) & machinery)}"


def test_the_learners_files_import_one_way_data_model_loss_backward_optimizer():
    edges = graph()
    for module in LEARNER_MODULES:
        name = module.split(".")[1]
        later = {f"scratchdl.{m}" for m in FLOW[FLOW.index(name):]}
        reached = {m for m in closure(edges, module) if m in later and m != module}
        assert not reached, f"{module} needs {sorted(reached)}, which come after it in the course"


def test_every_file_directly_in_the_package_is_a_learners_file_and_says_so():
    learner = {m.split(".")[1] for m in LEARNER_MODULES}
    files = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert files == learner, f"files in scratchdl/ that are not the learner's: {sorted(files - learner)}"
    for name in learner:
        header = (PACKAGE / f"{name}.py").read_text(encoding="utf-8").split('"""')[1]
        chapters = [ch.number for ch in CHAPTERS if name in ch.modules]
        assert re.search(r"\byours\b", header, re.IGNORECASE), f"scratchdl/{name}.py's header should say the file is yours"
        for number in chapters:
            assert f"chapter {number}" in header.lower() or f"chapters {number}" in header.lower() or re.search(
                rf"\b{number}\.\d", header), f"scratchdl/{name}.py's header should name chapter {number}"


def test_no_other_file_in_the_package_has_a_learners_files_name():
    learner = {m.split(".")[1] for m in LEARNER_MODULES}
    clashes = [str(p.relative_to(COURSE_DIR)) for p in PACKAGE.rglob("*.py")
               if p.parent != PACKAGE and p.stem in learner]
    assert not clashes, clashes


def test_the_subfolders_say_what_they_hold():
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == {"course", "tools"}
    for folder in ("course", "tools"):
        doc = (PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")
        assert doc.startswith('"""') and len(doc.strip()) > 40, f"scratchdl/{folder}/__init__.py should say what it holds"


def test_the_training_loop_fits_on_one_screen():
    tree = ast.parse((PACKAGE / "training.py").read_text(encoding="utf-8"))
    fit = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "fit")
    body = fit.body[1:]  # after the docstring
    lines = body[-1].end_lineno - body[0].lineno + 1
    assert lines <= 30, f"fit's loop is {lines} lines"


def test_from_architecture_is_short_and_leaves_the_checking_to_a_helper():
    tree = ast.parse((PACKAGE / "network.py").read_text(encoding="utf-8"))
    network = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Network")
    method = next(node for node in network.body if getattr(node, "name", "") == "from_architecture")
    assert method.body[-1].end_lineno - method.body[1].lineno + 1 <= 15
