"""The course's table of contents: chapters, their notebooks, and the exercises you write.

Each exercise is listed with the function or method it is: "activations.sigmoid" is the function
`sigmoid` in scratchdl/activations.py, "layers.Dense.forward" the method `forward` of the class
`Dense` in scratchdl/layers.py. The course uses this list to tell you when a file you edited no
longer has an exercise where it should be (a renamed function, a removed `@exercise` line).
"""

from dataclasses import dataclass

from scratchdl.usage import UsageError

VERSION = "0.1.0"  # the same as pyproject.toml's


@dataclass(frozen=True)
class Chapter:
    number: int
    slug: str  # notebook name without .ipynb
    title: str
    exercises: dict  # exercise id -> "module.function" or "module.Class.method"
    ready: bool = True  # False: planned, not written yet

    @property
    def notebook(self):
        return f"chapters/{self.slug}.ipynb"

    @property
    def modules(self):
        """The scratchdl modules that hold this chapter's exercises, in order of first use."""
        return tuple(dict.fromkeys(target.split(".")[0] for target in self.exercises.values()))


CHAPTERS = (
    Chapter(1, "01_init", "Weight initialisation", {
        "1.1": "initializers.small_normal",
        "1.2": "initializers.xavier_normal",
        "1.3": "initializers.xavier_uniform",
        "1.4": "initializers.he_normal",
    }),
    Chapter(2, "02_activations", "Activation functions", {
        "2.1": "activations.sigmoid",
        "2.2": "activations.sigmoid_derivative",
        "2.3": "activations.tanh",
        "2.4": "activations.tanh_derivative",
        "2.5": "activations.relu",
        "2.6": "activations.relu_derivative",
        "2.7": "activations.leaky_relu",
        "2.8": "activations.leaky_relu_derivative",
        "2.9": "activations.softmax",
    }),
    Chapter(3, "03_forward", "The forward pass", {
        "3.1": "layers.Dense.forward",
        "3.2": "network.Network.forward",
    }),
    Chapter(4, "04_loss", "Loss functions", {
        "4.1": "losses.MeanSquaredError.forward",
        "4.2": "losses.MeanSquaredError.backward",
        "4.3": "losses.BinaryCrossEntropy.forward",
        "4.4": "losses.BinaryCrossEntropy.backward",
        "4.5": "losses.SoftmaxCrossEntropy.forward",
        "4.6": "losses.SoftmaxCrossEntropy.backward",
    }),
    Chapter(5, "05_backprop", "Backpropagation", {
        "5.1": "gradcheck.numerical_gradient",
        "5.2": "layers.Dense.backward",
        "5.3": "layers.Activation.backward",
        "5.4": "network.Network.backward",
    }),
    Chapter(6, "06_update", "Parameter updates and training", {
        "6.1": "training.minibatches",
        "6.2": "optimizers.SGD.step",
        "6.3": "optimizers.Momentum.step",
        "6.4": "optimizers.Adam.step",
    }),
    Chapter(7, "07_mnist", "MNIST with your own network", {
        "7.1": "metrics.one_hot",
        "7.2": "metrics.accuracy",
        "7.3": "baseline.NearestMean.fit",
        "7.4": "baseline.NearestMean.predict",
    }),
    Chapter(8, "08_lenet", "Convolutions and LeNet-5", {
        "8.1": "conv.im2col",
        "8.2": "conv.Conv2D.forward",
        "8.3": "conv.col2im",
        "8.4": "conv.Conv2D.backward",
        "8.5": "conv.MaxPool2D.forward",
        "8.6": "conv.MaxPool2D.backward",
        "8.7": "conv.AvgPool2D.forward",
        "8.8": "conv.AvgPool2D.backward",
        "8.9": "conv.Flatten.forward",
        "8.10": "conv.Flatten.backward",
    }),
    Chapter(9, "09_autograd", "Bonus: computational graphs and autograd", {
        "9.1": "autograd.unbroadcast",
        "9.2": "autograd.Mul.backward",
        "9.3": "autograd.MatMul.backward",
        "9.4": "autograd.Sum.backward",
        "9.5": "autograd.Exp.backward",
        "9.6": "autograd.ReLU.backward",
        "9.7": "autograd.topological_order",
        "9.8": "autograd.Tensor.backward",
    }),
)

# The learner's files, as module names ("scratchdl.activations"), in the order the chapters use them.
LEARNER_MODULES = tuple(dict.fromkeys(f"scratchdl.{m}" for ch in CHAPTERS for m in ch.modules))

current_chapter = None  # the chapter whose notebook is open: set by start_chapter()


def chapter(number):
    """The Chapter with this number; an error lists the chapters there are."""
    numbers = ", ".join(str(ch.number) for ch in CHAPTERS)
    if isinstance(number, bool) or not isinstance(number, (int, str)) or not str(number).strip().isdigit():
        raise UsageError(f"a chapter is a whole number ({numbers}); got {number!r}")
    for ch in CHAPTERS:
        if ch.number == int(number):
            return ch
    raise UsageError(f"there is no chapter {number!r}; the chapters are {numbers}")


def chapter_notebook(number):
    return chapter(number).notebook

