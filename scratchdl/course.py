"""The course's table of contents: chapters, their notebooks, and the modules you complete."""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str  # notebook name without .ipynb
    title: str
    modules: tuple  # scratchdl modules holding this chapter's exercises
    ready: bool  # False: planned, not written yet

    @property
    def notebook(self):
        return f"chapters/{self.slug}.ipynb"


CHAPTERS = (
    Chapter(1, "01_init", "Weight initialisation", ("initializers",), ready=True),
    Chapter(2, "02_activations", "Activation functions", ("activations",), ready=True),
    Chapter(3, "03_forward", "The forward pass", ("layers", "network"), ready=True),
    Chapter(4, "04_loss", "Loss functions", ("losses",), ready=True),
    Chapter(5, "05_backprop", "Backpropagation", ("gradcheck", "layers", "network"), ready=True),
    Chapter(6, "06_update", "Parameter updates and training", ("training", "optimizers"), ready=True),
    Chapter(7, "07_mnist", "MNIST with your own network", ("metrics", "baseline"), ready=True),
    Chapter(8, "08_lenet", "Convolutions and LeNet-5", ("conv",), ready=True),
    Chapter(9, "09_autograd", "Bonus: computational graphs and autograd", ("autograd",), ready=True),
)


def chapter(number):
    """The Chapter with this number; an error lists the chapters there are."""
    for ch in CHAPTERS:
        if ch.number == int(number):
            return ch
    numbers = ", ".join(str(ch.number) for ch in CHAPTERS)
    raise ValueError(f"there is no chapter {number!r}; the chapters are {numbers}")


def chapter_notebook(number):
    return chapter(number).notebook


def load_exercises():
    """Import every module with exercises, and their checks; return {id: Exercise} in id order."""
    for ch in CHAPTERS:
        for name in ch.modules:
            importlib.import_module(f"scratchdl.{name}")
            importlib.import_module(f"scratchdl.checks.{name}")
    from scratchdl.exercises import REGISTRY, parse_id

    return dict(sorted(REGISTRY.items(), key=lambda item: parse_id(item[0])))
