"""Chapter 10's demos: the claims the notebook's prose rests on - on the notebook's own data and
settings where the prose states a result (overfitting and its cures, batch norm at a high rate)."""

import numpy as np
import pytest

from chapter_files import chapter_module
from scratchdl.optimizers import SGD
from scratchdl.regularization import BatchNorm, Dropout
from scratchdl.tools.decay import decay_comparison
from scratchdl.tools.mnist import load_mnist

demos = chapter_module(__file__, "demos")
deep_mlp, relu_statistics, small_mlp, your_l2_gradient = (
    demos.deep_mlp, demos.relu_statistics, demos.small_mlp, demos.your_l2_gradient)


@pytest.fixture(scope="module")
def data():
    return load_mnist(flatten=True, validation=10_000)


@pytest.fixture(scope="module")
def four_runs(data):
    """The notebook's section 3: 1,000 training images, the 10,000 validation images, four runs."""
    return demos.regularisation_runs(data.X_train[:1000], data.y_train[:1000], data.X_val, data.y_val,
                                     l2=3e-3, dropout=0.5)


def test_the_plain_network_learns_its_1000_images_by_heart_and_overfits(four_runs):
    plain = four_runs["plain"]
    assert plain["accuracy"][-1] >= 0.99
    assert plain["accuracy"][-1] - plain["val_accuracy"][-1] >= 0.05  # a gap of 5 points at least
    # and the validation loss turns back up: its last value is above its lowest
    assert plain["val_loss"][-1] > min(plain["val_loss"]) + 0.01


def test_dropout_narrows_the_gap_and_lowers_the_validation_loss(four_runs):
    plain = four_runs["plain"]
    gap = lambda h: h["accuracy"][-1] - h["val_accuracy"][-1]  # noqa: E731
    for name in ("dropout 0.5", "both"):
        assert gap(four_runs[name]) < gap(plain) - 0.01, name
        assert min(four_runs[name]["val_loss"]) < min(plain["val_loss"]) - 0.01, name
    # L2 alone barely changes the accuracy at this strength; its validation loss is no worse
    assert min(four_runs["L2(0.003)"]["val_loss"]) <= min(plain["val_loss"]) + 0.005


def test_batch_norm_trains_the_deep_network_where_the_plain_one_does_not(data):
    X, y = data.X_train[:3000], data.y_train[:3000]
    runs = demos.deep_runs(X, y, data.X_val, data.y_val, lambda: SGD(0.5), epochs=3)
    plain, normalised = runs["plain"][1], runs["batch norm"][1]
    assert normalised["val_accuracy"][-1] >= 0.8
    assert "diverged" in plain or plain["val_accuracy"][-1] <= normalised["val_accuracy"][-1] - 0.3


def test_adam_divides_the_l2_term_and_adamw_does_not():
    noise = np.random.default_rng(0).normal(size=(300, 1)) * np.array([[10.0, 0.01]])
    written_out = decay_comparison(noise, decay=0.5)
    yours = decay_comparison(noise, decay=0.5, l2_gradient=your_l2_gradient(0.5))
    assert np.allclose(written_out["Adam + L2"], yours["Adam + L2"])
    coupled, decoupled = yours["Adam + L2"], yours["AdamW"]
    assert coupled[0] < decoupled[0] < coupled[1]  # L2 barely moves the weight with large gradients
    assert np.isclose(decoupled[0], decoupled[1])  # AdamW shrinks both alike


def test_the_demo_networks_have_the_layers_the_prose_names():
    assert sum(isinstance(layer, Dropout) for layer in small_mlp(dropout=0.5).layers) == 2
    deep = deep_mlp(True)
    assert sum(isinstance(layer, BatchNorm) for layer in deep.layers) == 7
    assert sum("W" in layer.params for layer in deep.layers) == 8


def test_relu_statistics_leave_batch_norm_running_statistics_alone():
    model = deep_mlp(True)
    X = np.random.default_rng(1).random((32, 784)).astype(np.float32)
    before = model.layers[1].state["running_mean"].copy()
    stds, dead = relu_statistics(model, X)
    assert len(stds) == len(dead) == 7
    assert np.array_equal(before, model.layers[1].state["running_mean"])
