"""Chapter 7, MNIST: checks name typical mistakes; the baseline's 82.03% and the MLP's >= 97.8%
are reproduced (in reference mode, on the verified copy of MNIST)."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.baseline import NearestMean
from scratchdl.metrics import accuracy, confusion_matrix, format_report, one_hot, per_class_report
from scratchdl.tools.mnist import load_mnist
from scratchdl.network import Network
from scratchdl.optimizers import Adam, AdamW
from scratchdl.training import fit


# --- 7.1 one_hot
def one_hot_setting_whole_columns(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes))
    encoded[:, labels] = 1.0  # sets every row's label columns, not row i's alone
    return encoded


def one_hot_setting_whole_rows(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes))
    encoded[labels] = 1.0
    return encoded


def one_hot_rows_numbered_by_class(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes))
    encoded[np.arange(n_classes), labels] = 1.0
    return encoded


def one_hot_transposed(labels, n_classes):
    return np.eye(n_classes)[labels].T


def one_hot_too_narrow(labels, n_classes):
    return np.eye(labels.max() + 1)[labels]


def one_hot_ten_classes(labels, n_classes):
    return np.eye(10)[labels]  # MNIST's ten, whatever n_classes says


def one_hot_off_by_one(labels, n_classes):
    return np.eye(n_classes)[labels - 1]


def one_hot_zeros_without_tuple(labels, n_classes):
    encoded = np.zeros(len(labels), n_classes)
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def one_hot_integers(labels, n_classes):
    encoded = np.zeros((len(labels), n_classes), dtype=int)
    encoded[np.arange(len(labels)), labels] = 1
    return encoded


def one_hot_as_lists(labels, n_classes):
    return [[1.0 if j == label else 0.0 for j in range(n_classes)] for label in labels]


# --- 7.2 accuracy
def accuracy_count(y_pred, y_true):
    return int(np.sum(y_pred == y_true))


def accuracy_percent(y_pred, y_true):
    return 100 * float(np.mean(y_pred == y_true))


def accuracy_error_rate(y_pred, y_true):
    return float(np.mean(y_pred != y_true))


def accuracy_without_mean(y_pred, y_true):
    return y_pred == y_true


def accuracy_integer_division(y_pred, y_true):
    return np.sum(y_pred == y_true) // len(y_true)


def accuracy_argmax_of_labels(y_pred, y_true):
    # as if y_pred were the network's probabilities
    return float(np.mean(np.argmax(y_pred, axis=1) == y_true))


def accuracy_rounded(y_pred, y_true):
    return round(float(np.mean(y_pred == y_true)), 2)


# --- 7.3 NearestMean.fit
def means_as_sums(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.eye(self.n_classes)[y].T @ X
    return self


def fit_dividing_by_all_images(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.stack([X[y == k].sum(axis=0) / len(y == k) for k in range(self.n_classes)])  # len of a mask is n
    return self


def fit_assuming_equal_classes(self, X, y):
    X = X.reshape(len(X), -1)
    per_class = len(X) / self.n_classes  # MNIST's classes are nearly balanced, these are not
    self.means = np.stack([X[y == k].sum(axis=0) / per_class for k in range(self.n_classes)])
    return self


def fit_counts_not_a_column(self, X, y):
    X = X.reshape(len(X), -1)
    Y = one_hot(y, self.n_classes)
    self.means = (Y.T @ X) / Y.sum(axis=0)
    return self


def fit_not_flattened(self, X, y):
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])
    return self


def fit_not_flattened_matmul(self, X, y):
    Y = one_hot(y, self.n_classes)
    self.means = (Y.T @ X) / Y.sum(axis=0)[:, None]
    return self


def fit_flattening_to_784(self, X, y):
    X = X.reshape(len(X), 784)
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])
    return self


def fit_mean_over_everything(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.array([X[y == k].mean() for k in range(self.n_classes)])  # no axis
    return self


def fit_over_ten_classes(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(10)])
    return self


def fit_means_in_a_list(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = [X[y == k].mean(axis=0) for k in range(self.n_classes)]
    return self


def fit_counts_as_a_row(self, X, y):
    X = X.reshape(len(X), -1)
    Y = one_hot(y, self.n_classes)
    self.means = (Y.T @ X) / Y.sum(axis=0, keepdims=True)  # (1, n_classes): a row, not a column
    return self


def fit_returning_nothing(self, X, y):
    X = X.reshape(len(X), -1)
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])


def fit_reshaping_in_place(self, X, y):
    X.shape = (len(X), -1)  # reshapes the caller's array
    self.means = np.stack([X[y == k].mean(axis=0) for k in range(self.n_classes)])
    return self


def fit_accumulating_across_calls(self, X, y):
    X = X.reshape(len(X), -1)
    if self.means is None:
        self.means = np.zeros((self.n_classes, X.shape[1]))
    for k in range(self.n_classes):
        self.means[k] += X[y == k].mean(axis=0)  # a second fit adds to the first
    return self


# --- 7.4 NearestMean.predict
def _distances(X, means):
    return np.stack([((X - m) ** 2).mean(axis=1) for m in means], axis=1)


def predict_not_flattened(self, X):
    return _distances(X, self.means).argmin(axis=1)


def predict_farthest(self, X):
    return _distances(X.reshape(len(X), -1), self.means).argmax(axis=1)


def predict_by_dot_product(self, X):
    return (X.reshape(len(X), -1) @ self.means.T).argmax(axis=1)


def predict_stacking_classes_first(self, X):
    X = X.reshape(len(X), -1)
    return np.stack([((X - m) ** 2).mean(axis=1) for m in self.means]).argmin(axis=1)


def predict_averaging_over_images(self, X):
    X = X.reshape(len(X), -1)
    return np.stack([((X - m) ** 2).mean(axis=0) for m in self.means], axis=1).argmin(axis=1)


def predict_without_squaring(self, X):
    X = X.reshape(len(X), -1)
    return np.stack([(X - m).mean(axis=1) for m in self.means], axis=1).argmin(axis=1)


def predict_returning_distances(self, X):
    return _distances(X.reshape(len(X), -1), self.means)


def predict_all_means_at_once(self, X):
    X = X.reshape(len(X), -1)
    return ((X - self.means) ** 2).mean(axis=1).argmin()


def predict_into_float_zeros(self, X):
    X = X.reshape(len(X), -1)
    labels = np.zeros(len(X))
    for i, x in enumerate(X):
        labels[i] = np.argmin(((self.means - x) ** 2).mean(axis=1))
    return labels


def predict_returning_list(self, X):
    X = X.reshape(len(X), -1)
    return [int(np.argmin(((self.means - x) ** 2).mean(axis=1))) for x in X]



# --- 7.5 AdamW.step
def adamw_after(self, params, grads):
    Adam.step(self, params, grads)
    for p in params:
        p -= self.learning_rate * self.weight_decay * p  # from the p after Adam's step


def adamw_l2(self, params, grads):
    # the decay folded into the gradient: an L2 penalty, rescaled by Adam
    Adam.step(self, params, [g + self.weight_decay * p for p, g in zip(params, grads)])


def adamw_l2_in_place(self, params, grads):
    for p, g in zip(params, grads):
        g += self.weight_decay * p
    Adam.step(self, params, grads)


def adamw_without_learning_rate(self, params, grads):
    for p in params:
        p -= self.weight_decay * p
    Adam.step(self, params, grads)


def adamw_fixed_decay(self, params, grads):
    for p in params:
        p -= self.learning_rate * 0.01 * p
    Adam.step(self, params, grads)


def adamw_weights_only(self, params, grads):
    for p in params:
        if p.ndim > 1:  # "biases are not decayed" - but this step is asked to decay every parameter
            p -= self.learning_rate * self.weight_decay * p
    Adam.step(self, params, grads)


def adamw_constant(self, params, grads):
    for p in params:
        p -= self.learning_rate * self.weight_decay  # the `* p` forgotten
    Adam.step(self, params, grads)


def adamw_growing(self, params, grads):
    for p in params:
        p += self.learning_rate * self.weight_decay * p
    Adam.step(self, params, grads)


def adamw_no_adam(self, params, grads):
    for p in params:
        p -= self.learning_rate * self.weight_decay * p


def adamw_rebinding(self, params, grads):
    for p in params:
        p = p - self.learning_rate * self.weight_decay * p  # noqa: F841 - a new array, thrown away
    Adam.step(self, params, grads)


def adamw_replacing_entries(self, params, grads):
    for i in range(len(params)):
        params[i] = params[i] * (1 - self.learning_rate * self.weight_decay)
    Adam.step(self, params, grads)


# --- 7.6 cosine_learning_rate
def cosine_one_early(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(np.pi * (step + 1) / total)) / 2


def cosine_one_late(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(np.pi * (step - 1) / total)) / 2


def cosine_in_degrees(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(180 * step / total)) / 2


def cosine_whole_period(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(2 * np.pi * step / total)) / 2


def cosine_climbing_again(start, step, total):
    return start * (1 + np.cos(np.pi * step / total)) / 2


def cosine_restarting(start, step, total):
    return start * (1 + np.cos(np.pi * (step % total) / total)) / 2


def cosine_integer_division(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(np.pi * (step // total))) / 2


def cosine_rising(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(np.pi * (total - step) / total)) / 2


def cosine_not_halved(start, step, total):
    return 0.0 if step >= total else start * (1 + np.cos(np.pi * step / total))


def cosine_without_one_plus(start, step, total):
    return start * np.cos(np.pi * min(step, total) / total)


def cosine_quarter(start, step, total):
    return start * np.cos(np.pi / 2 * step / total)  # 0 at total, then negative


def cosine_without_start(start, step, total):
    return 0.0 if step >= total else (1 + np.cos(np.pi * step / total)) / 2


def cosine_returning_nothing(start, step, total):
    if step < total:
        start * (1 + np.cos(np.pi * step / total)) / 2  # worked out, but `return` forgotten


MISTAKES = [
    ("7.1", one_hot_setting_whole_columns, r"encoded\[:, labels\] = 1 sets whole columns"),
    ("7.1", one_hot_setting_whole_rows, r"whole rows are 1: encoded\[labels\] = 1"),
    ("7.1", one_hot_rows_numbered_by_class, r"np\.arange\(n_classes\) = 4 of them, do not pair up with the 5 labels"),
    ("7.1", one_hot_transposed, r"\(n_classes, n\)"),
    ("7.1", one_hot_too_narrow, r"must be n_classes = 4, not the largest label \+ 1"),
    ("7.1", one_hot_ten_classes, r"a hard-coded 10; take the width from the n_classes argument"),
    ("7.1", one_hot_off_by_one, r"off by one"),
    ("7.1", one_hot_zeros_without_tuple, r"np\.zeros takes the shape as one tuple"),
    ("7.1", one_hot_integers, r"returned integers .*asks for floats"),
    ("7.1", one_hot_as_lists, r"rows built as Python lists"),
    ("7.2", accuracy_count, r"returned 5, the number right"),
    ("7.2", accuracy_percent, r"a percentage"),
    ("7.2", accuracy_error_rate, r"the error rate.*!= where == belongs"),
    ("7.2", accuracy_without_mean, r"the mean is missing"),
    ("7.2", accuracy_integer_division, r"integer division \(//\) or int\(\) rounds the fraction down"),
    ("7.2", accuracy_argmax_of_labels, r"y_pred holds labels already.*The argmax belongs"),
    ("7.2", accuracy_rounded, r"0\.625 rounded"),
    ("7.3", means_as_sums, r"these are the sums"),
    ("7.3", fit_dividing_by_all_images, r"divided by 6, the number of all images"),
    ("7.3", fit_assuming_equal_classes, r"as if every class had as many images"),
    ("7.3", fit_counts_not_a_column, r"make the counts a column, counts\[:, None\]"),
    ("7.3", fit_not_flattened, r"flatten the images first"),
    ("7.3", fit_not_flattened_matmul, r"fit works on rows but not on images.*flatten each image"),
    ("7.3", fit_flattening_to_784, r"a hard-coded 784"),
    ("7.3", fit_mean_over_everything, r"each class got one number, the mean over all its pixels"),
    ("7.3", fit_over_ten_classes, r"averaged a class with no images.*a hard-coded 10, or classes counted from 1"),
    ("7.3", fit_means_in_a_list, r"collected but never stacked"),
    ("7.3", fit_counts_as_a_row, r"the counts are a row, \(1, 3\), and must be a column"),
    ("7.3", fit_returning_nothing, r"the `return self` at the end is missing"),
    ("7.3", fit_reshaping_in_place, r"changed the shape of its input array.*x\.shape = \.\.\. reshapes the caller.s array"),
    ("7.3", fit_accumulating_across_calls, r"run twice on the same model, gave a different answer the second time.*use = where you wrote \+="),
    ("7.4", predict_not_flattened, r"predict works on rows but not on images.*flatten each image"),
    ("7.4", predict_farthest, r"picked the farthest mean"),
    ("7.4", predict_by_dot_product, r"largest dot product"),
    ("7.4", predict_stacking_classes_first, r"stacked classes-first"),
    ("7.4", predict_averaging_over_images, r"averaged over the images \(axis=0\)"),
    ("7.4", predict_without_squaring, r"averaged without squaring"),
    ("7.4", predict_returning_distances, r"the argmin is missing"),
    ("7.4", predict_all_means_at_once, r"cannot be subtracted as they are.*X\[:, None, :\] - self\.means\[None\]"),
    ("7.4", predict_into_float_zeros, r"labels written into an array of floats"),
    ("7.4", predict_returning_list, r"labels collected in a list"),
    ("7.5", adamw_after, r"the shrinking came after Adam's step"),
    ("7.5", adamw_l2, r"weight_decay \* p was added to the gradient: that is an L2 penalty"),
    ("7.5", adamw_l2_in_place, r"changed the gradient arrays.*g \+= weight_decay \* p adds an L2 penalty"),
    ("7.5", adamw_without_learning_rate, r"shrank p by weight_decay \* p; the shrinking is learning_rate \* weight_decay \* p"),
    ("7.5", adamw_fixed_decay, r"the weight decay 0\.01 is fixed in your code; use self\.weight_decay"),
    ("7.5", adamw_weights_only, r"the vector was not decayed \(a bias\?\)"),
    ("7.5", adamw_constant, r"subtracted the same number, learning_rate \* weight_decay, from every entry"),
    ("7.5", adamw_growing, r"wrong sign: the parameters grew"),
    ("7.5", adamw_no_adam, r"Adam's step is missing"),
    ("7.5", adamw_rebinding, r"moved as with plain Adam: the decay was lost.*`p = p - \.\.\.` makes a new array"),
    ("7.5", adamw_replacing_entries, r"params\[i\] = params\[i\] - \.\.\. replaces the list's entry"),
    ("7.6", cosine_one_early, r"one step ahead: at step 0 it must be start itself"),
    ("7.6", cosine_one_late, r"one step behind: at step 0 it must be start itself"),
    ("7.6", cosine_in_degrees, r"np\.cos takes radians"),
    ("7.6", cosine_whole_period, r"came back up to start at the end: that is a whole period"),
    ("7.6", cosine_climbing_again, r"past total the cosine climbs again"),
    ("7.6", cosine_restarting, r"past total the schedule started again from start"),
    ("7.6", cosine_integer_division, r"step // total is 0 for every step before total"),
    ("7.6", cosine_rising, r"rises from 0 to start"),
    ("7.6", cosine_not_halved, r"starts at twice start"),
    ("7.6", cosine_without_one_plus, r"goes negative: start \* cos\(\.\.\.\) runs from start to -start"),
    ("7.6", cosine_quarter, r"a quarter of a cosine"),
    ("7.6", cosine_without_start, r"starts at 1 whatever start is"),
    ("7.6", cosine_returning_nothing, r"returned None: return the learning rate"),
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
