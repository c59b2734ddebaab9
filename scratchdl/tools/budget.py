"""How much training the machine at hand can do in a few minutes: chapters 7 and 8's budgets.

    budget = training_budget("mlp", images=len(X_train), epochs=20)
    fit(model, X_train[:budget.images], y_train[:budget.images], epochs=budget.epochs, ...)

On a machine of your own (a laptop, a hub, Binder, Colab) the budget is what the chapter asks
for: every training image, every epoch. In the browser (JupyterLite) numpy is WebAssembly
without an optimised BLAS, several times slower, and the chapter's full runs would take most of
an hour; there the budget is smaller, and training_budget says so, with what to expect instead.
"""

from dataclasses import dataclass

from scratchdl.course import hosts


@dataclass(frozen=True)
class Budget:
    images: int  # train on the first `images` training images
    epochs: int


@dataclass(frozen=True)
class BrowserRun:
    """A budget that finishes in a few minutes in the browser, and what it was measured to do."""

    images: int
    epochs: int
    slower: int  # how many times longer it took than in CPython on the same machine
    minutes: float  # how long it took in the browser, with the validation after every epoch
    accuracy: str  # the test accuracy it reached there


# Measured on one machine (2 cores): the chapters' recipes on the reference code, validating on
# 10,000 images after every epoch, in Pyodide 0.27.7 (numpy 2.0.2) in headless Chromium and in
# CPython 3.11 (numpy 2.4, one OpenBLAS thread). MLP, 50,000 images x 6 epochs: 75 s against 5.7 s,
# 97.5% on the test set; LeNet-5, 30,000 x 4: 118 s against 14.2 s, 98.4%. The chapters' full runs
# (20 epochs of the MLP, twice in chapter 7; 12 of LeNet on 50,000) would take about 4 and 10 minutes.
BROWSER = {
    "mlp": BrowserRun(images=50_000, epochs=6, slower=13, minutes=1.5, accuracy="97.5%"),
    "lenet": BrowserRun(images=30_000, epochs=4, slower=8, minutes=2, accuracy="98.4%"),
}


def training_budget(kind, images, epochs, say=print):
    """The Budget for training `kind` ("mlp" or "lenet") on `images` images for `epochs` epochs,
    the chapter's full run: all of it here, a smaller one in the browser, which it then describes
    with `say` (print)."""
    if kind not in BROWSER:
        raise ValueError(f"training_budget: kind must be one of {sorted(BROWSER)}, not {kind!r}")
    if isinstance(images, bool) or not isinstance(images, int) or images < 1:
        raise ValueError(f"training_budget: images must be a positive whole number, not {images!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"training_budget: epochs must be a positive whole number, not {epochs!r}")
    if not hosts.in_pyodide():  # asked at every call: never bound to what it said at import
        return Budget(images, epochs)
    run = BROWSER[kind]
    budget = Budget(min(images, run.images), min(epochs, run.epochs))
    if budget != Budget(images, epochs):
        on = (f"all {images:,} training images" if budget.images == images
              else f"the first {budget.images:,} of the {images:,} training images")
        say(f"In the browser numpy runs about {run.slower} times slower than on a machine of your own, so this "
            f"cell trains on {on} for {budget.epochs} epochs instead of {epochs}: about {run.minutes:g} "
            f"minutes, and a test accuracy near {run.accuracy} where the text gives the full run's figures.")
    return budget
