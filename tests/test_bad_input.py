"""Bad input is refused before anything changes, with a message that names the argument, what
was expected and what came: fit, predict and evaluate, the optimizers, the layers and the losses.

Every case runs on the reference solutions (the library as a learner who finished it has it) and,
where there are parameters, checks that not one of them moved.
"""

import numpy as np
import pytest

from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D
from scratchdl.layers import Activation, Dense
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy
from scratchdl.metrics import accuracy, one_hot
from scratchdl.network import Network
from scratchdl.optimizers import SGD, AdaGrad, Adam, AdamW, Momentum, RMSProp, cosine_learning_rate
from scratchdl.regularization import L2, BatchNorm, Dropout
from scratchdl.tools import datasets
from scratchdl.tools.datasets import two_moons
from scratchdl.training import fit


def moons_model():
    return Network.from_architecture(
        [{"input_dim": 2, "output_dim": 8, "activation": "tanh"},
         {"input_dim": 8, "output_dim": 2, "activation": "softmax"}],
        np.random.default_rng(0))


@pytest.fixture
def data():
    X, y = two_moons(50, 0.1, np.random.default_rng(0))
    return X, y


def with_nan(X, row=7, value=np.nan):
    X = X.copy()
    X[row, 1] = value
    return X


def last_label_bad(y):
    y = y.copy()
    y[-1] = 5  # two classes: 0 and 1
    return y


# (name, keyword arguments of fit that replace the good ones, the message expected)
FIT_CASES = [
    ("negative batch size", {"batch_size": -5}, r"batch_size must be a whole number of at least 1; got -5"),
    ("zero batch size", {"batch_size": 0}, r"batch_size must be a whole number of at least 1; got 0"),
    ("float batch size", {"batch_size": 16.0}, r"batch_size must be a whole number of at least 1; got 16\.0"),
    ("zero epochs", {"epochs": 0}, r"epochs must be a whole number of at least 1; got 0"),
    ("negative epochs", {"epochs": -3}, r"epochs must be a whole number of at least 1; got -3"),
    ("float epochs", {"epochs": 2.5}, r"epochs must be a whole number of at least 1; got 2\.5"),
    ("empty X", {"X": np.zeros((0, 2)), "y": np.zeros(0, dtype=int)}, r"X is empty \(shape \(0, 2\)\)"),
    ("NaN in X", {"X": "nan"}, r"X holds 1 NaN or infinite values, in 1 of its 50 examples \(the first is example 7\): "
                               r"a problem of the data, not of the network"),
    ("inf in X", {"X": "inf"}, r"X holds 1 NaN or infinite values"),
    ("a bad label in the last batch", {"y": "last bad"},
     r"y: SoftmaxCrossEntropy: class labels must be in 0\.\.1 for 2 logits; got values from 0 to 5"),
    ("string labels", {"y": "strings"}, r"y must hold numbers \(class labels 0, 1, 2, \.\.\.\); got dtype <U"),
    ("one-hot labels", {"y": "one-hot"},
     r"expected 50 integer class labels, shape \(50,\); got shape \(50, 2\) \(one-hot rows\? pass y\.argmax\(axis=1\)\)"),
    ("fewer labels than examples", {"y": "short"}, r"X has 50 examples but y has 49 targets"),
    ("bad validation labels", {"validation_data": "bad labels"}, r"y_val: SoftmaxCrossEntropy: class labels must be in 0\.\.1"),
    ("NaN in validation inputs", {"validation_data": "nan"}, r"X_val holds 1 NaN or infinite values"),
    ("validation data not a pair", {"validation_data": "three"}, r"validation_data must be a pair \(X_val, y_val\); got tuple of 3"),
    ("X of the wrong width", {"X": "wide"}, r"Dense\(2 → 8\) expects input of shape \(n, 2\); got shape \(50, 3\)"),
]


def _arguments(changes, X, y):
    args = {"X": X, "y": y, "epochs": 2, "batch_size": 16, "validation_data": None}
    made = {
        "nan": with_nan(X), "inf": with_nan(X, 3, np.inf),
        "last bad": last_label_bad(y), "strings": np.where(y == 1, "one", "zero"),
        "one-hot": np.eye(2)[y], "short": y[:-1], "wide": np.hstack([X, X[:, :1]]),
    }
    for key, value in changes.items():
        if key == "validation_data":
            value = {"bad labels": (X, last_label_bad(y)), "nan": (with_nan(X, 3), y), "three": (X, y, y)}[value]
        elif isinstance(value, str):
            value = made[value]
        args[key] = value
    return args


@pytest.mark.parametrize("name, changes, message", FIT_CASES, ids=[case[0] for case in FIT_CASES])
def test_fit_refuses_bad_arguments_before_any_step(data, name, changes, message):
    model = moons_model()
    before = [p.copy() for p in model.parameters()]
    args = _arguments(changes, *data)
    with pytest.raises(ValueError, match=message):
        fit(model, args.pop("X"), args.pop("y"), optimizer=Adam(0.01), rng=0, verbose=0, **args)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters())), "a parameter changed"


def test_predict_and_evaluate_refuse_nan_and_mismatched_labels(data):
    X, y = data
    model = moons_model()
    for method in (model.predict, model.predict_proba):
        with pytest.raises(ValueError, match=r"x holds 1 NaN or infinite values, in 1 of its 50 examples"):
            method(with_nan(X))
    with pytest.raises(ValueError, match=r"x holds 1 NaN"):
        model.evaluate(with_nan(X), y)
    with pytest.raises(ValueError, match=r"x has 50 examples but y has 49 targets"):
        model.evaluate(X, y[:-1])
    with pytest.raises(ValueError, match=r"x must hold numbers; got dtype <U"):
        model.predict(np.array([["a", "b"]]))


# --- optimizers ------------------------------------------------------------------------------


def _problem():
    rng = np.random.default_rng(1)
    return [rng.normal(size=(3, 2)), rng.normal(size=2)], [rng.normal(size=(3, 2)), rng.normal(size=2)]


@pytest.mark.parametrize("make", [SGD, Momentum, AdaGrad, RMSProp, Adam, AdamW], ids=lambda make: make.__name__)
@pytest.mark.parametrize("bad, message", [
    (lambda grads: [grads[0][0], grads[1]], r"grads\[0\] has shape \(2,\); expected \(3, 2\), the shape of params\[0\] \(a gradient is never broadcast\)"),
    (lambda grads: [np.float64(0.5), grads[1]], r"grads\[0\] has shape \(\); expected \(3, 2\)"),
    (lambda grads: grads[:1], r"2 parameters but 1 gradients; expected one gradient per parameter"),
    (lambda grads: [grads[0], grads[1][:1]], r"grads\[1\] has shape \(1,\); expected \(2,\)"),
], ids=["a broadcastable gradient", "a scalar gradient", "one gradient missing", "the second gradient wrong"])
def test_an_optimizer_refuses_mismatched_gradients_before_moving_anything(make, bad, message):
    optimizer = make()
    params, grads = _problem()
    optimizer.step(params, grads)  # one good step first: state (velocities, moments, t) exists
    before = [p.copy() for p in params]
    state = {k: (v.copy() if isinstance(v, (np.ndarray, dict)) else v) for k, v in vars(optimizer).items()}
    with pytest.raises(ValueError, match=rf"{make.__name__}\.step: {message}"):
        optimizer.step(params, bad(grads))
    assert all(np.array_equal(a, b) for a, b in zip(before, params)), "a parameter moved"
    assert repr(vars(optimizer)) == repr(state), "the optimizer's state (its step count, say) changed"


@pytest.mark.parametrize("args, message", [
    ((-0.1, 0, 10), r"start must be a learning rate, a number >= 0; got -0\.1"),
    ((float("nan"), 0, 10), r"start must be a learning rate, a number >= 0; got nan"),
    (("0.1", 0, 10), r"start must be a learning rate, a number >= 0; got '0\.1'"),
    ((0.1, -1, 10), r"step must be a whole number of at least 0; got -1"),
    ((0.1, 2.0, 10), r"step must be a whole number of at least 0; got 2\.0"),
    ((0.1, 0, 0), r"total must be a whole number of at least 1; got 0"),
], ids=["a negative start", "a nan start", "a start as text", "a negative step", "a float step", "no batches"])
def test_the_cosine_schedule_refuses_bad_arguments(args, message):
    with pytest.raises(ValueError, match=rf"cosine_learning_rate: {message}"):
        cosine_learning_rate(*args)


# --- layers and losses -----------------------------------------------------------------------


def test_backward_before_forward_says_so():
    rng = np.random.default_rng(0)
    for layer in (Dense(3, 2, rng), Activation("tanh"), Conv2D(1, 2, 3, rng), MaxPool2D(), AvgPool2D(), Flatten()):
        with pytest.raises(ValueError, match=rf"{layer!r}\.backward was called before forward".replace("(", r"\(").replace(")", r"\)")):
            layer.backward(np.ones((4, 2)))
    for loss in (MeanSquaredError(), BinaryCrossEntropy(), SoftmaxCrossEntropy(), SigmoidCrossEntropy()):
        with pytest.raises(ValueError, match=rf"{type(loss).__name__}\(\)\.backward was called before forward: compute the loss first"):
            loss.backward()


@pytest.mark.parametrize("layer, x, grad_out, message", [
    (Dense(3, 2, np.random.default_rng(0)), np.ones((4, 3)), np.ones((4, 3)),
     r"Dense\(3 → 2\)\.backward: grad_out has shape \(4, 3\); expected \(4, 2\)"),
    (Activation("relu"), np.ones((4, 3)), np.ones((3, 4)), r"Activation\('relu'\)\.backward: grad_out has shape \(3, 4\); expected \(4, 3\)"),
    (Conv2D(1, 2, 3, np.random.default_rng(0), padding=1), np.ones((2, 1, 6, 6)), np.ones((2, 2, 4, 4)),
     r"Conv2D\(1 → 2, 3x3, padding=1\)\.backward: grad_out has shape \(2, 2, 4, 4\); expected \(2, 2, 6, 6\)"),
    (MaxPool2D(), np.ones((2, 1, 5, 5)), np.ones((2, 1, 3, 3)), r"MaxPool2D\(2x2\)\.backward: grad_out has shape \(2, 1, 3, 3\); expected \(2, 1, 2, 2\)"),
    (Flatten(), np.ones((2, 3, 2, 2)), np.ones((2, 3, 4)), r"Flatten\(\)\.backward: grad_out has shape \(2, 3, 4\); expected \(2, 12\)"),
], ids=["Dense", "Activation", "Conv2D", "MaxPool2D", "Flatten"])
def test_a_gradient_of_the_wrong_shape_names_the_layer_and_both_shapes(layer, x, grad_out, message):
    layer(x)
    before = {k: v.copy() for k, v in layer.grads.items()}
    with pytest.raises(ValueError, match=message):
        layer.backward(grad_out)
    assert {k: v.tolist() for k, v in layer.grads.items()} == {k: v.tolist() for k, v in before.items()}


@pytest.mark.parametrize("loss, y_pred, y, message", [
    (SoftmaxCrossEntropy(), np.array([1.0, 2.0, 3.0]), np.array([0]), r"predictions must have shape \(n, outputs\) with n >= 1.*got shape \(3,\)"),
    (SoftmaxCrossEntropy(), np.zeros((0, 3)), np.zeros(0, dtype=int), r"predictions must have shape \(n, outputs\) with n >= 1.*got shape \(0, 3\)"),
    (SoftmaxCrossEntropy(), np.zeros((2, 3)), np.array(["cat", "dog"]), r"class labels must be numbers; got dtype <U3"),
    (SoftmaxCrossEntropy(), np.zeros((2, 3)), np.array([True, False]), r"class labels must be numbers; got dtype bool \(turn booleans into 0 and 1 with y\.astype\(int\)\)"),
    (BinaryCrossEntropy(), np.array([[1.5], [-0.5]]), np.array([1, 0]), r"probabilities must be in \[0, 1\] \(a sigmoid's output\); got values from -0\.5 to 1\.5"),
    (BinaryCrossEntropy(), np.array([[0.5], [0.5]]), np.array([True, False]), r"BinaryCrossEntropy: labels must be numbers; got dtype bool"),
    (MeanSquaredError(), np.zeros((2, 1), dtype=int), np.zeros(2), r"the predictions must be a float array; got ndarray of dtype int64"),
    (SigmoidCrossEntropy(), np.array([0.5, -2.0]), np.array([1, 0]), r"SigmoidCrossEntropy\(\): the predictions must have shape \(n, outputs\) with n >= 1.*got shape \(2,\)"),
    (SigmoidCrossEntropy(), np.array([[1], [-2]]), np.array([1, 0]), r"SigmoidCrossEntropy\(\): the predictions must be a float array; got ndarray of dtype int64"),
    (SigmoidCrossEntropy(), np.zeros((2, 2)), np.array([1, 0]), r"expected one logit per example, shape \(n, 1\); got shape \(2, 2\) \(for k classes, use SoftmaxCrossEntropy\)"),
    (SigmoidCrossEntropy(), np.zeros((2, 1)), np.array([True, False]), r"SigmoidCrossEntropy: labels must be numbers; got dtype bool \(turn booleans into 0 and 1"),
    (SigmoidCrossEntropy(), np.zeros((2, 1)), np.array(["yes", "no"]), r"SigmoidCrossEntropy: labels must be numbers; got dtype <U3"),
    (SigmoidCrossEntropy(), np.zeros((3, 1)), np.array([0.0, 0.5, 1.0]), r"SigmoidCrossEntropy: labels must be 0 or 1; got values \[0\.  0\.5 1\. \]"),
    (SigmoidCrossEntropy(), np.zeros((3, 1)), np.array([[0, 1, 1]]), r"labels of shape \(1, 3\) do not match logits of shape \(3, 1\)"),
], ids=["1-D logits", "empty logits", "string labels", "boolean labels", "probabilities outside 0..1",
        "boolean BCE labels", "integer predictions", "1-D sigmoid logits", "integer sigmoid logits",
        "two logits per example", "boolean sigmoid labels", "string sigmoid labels", "soft sigmoid labels",
        "sigmoid labels as a row"])
def test_a_loss_refuses_bad_input_with_what_it_expected(loss, y_pred, y, message):
    with pytest.raises(ValueError, match=message):
        loss(y_pred, y)


def test_a_refused_loss_keeps_what_its_last_forward_kept():
    # A refused call changes nothing: backward still gives the gradient of the last good batch.
    for loss, y_pred, y, bad_y in [
        (SigmoidCrossEntropy(), np.array([[2.0], [-1.0]]), np.array([1, 0]), np.array([1, 2])),
        (BinaryCrossEntropy(), np.array([[0.8], [0.3]]), np.array([1, 0]), np.array([1, 2])),
        (SoftmaxCrossEntropy(), np.array([[2.0, 0.0], [0.0, 1.0]]), np.array([0, 1]), np.array([0, 2])),
    ]:
        loss(y_pred, y)
        before = loss.backward()
        with pytest.raises(ValueError):
            loss(y_pred, bad_y)  # a label out of range: refused
        with pytest.raises(ValueError):
            loss(y_pred[:, :1].ravel(), y)  # 1-D predictions: refused
        np.testing.assert_array_equal(loss.backward(), before)


# --- data sets and saved weights ---------------------------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda rng: two_moons(-5, 0.1, rng), r"n must be a whole number of at least 2; got -5"),
    (lambda rng: two_moons(100.0, 0.1, rng), r"n must be a whole number of at least 2; got 100\.0"),
    (lambda rng: two_moons(100, -0.1, rng), r"noise must be a number >= 0 \(the standard deviation of the noise\); got -0\.1"),
    (lambda rng: datasets.spirals(50, 1, 0.2, rng), r"n_classes must be a whole number of at least 2; got 1"),
    (lambda rng: datasets.wave(0, 0.1, rng), r"n must be a whole number of at least 1; got 0"),
    (lambda rng: datasets.train_test_split(np.ones((5, 2)), np.ones(5), "a fifth", rng),
     r"test_size must be a fraction \(0\.2\) or a number of examples \(40\); got 'a fifth'"),
], ids=["negative n", "float n", "negative noise", "one class", "no points", "test_size a string"])
def test_a_data_set_refuses_bad_sizes_and_noise(make, message):
    with pytest.raises(ValueError, match=message):
        make(np.random.default_rng(0))


def test_loading_weights_that_do_not_fit_changes_nothing(tmp_path):
    model = moons_model()
    before = [p.copy() for p in model.parameters()]
    with pytest.raises(FileNotFoundError, match=r"there is no file '.*missing\.npz' to load parameters from"):
        model.load(tmp_path / "missing.npz")
    (tmp_path / "notes.txt").write_text("not weights")
    with pytest.raises(ValueError, match=r"notes\.txt is not a file saved by Network\.save \(a \.npz of arrays\)$"):
        model.load(tmp_path / "notes.txt")
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"one\.npy holds a single array"):
        model.load(tmp_path / "one.npy")
    other = Network.from_architecture([{"input_dim": 2, "output_dim": 4, "activation": "tanh"},
                                       {"input_dim": 4, "output_dim": 2, "activation": "softmax"}],
                                      np.random.default_rng(1))
    other.save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match=r"has shape \(2, 4\); this network needs \(2, 8\)"):
        model.load(tmp_path / "other.npz")
    assert all(np.array_equal(a, b) for a, b in zip(before, model.parameters())), "a parameter changed"


@pytest.mark.parametrize("call, message", [
    (lambda: one_hot(np.array([0, 3, 1]), 3), r"one_hot: labels must be in 0\.\.2 for n_classes=3; got values from 0 to 3"),
    (lambda: one_hot(np.array([0, -1]), 3), r"labels must be in 0\.\.2 for n_classes=3; got values from -1 to 0"),
    (lambda: one_hot(np.array([0.5, 1.0]), 3), r"labels must be whole numbers in an array of shape \(n,\); got dtype float64"),
    (lambda: one_hot(np.eye(3), 3), r"got dtype float64, shape \(3, 3\) \(one-hot already\? labels\.argmax\(axis=1\) gives the labels\)"),
    (lambda: one_hot(np.array([0, 1]), 0), r"n_classes must be a whole number of at least 1; got 0"),
    (lambda: accuracy(np.array([0, 1, 1]), np.array([0, 1])), r"accuracy: y_pred and y_true must be labels of the same shape \(n,\); got shapes \(3,\) and \(2,\)"),
    (lambda: accuracy(np.zeros((4, 3)), np.zeros(4)), r"got shapes \(4, 3\) and \(4,\) \(scores\? y_pred\.argmax\(axis=1\) gives the labels\)"),
    (lambda: accuracy(np.array([], dtype=int), np.array([], dtype=int)), r"y_pred and y_true are empty: there is nothing to count"),
], ids=["label too big", "negative label", "fractional label", "one-hot given", "no classes",
        "lengths differ", "scores given", "empty"])
def test_the_metrics_refuse_labels_they_cannot_count(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- chapter 10: dropout, batch normalisation, the L2 term ----------------------------------------


@pytest.mark.parametrize("make, error, message", [
    (lambda: Dropout(1.0, np.random.default_rng(0)), ValueError, r"Dropout rate \(the probability of dropping a unit\) must be in \[0, 1\); got 1\.0"),
    (lambda: Dropout(-0.1, np.random.default_rng(0)), ValueError, r"must be in \[0, 1\); got -0\.1"),
    (lambda: Dropout(0.5, 0), TypeError, r"Dropout needs a numpy\.random\.Generator \(np\.random\.default_rng\(seed\)\); got int"),
    (lambda: BatchNorm(3, momentum=1.0), ValueError, r"BatchNorm momentum must be in \[0, 1\); got 1\.0"),
    (lambda: BatchNorm(3, eps=0), ValueError, r"BatchNorm eps must be a number > 0; got 0"),
    (lambda: L2(-1e-3), ValueError, r"L2 strength must be a number >= 0; got -0\.001"),
], ids=["dropout rate 1", "dropout rate < 0", "dropout seed for a generator", "momentum 1", "eps 0", "negative L2"])
def test_the_chapter_10_layers_refuse_bad_settings(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_batchnorm_refuses_bad_input_before_its_statistics_change():
    layer = BatchNorm(3)
    before = {name: value.copy() for name, value in layer.state.items()}
    with pytest.raises(ValueError, match=r"BatchNorm\(3\) expects input of shape \(n, 3\); got shape \(4, 2\)"):
        layer(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"BatchNorm\(3\) in training mode needs a batch of at least 2 examples"):
        layer(np.ones((1, 3)))
    assert all(np.array_equal(before[name], layer.state[name]) for name in before), "a running statistic changed"
    layer.training = False
    assert layer(np.ones((1, 3))).shape == (1, 3)  # one example is fine in evaluation mode


@pytest.mark.parametrize("layer, x, grad_out, message", [
    (Dropout(0.5, np.random.default_rng(0)), np.ones((4, 3)), np.ones((3, 4)),
     r"Dropout\(0\.5\)\.backward: grad_out has shape \(3, 4\); expected \(4, 3\)"),
    (BatchNorm(3), np.arange(12.0).reshape(4, 3), np.ones((4, 2)),
     r"BatchNorm\(3\)\.backward: grad_out has shape \(4, 2\); expected \(4, 3\)"),
], ids=["Dropout", "BatchNorm"])
def test_the_chapter_10_layers_name_a_gradient_of_the_wrong_shape(layer, x, grad_out, message):
    with pytest.raises(ValueError, match=r"backward was called before forward"):
        layer.backward(grad_out)
    layer(x)
    with pytest.raises(ValueError, match=message):
        layer.backward(grad_out)


def test_fit_refuses_a_regularizer_that_is_not_one(data):
    with pytest.raises(TypeError, match=r"regularizer must be None or a term such as L2\(1e-4\); got 0\.001"):
        fit(moons_model(), *data, epochs=1, verbose=0, regularizer=1e-3)
