"""After a fit, the course names what went wrong: each rule on a run made to fail that way."""

import re

import numpy as np
import pytest

from scratchdl.tools import datasets
from scratchdl.tools.diagnose import diagnose
from scratchdl.tools.monitor import dead_share, layer_statistics
from scratchdl.network import Network
from scratchdl.optimizers import SGD, Adam
from scratchdl.training import TrainingDiverged, fit


def moons(n=400, noise=0.2, seed=0):
    return datasets.two_moons(n, noise, np.random.default_rng(seed))


def relu_net(init="he_normal", hidden=32, seed=0):
    return Network.from_architecture(
        [
            {"input_dim": 2, "output_dim": hidden, "activation": "relu", "init": init},
            {"input_dim": hidden, "output_dim": hidden, "activation": "relu", "init": init},
            {"input_dim": hidden, "output_dim": 2, "activation": "softmax", "init": init},
        ],
        np.random.default_rng(seed),
    )


def rules(findings):
    return [finding.rule for finding in findings]


def test_a_healthy_run_gets_no_finding():
    X, y = moons()
    X_val, y_val = moons(200, seed=1)
    model = relu_net()
    history = fit(model, X, y, epochs=30, batch_size=32, optimizer=Adam(0.01), validation_data=(X_val, y_val), rng=0, verbose=0)
    assert history["val_accuracy"][-1] > 0.95
    assert diagnose(history, model, X) == []


def test_a_diverged_run_is_told_to_lower_the_learning_rate():
    X, y = datasets.wave(200, 0.1, np.random.default_rng(0))
    model = Network.from_architecture(
        [{"input_dim": 1, "output_dim": 16, "activation": "tanh"}, {"input_dim": 16, "output_dim": 1, "activation": "linear"}],
        np.random.default_rng(0),
    )
    with pytest.raises(TrainingDiverged) as error:
        fit(model, X, y, epochs=20, batch_size=200, optimizer=SGD(5.0), verbose=0)
    (finding,) = diagnose(error.value)
    assert finding.rule == "diverged"
    assert f"in epoch {error.value.epoch}" in finding.what
    assert "lower the learning rate" in finding.remedy


def test_a_loss_that_climbs_back_above_its_start_counts_as_diverged():
    history = {"loss": [0.7, 0.4, 0.3, 0.9, 1.6]}  # down, then overshooting upwards
    (finding,) = diagnose(history)
    assert finding.rule == "diverged" and "1.6" in finding.what and "learning rate" in finding.remedy


def test_all_zero_weights_give_a_flat_loss_and_the_init_is_named():
    X, y = moons()
    model = Network.from_architecture(
        [{"input_dim": 2, "output_dim": 8, "activation": "tanh", "init": "zeros"},
         {"input_dim": 8, "output_dim": 2, "activation": "softmax", "init": "zeros"}],
        np.random.default_rng(0),
    )
    history = fit(model, X, y, epochs=10, batch_size=32, optimizer=SGD(0.1), rng=0, verbose=0)
    assert rules(diagnose(history, model, X)) == ["flat"]
    assert "initial weights" in diagnose(history, model, X)[0].remedy


def test_a_dead_relu_layer_gives_a_flat_loss_and_the_layer_is_named():
    X, y = moons()
    model = relu_net()
    model.layers[0].params["b"][:] = -10.0  # every first-layer unit starts below zero for all inputs
    assert layer_statistics(model, X)[1]["dead_share"] == 1.0  # model.layers[1], the first ReLU
    history = fit(model, X, y, epochs=10, batch_size=32, optimizer=Adam(0.001), rng=0, verbose=0)
    (finding,) = diagnose(history, model, X)
    assert finding.rule == "flat"
    assert "layer 1 (100% dead)" in finding.remedy and "He initialisation" in finding.remedy


def test_a_half_dead_layer_in_a_run_that_learns_is_still_reported():
    X, y = moons()
    model = relu_net(hidden=16)
    model.layers[2].params["b"][:8] = -50.0  # half of the second layer's units can never fire
    history = fit(model, X, y, epochs=20, batch_size=32, optimizer=Adam(0.01), rng=0, verbose=0)
    findings = diagnose(history, model, X)
    assert rules(findings) == ["dead_relu"]
    assert findings[0].what.startswith("layer 3, Activation('relu'): ")  # model.layers[3]
    share = int(re.search(r"(\d+)% of its units", findings[0].what).group(1))
    assert share >= 50  # the 8 silenced units, and any that died while training


def test_memorising_a_small_training_set_is_called_overfitting():
    X, y = moons(30, noise=0.35)
    X_val, y_val = moons(500, noise=0.35, seed=1)
    model = relu_net(hidden=64)
    history = fit(model, X, y, epochs=300, batch_size=30, optimizer=Adam(0.01), validation_data=(X_val, y_val),
                        rng=0, verbose=0)
    assert history["accuracy"][-1] == 1.0
    (finding,) = diagnose(history, model, X)
    assert finding.rule == "overfitting"
    assert "weight decay" in finding.remedy


def test_a_rising_validation_loss_names_the_best_epoch():
    history = {"loss": [1.0, 0.6, 0.4, 0.3, 0.2], "val_loss": [1.0, 0.7, 0.5, 0.6, 0.8]}
    (finding,) = diagnose(history)
    assert finding.rule == "overfitting" and "epoch 3" in finding.what and "stop near epoch 3" in finding.remedy


def test_fit_prints_the_diagnosis_when_verbose_and_not_otherwise(capsys):
    X, y = moons()
    model = Network.from_architecture(
        [{"input_dim": 2, "output_dim": 4, "activation": "tanh", "init": "zeros"},
         {"input_dim": 4, "output_dim": 2, "activation": "softmax", "init": "zeros"}],
        np.random.default_rng(0),
    )
    fit(model, X, y, epochs=3, optimizer=SGD(0.1), verbose=0)
    assert capsys.readouterr().out == ""
    fit(model, X, y, epochs=3, optimizer=SGD(0.1), verbose=1)
    out = capsys.readouterr().out
    assert "What the training history suggests" in out and "flat:" in out


def test_diagnose_refuses_what_is_not_a_history():
    with pytest.raises(ValueError, match="expected the history dict a fit returns .* got list"):
        diagnose([0.5, 0.4])


def test_dead_share_counts_units_silent_for_every_example():
    a = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    assert dead_share(a) == 0.5  # units 0 and 3 never fire; 1 and 2 fire once each
    assert dead_share(np.zeros((5, 3, 2, 2))) == 1.0
    with pytest.raises(ValueError, match=r"shape \(n_examples, units...\); got shape \(4,\)"):
        dead_share(np.zeros(4))
