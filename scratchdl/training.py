"""Yours to write - chapter 6: 6.1 minibatches.

Chapter 6 - the training loop: minibatches (your exercise 6.1) and fit, which uses them.

    history = fit(model, X, y, epochs=50, batch_size=32, optimizer=Adam(0.01),
                  validation_data=(X_val, y_val), rng=0)
    history["loss"], history["accuracy"], history["val_loss"], history["val_accuracy"]

Read fit: it is the whole of training. What watches it - the history, the stop for a run that
blows up, the progress bar, the diagnosis at the end - plugs in from scratchdl/tools/.
"""

import numpy as np  # noqa: F401 - for your code

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.tools.callbacks import Callback, TrainingDiverged  # noqa: F401 - fit's callbacks and its error
from scratchdl.tools.fitting import check_fit, watchers_for


@exercise("6.1")
def minibatches(n, batch_size, rng=None):
    """Split the indices 0..n-1 into minibatches, shuffled if a generator is given.

    Every index appears in exactly one batch. All batches have `batch_size` indices except
    the last, which has what is left over (it is not dropped: every example counts in every
    epoch). With rng=None the indices stay in order (0, 1, 2, ...); with a generator, draw a
    new random order each time this is called, so that every epoch sees the batches differently.

    Args:
        n:          int, number of examples.
        batch_size: int, examples per batch.
        rng:        numpy.random.Generator, or None for no shuffling.

    Returns:
        list of int arrays of indices.
    """
    raise ExerciseTodo("6.1")


def fit(model, X, y, epochs=10, batch_size=32, optimizer=None, validation_data=None,
        shuffle=True, rng=None, verbose=1, callbacks=(), schedule=None, live=False, regularizer=None):
    """Train `model` on (X, y) in minibatches; return the history.

    Args:
        model:           a Network (scratchdl.network), or anything with its methods.
        X, y:            training inputs (n, n_features) (or images) and targets.
        epochs:          passes over the training data.
        batch_size:      examples per gradient step.
        optimizer:       an optimizer object, or "sgd", "momentum", "adam" (default SGD(0.1)).
        validation_data: (X_val, y_val), evaluated after every epoch.
        shuffle:         a new order of the examples every epoch (recommended).
        rng:             numpy.random.Generator or a seed, for the shuffling.
        verbose:         1 shows a progress bar for fits longer than a second, and afterwards what
                         the history suggests went wrong, if anything (scratchdl.tools.diagnose).
        callbacks:       objects with Callback's methods, told about every batch and epoch.
        schedule:        None (a constant learning rate) or "cosine" (see CosineSchedule).
        live:            in a notebook, curves, progress and every layer's statistics, redrawn as
                         training goes (scratchdl.tools.live); a line per epoch elsewhere.
        regularizer:     None, or a term added to the loss such as L2(1e-4) (chapter 10).

    Returns:
        dict of lists, one entry per epoch: "loss" (the mean over the epoch's batches) and, for
        classifiers, "accuracy" (on the batches as they were trained), plus "val_loss" and
        "val_accuracy" with validation_data.

    Raises:
        TrainingDiverged: the loss became nan or inf, or grew to 1000 times its first value.
    """
    X, y, validation_data, optimizer, rng = check_fit(model, X, y, epochs, batch_size, optimizer,
                                                      validation_data, rng, schedule, regularizer)
    watch = watchers_for(model, X, validation_data, optimizer, callbacks, verbose, live, schedule)
    watch.begin(model, epochs, n_batches=-(-len(X) // batch_size))
    model.train()  # training mode: dropout drops (chapter 10); evaluating switches it off and back
    for epoch in range(1, epochs + 1):
        for batch, indices in enumerate(minibatches(len(X), batch_size, rng if shuffle else None), start=1):
            loss, scores = model.loss_and_gradients(X[indices], y[indices], regularizer)  # forward, loss, backward
            optimizer.step(model.parameters(), model.gradients())
            watch.batch(epoch, batch, loss, scores, y[indices])  # the history; stops a run that blew up
        watch.epoch(epoch)  # the epoch's numbers, validation, the progress bar or live view
    return watch.end()  # the history (and, with verbose=1, what went wrong if anything)
