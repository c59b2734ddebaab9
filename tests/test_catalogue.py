"""Every exercise has a catalogue of realistic mistakes, each fed through its check by the
chapter's tests (chapters/NN_name/test_*.py, via judging.mistake_cases), which assert that the
message names the mistake. This counts them."""

import importlib.util
import re

import pytest

import judging
from scratchdl.course.chapters import CHAPTERS_DIR
from scratchdl.course.loader import load_exercises

AT_LEAST = 6


@pytest.fixture(scope="module")
def catalogue():
    for path in sorted(CHAPTERS_DIR.glob("*/test_*.py")):
        spec = importlib.util.spec_from_file_location(f"catalogue_{path.parent.name}_{path.stem}", path)
        try:
            spec.loader.exec_module(importlib.util.module_from_spec(spec))
        except pytest.skip.Exception:  # a module of optional tests (PyTorch's): no catalogue there
            continue
    return judging.CATALOGUE


def test_every_exercise_has_a_catalogue_of_mistakes(catalogue):
    counts = {exercise_id: len(catalogue.get(exercise_id, [])) for exercise_id in load_exercises()}
    short = {exercise_id: n for exercise_id, n in counts.items() if n < AT_LEAST}
    assert not short, f"exercises with fewer than {AT_LEAST} catalogued mistakes: {short}"


def test_each_catalogued_mistake_is_named_not_only_judged_wrong(catalogue):
    # A pattern that any failure matches would let a bare "is wrong" count as naming the mistake.
    generic = ["Exercise 1.1 x is wrong.\n    expected: [1.]\n    got:      [2.]",
               "x raised ValueError: bad at scratchdl/x.py line 1: `x`"]
    vague = [(exercise_id, pattern) for exercise_id, rows in catalogue.items() for (_, pattern) in rows
             if any(re.search(pattern, message, re.IGNORECASE | re.DOTALL) for message in generic)]
    assert not vague, f"patterns that a bare verdict would match: {vague}"
