"""The course works on any correct code, not only on the reference solutions.

tests/second_learner/ holds a complete second set of exercise bodies, written independently of
solutions/ and in another style (einsum, as_strided, np.add.at, an argsort shuffle, an explicit
stack for the topological order, other names). Pasted into a copy of the course:

- every check passes on them, judged with no solutions/ at all (nothing can fill in);
- each half of every forward/backward pair works with the reference's other half, in fill mode
  (they share only the attributes the forward's docstring names);
- every chapter runs top to bottom in learner mode on them, as on the reference (nbval).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_copy import COURSE_DIR, body_in, install_bodies, run
from kernel import learner_course
from scratchdl.course.exercises import REGISTRY, reference, substitute
from scratchdl.course.loader import load_exercises

SECOND = Path(__file__).parent / "second_learner"
NOTEBOOKS = sorted((COURSE_DIR / "chapters").glob("*/*.ipynb"))


@pytest.fixture(scope="module")
def second_course(tmp_path_factory):
    """A learner's copy of the course with every exercise written by the second learner."""
    root = tmp_path_factory.mktemp("second")
    env = learner_course(root)
    install_bodies(root, SECOND)
    return root, env


def test_the_second_set_is_complete_and_not_the_reference():
    exercises = load_exercises().values()
    same = [ex.id for ex in exercises
            if "".join(body_in(SECOND, ex.id).split()) == "".join(body_in(COURSE_DIR / "solutions", ex.id).split())]
    assert len(same) <= 3, f"the second set repeats the reference for {same}"


def test_every_check_passes_on_the_second_set_with_no_solutions_to_fill_in(second_course):
    root, _ = second_course
    result = run(root, "progress", "--json", env={"SCRATCHDL_SOLUTIONS": str(root / "nowhere")})
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    failing = {r["id"]: r["detail"] for r in rows if r["state"] != "passing"}
    assert not failing and len(rows) == len(REGISTRY), failing


# --- each half of every pair with the reference's other half ------------------------------------


def _second(exercise_id):
    """The second learner's function for an exercise, compiled in its module's namespace."""
    import importlib

    ex = REGISTRY[exercise_id]
    module = importlib.import_module(ex.module)
    namespace = dict(vars(module))
    name = ex.name.rpartition(".")[2]
    body = body_in(SECOND, exercise_id)
    signature = f"def {name}{_signature(reference(ex))}:\n"
    exec(compile(signature + "".join("    " + line for line in body.splitlines(keepends=True)),
                 f"second_learner/{ex.module}", "exec"), namespace)
    return namespace[name]


def _signature(func):
    import inspect

    return str(inspect.signature(func))


def _numeric(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f()
        x[i] = saved - eps
        down = f()
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


def _layers():
    from scratchdl.conv import AvgPool2D, Conv2D, MaxPool2D
    from scratchdl.layers import Dense

    rng = np.random.default_rng(0)
    return {
        ("3.1", "5.2"): (lambda: Dense(3, 4, rng, init="xavier_normal"), (5, 3)),
        ("8.2", "8.4"): (lambda: Conv2D(2, 3, 3, rng, padding=1), (2, 2, 5, 6)),
        ("8.5", "8.6"): (lambda: MaxPool2D(), (2, 2, 5, 6)),
        ("8.7", "8.8"): (lambda: AvgPool2D(), (2, 2, 5, 6)),
    }


PAIRS = list(_layers())


@pytest.mark.parametrize("forward_second", [True, False], ids=["second forward", "second backward"])
@pytest.mark.parametrize("pair", PAIRS, ids=[f"{f}+{b}" for f, b in PAIRS])
def test_half_a_layer_from_each_learner_passes_the_gradient_check(pair, forward_second):
    from scratchdl.course.exercises import using

    forward_id, backward_id = pair
    make, shape = _layers()[pair]
    mine = forward_id if forward_second else backward_id
    with using("reference"), substitute(mine, _second(mine)):
        layer = make()
        x = np.random.default_rng(1).normal(size=shape)
        G = np.random.default_rng(2).normal(size=layer.forward(x).shape)
        layer.forward(x)
        dx = layer.backward(G)
        loss = lambda: float(np.sum(layer.forward(x) * G))  # noqa: E731
        assert np.allclose(dx, _numeric(loss, x), atol=1e-6), "the gradient for the input"
        for name, value in layer.params.items():
            layer.forward(x)
            layer.backward(G)
            assert np.allclose(layer.grads[name], _numeric(loss, value), atol=1e-6), name


LOSSES = {("4.1", "4.2"): "mse", ("4.3", "4.4"): "binary_cross_entropy", ("4.5", "4.6"): "softmax_cross_entropy",
          ("4.7", "4.8"): "sigmoid_cross_entropy"}


@pytest.mark.parametrize("forward_second", [True, False], ids=["second forward", "second backward"])
@pytest.mark.parametrize("pair", list(LOSSES), ids=list(LOSSES.values()))
def test_half_a_loss_from_each_learner_gives_the_gradient_of_the_value(pair, forward_second):
    from scratchdl.course.exercises import using
    from scratchdl.losses import get_loss

    rng = np.random.default_rng(3)
    name = LOSSES[pair]
    y_pred = {"mse": rng.normal(size=(4, 2)), "binary_cross_entropy": rng.uniform(0.05, 0.95, size=(4, 1)),
              "softmax_cross_entropy": rng.normal(size=(4, 3)), "sigmoid_cross_entropy": 3 * rng.normal(size=(4, 1))}[name]
    y = {"mse": rng.normal(size=(4, 2)), "binary_cross_entropy": np.array([[1.0], [0.0], [1.0], [0.0]]),
         "softmax_cross_entropy": np.array([0, 2, 1, 2]),
         "sigmoid_cross_entropy": np.array([[1.0], [0.0], [1.0], [0.0]])}[name]
    mine = pair[0] if forward_second else pair[1]
    with using("reference"), substitute(mine, _second(mine)):
        loss = get_loss(name)
        loss(y_pred, y)
        grad = loss.backward()
        assert np.allclose(grad, _numeric(lambda: loss(y_pred, y), y_pred), atol=1e-6)


@pytest.mark.parametrize("fit_second", [True, False], ids=["second fit", "second predict"])
def test_half_the_nearest_mean_from_each_learner_predicts_like_the_reference(fit_second):
    from scratchdl.baseline import NearestMean
    from scratchdl.course.exercises import using

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(60, 2, 3)), rng.integers(0, 3, size=60)
    X[np.arange(60), 0, y] += 3.0
    with using("reference"):
        expected = NearestMean(3).fit(X, y).predict(X)
        with substitute("7.3" if fit_second else "7.4", _second("7.3" if fit_second else "7.4")):
            assert np.array_equal(NearestMean(3).fit(X, y).predict(X), expected)


# --- every chapter, top to bottom, on the second learner's code ---------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_chapter_runs_in_learner_mode_on_the_second_set(second_course, notebook):
    root, env = second_course
    env = {**env, "SCRATCHDL_DATA": os.environ.get("SCRATCHDL_DATA", ""), "OPENBLAS_NUM_THREADS": "1"}
    # The copy has no conftest.py: nbval runs the notebook as it is, with the kernel in learner mode
    # and blind to the pip-installed package (learner_course's IPython startup file).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         "-o", "addopts=", "--rootdir", str(root), str(root / "chapters" / notebook.parent.name / notebook.name)],
        cwd=root, env=env, capture_output=True, text=True, timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
