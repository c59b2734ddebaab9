"""Chapter 10's demos: the claims the notebook's prose rests on, at small sizes."""

import numpy as np

from demos import deep_mlp, relu_statistics, small_mlp, your_l2_gradient
from scratchdl.regularization import BatchNorm, Dropout
from scratchdl.tools.decay import decay_comparison


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
