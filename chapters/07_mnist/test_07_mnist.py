"""Chapter 7, MNIST: checks name typical mistakes; the baseline's 82.03% and the MLP's >= 97.8%
are reproduced (in reference mode, on the verified copy of MNIST)."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.baseline import NearestMean
from scratchdl.metrics import accuracy, confusion_matrix, format_report, per_class_report
from scratchdl.tools.mnist import load_mnist
from scratchdl.network import Network
from scratchdl.optimizers import AdamW
from scratchdl.training import fit


def one_hot_transposed(labels, n_classes):
    return np.eye(n_classes)[labels].T


def one_hot_too_narrow(labels, n_classes):
    return np.eye(labels.max() + 1)[labels]


def one_hot_off_by_one(labels, n_classes):
    return np.eye(n_classes)[labels - 1]


def accuracy_count(y_pred, y_true):
    return int(np.sum(y_pred == y_true))


def accuracy_percent(y_pred, y_true):
    return 100 * float(np.mean(y_pred == y_true))


def means_as_sums(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.eye(self.n_classes)[y].T @ X
    return self


def fit_not_flattened(self, X, y):
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])
    return self


def fit_returning_nothing(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])


def predict_farthest(self, X):
    X = X.reshape(len(X), -1)
    return np.stack([((X - m) ** 2).mean(axis=1) for m in self.means], axis=1).argmax(axis=1)


def predict_by_dot_product(self, X):
    return (X.reshape(len(X), -1) @ self.means.T).argmax(axis=1)


MISTAKES = [
    ("7.1", one_hot_transposed, r"\(n_classes, n\)"),
    ("7.1", one_hot_too_narrow, r"must be n_classes = 4, not the largest label \+ 1"),
    ("7.1", one_hot_off_by_one, r"off by one"),
    ("7.2", accuracy_count, r"returned 5, the number right"),
    ("7.2", accuracy_percent, r"a percentage"),
    ("7.3", means_as_sums, r"these are the sums"),
    ("7.3", fit_not_flattened, r"flatten the images first"),
    ("7.3", fit_returning_nothing, r"should return self"),
    ("7.4", predict_farthest, r"picked the farthest mean"),
    ("7.4", predict_by_dot_product, r"largest dot product"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


@pytest.fixture(scope="module")
def data():
    return load_mnist(flatten=True, validation=10_000)


def test_the_nearest_mean_baseline_scores_exactly_82_03_percent():
    full = load_mnist()  # all 60,000 training images, as the published figure used
    predicted = NearestMean().fit(full.X_train, full.y_train).predict(full.X_test)
    assert accuracy(predicted, full.y_test) == 0.8203


MLP = [
    {"input_dim": 784, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
]


def test_the_mlp_reaches_97_8_percent_within_the_stated_budget(data, tmp_path):
    # Chapter 7's recipe: standardised pixels, He initialisation, 20 epochs of AdamW with a
    # cosine schedule, batch 128, float32, trained on 50,000 images.
    mean, std = data.X_train.mean(), data.X_train.std()
    standardize = lambda X: (X - mean) / std  # noqa: E731
    model = Network.from_architecture(MLP, np.random.default_rng(0), dtype=np.float32)
    history = fit(model, standardize(data.X_train), data.y_train, epochs=20, batch_size=128,
                        optimizer=AdamW(0.002, weight_decay=0.2), schedule="cosine",
                        validation_data=(standardize(data.X_val), data.y_val), verbose=0, rng=0)
    test = model.evaluate(standardize(data.X_test), data.y_test)["accuracy"]
    assert test >= 0.978
    assert history["val_accuracy"][-1] >= 0.975
    assert all(p.dtype == np.float32 for p in model.parameters())

    path = tmp_path / "mlp.npz"
    model.save(path)
    reloaded = Network.from_architecture(MLP, np.random.default_rng(1), dtype=np.float32).load(path)
    assert reloaded.evaluate(standardize(data.X_test), data.y_test)["accuracy"] == test


def test_confusion_matrix_and_per_class_report_agree_with_hand_counts():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    counts = confusion_matrix(y_true, y_pred, 3)
    assert counts.tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    report = per_class_report(y_true, y_pred, 3)
    assert np.allclose(report["precision"], [1.0, 2 / 3, 1 / 2])
    assert np.allclose(report["recall"], [1 / 2, 2 / 3, 1.0])
    assert np.allclose(report["f1"], [2 / 3, 2 / 3, 2 / 3])
    assert report["support"].tolist() == [2, 3, 1]
    assert format_report(report).splitlines()[1].split() == ["0", "1.0000", "0.5000", "0.6667", "2"]
    empty = per_class_report(np.array([0, 0]), np.array([0, 0]), 2)
    assert empty["precision"][1] == 0 and empty["f1"][1] == 0, "a class never seen nor predicted scores 0, not nan"
