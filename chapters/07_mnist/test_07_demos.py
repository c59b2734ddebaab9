"""Chapter 7's demos and the claims the notebook makes about MNIST, the baseline and the MLP.

(The baseline's 82.03%, the MLP's >= 97.8% and saving/loading are tested in test_07_mnist.py.)
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.baseline import NearestMean  # noqa: E402
from chapter_files import chapter_module
from scratchdl.tools import classifiers  # noqa: E402
from scratchdl.metrics import confusion_matrix, per_class_report  # noqa: E402
from scratchdl.tools.mnist import find_mnist, load_mnist, read_idx  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from scratchdl.optimizers import Adam, AdamW  # noqa: E402
from scratchdl.training import fit  # noqa: E402
from scratchdl.tools.models import Standardize, mean_and_std  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

MLP = [  # the notebook's network
    {"input_dim": 784, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 64, "activation": "relu"},
    {"input_dim": 64, "output_dim": 10, "activation": "softmax"},
]


@pytest.fixture(scope="module")
def data():
    return load_mnist(validation=10_000)


@pytest.fixture(scope="module")
def baseline(data):
    """NearestMean on all 60,000 training images, as in the notebook."""
    return NearestMean().fit(*data.all_training())


@pytest.fixture(scope="module")
def standardized(data):
    """The notebook's inputs: rows of 784 pixels on the training set's scale."""
    flat = {part: getattr(data, f"X_{part}").reshape(len(getattr(data, f"X_{part}")), -1) for part in ("train", "val", "test")}
    mean, std = mean_and_std(flat["train"])
    return {part: (X - mean) / std for part, X in flat.items()}


def assert_gallery(fig, images, titles):
    """A gallery: one visible panel per image, drawing that image, with its own title; a figure title."""
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == len(images)
    assert fig.get_suptitle(), "a gallery without a figure title"
    for ax, image, title in zip(shown, images, titles):
        assert ax.get_title() == title
        assert np.allclose(ax.images[0].get_array(), np.reshape(image, (28, 28)))
    plt.close(fig)


# --- the data in memory once ------------------------------------------------------------------


def test_all_training_gives_the_60000_images_without_a_copy(data):
    X, y = data.all_training()
    assert X.shape == (60_000, 1, 28, 28) and y.shape == (60_000,)
    assert np.shares_memory(X, data.X_train) and np.shares_memory(X, data.X_val)
    assert np.array_equal(X[50_000:], data.X_val) and np.array_equal(y[:50_000], data.y_train)


def test_mean_and_std_are_numpys_in_float64():
    X = np.random.default_rng(0).random((12_345, 3, 7), dtype=np.float32)
    mean, std = mean_and_std(X, rows_at_a_time=1000)
    assert mean == pytest.approx(float(X.mean(dtype=np.float64)), rel=1e-12)
    assert std == pytest.approx(float(X.std(dtype=np.float64)), rel=1e-9)


def test_the_standardize_layer_is_the_notebooks_formula_with_its_gradient():
    rng = np.random.default_rng(0)
    images = rng.random((5, 1, 4, 4)).astype(np.float32)
    layer = Standardize(0.25, 0.5)
    out = layer(images)
    assert out.dtype == np.float32 and out.shape == (5, 16)
    assert np.allclose(out, (images.reshape(5, -1) - 0.25) / 0.5)
    G = rng.normal(size=(5, 16))
    assert np.allclose(layer.backward(G), G.reshape(5, 1, 4, 4) / 0.5)  # d/dx of (x - m) / s is 1 / s
    with pytest.raises(ValueError, match=r"grad_out has shape \(5, 15\); expected \(5, 16\)"):
        layer.backward(G[:, :15])


# --- looking at the data --------------------------------------------------------------------


def test_pixel_statistics_of_hand_made_images():
    X = np.zeros((3, 2, 2))
    X[0, 1, 1] = 1.0
    X[1, 0, 1] = 51 / 255
    X[2, 1, 1] = 1 / 255  # faint, but not blank
    stats = demos.pixel_statistics(X)
    assert stats["zero"] == 9 / 12 and stats["full"] == 1 / 12
    assert stats["ink_per_image"] == 1.0
    assert stats["never_inked"] == 2  # the left column is blank in all three
    assert stats["mean"] == pytest.approx(X.mean()) and stats["std"] == pytest.approx(X.std())
    counts = demos.grey_level_counts(X)
    assert counts.shape == (256,) and counts.sum() == 12
    assert (counts[0], counts[1], counts[51], counts[255]) == (9, 1, 1, 1)


def test_grey_level_counts_recover_the_bytes_of_the_file(data):
    raw = read_idx(find_mnist() / "t10k-images-idx3-ubyte.gz")  # uint8, as stored
    assert np.array_equal(demos.grey_level_counts(data.X_test), np.bincount(raw.ravel(), minlength=256))


def test_what_the_notebook_says_about_the_pixels_and_the_classes(data):
    stats = demos.pixel_statistics(data.X_train)
    assert 0.78 < stats["zero"] < 0.82, "about four pixels in five are exactly 0"
    assert 140 < stats["ink_per_image"] < 160, "a digit inks about 150 of the 784 pixels"
    assert stats["mean"] == pytest.approx(0.13, abs=0.005) and stats["std"] == pytest.approx(0.31, abs=0.005)
    assert stats["mean"] ** 2 + stats["std"] ** 2 == pytest.approx(0.11, abs=0.005), "E[x^2] of raw pixels"
    # "on the edge and mostly in the corners"
    rows, columns = np.nonzero(data.X_train.reshape(-1, 28, 28).max(axis=0) == 0)
    assert len(rows) == stats["never_inked"] > 0
    assert np.all(np.minimum.reduce([rows, columns, 27 - rows, 27 - columns]) <= 1)
    in_corners = (np.minimum(rows, 27 - rows) < 7) & (np.minimum(columns, 27 - columns) < 7)
    assert in_corners.mean() > 0.5
    counts = np.bincount(data.y_train)
    assert 4500 <= counts.min() and counts.max() <= 5700, "every digit has between about 4,500 and 5,700 images"


def test_first_of_each_class():
    assert classifiers.first_of_each_class(np.array([2, 0, 2, 1, 0]), 3).tolist() == [1, 3, 0]
    with pytest.raises(ValueError, match=r"no example of class \[2\]"):
        classifiers.first_of_each_class(np.array([0, 1, 1]), 3)


def test_a_gallery_draws_each_image_under_its_own_title():
    images = np.random.default_rng(0).random((13, 784))
    titles = [f"image {i}" for i in range(13)]
    fig = classifiers.plot_digits(images, titles, "thirteen images")
    assert sum(not ax.get_visible() for ax in fig.axes) == 7, "the unused panels of the second row are hidden"
    assert_gallery(fig, images, titles)
    with pytest.raises(ValueError, match="13 images but 2 titles"):
        classifiers.plot_digits(images, titles[:2], "t")


def test_the_average_digits_shown_are_the_class_means(data, baseline):
    X = np.concatenate([data.X_train, data.X_val]).reshape(60_000, -1).astype(np.float64)
    y = np.concatenate([data.y_train, data.y_val])
    class_means = np.stack([X[y == k].mean(axis=0) for k in range(10)])
    titles = [f"average {k}" for k in range(10)]
    assert_gallery(classifiers.plot_digits(baseline.means, titles, "t"), class_means, titles)
    # "The 1 is the darkest and sharpest": the highest peak, and the least ink spread around.
    assert baseline.means.max(axis=1).argmax() == 1 and baseline.means.sum(axis=1).argmin() == 1


def test_the_nearest_mean_layer_makes_the_baselines_decisions(data, baseline):
    layer = demos.nearest_mean_layer(baseline.means)
    assert np.array_equal(layer.params["W"], baseline.means.T)
    assert np.allclose(layer.params["b"], -0.5 * (baseline.means**2).sum(axis=1))
    scores = layer(data.X_test.reshape(len(data.X_test), -1))
    assert np.array_equal(scores.argmax(axis=1), baseline.predict(data.X_test)), "all 10,000 agree"
    rng = np.random.default_rng(0)  # and for any means, not only MNIST's
    model = NearestMean(4)
    model.means = rng.normal(size=(4, 6))
    X = rng.normal(size=(500, 6))
    assert np.array_equal(demos.nearest_mean_layer(model.means)(X).argmax(axis=1), model.predict(X))


# --- what a classifier gets wrong -------------------------------------------------------------

PROBABILITIES = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7], [0.45, 0.55]])
LABELS = np.array([1, 1, 1, 0, 1])  # wrong: 0 (sure 0.9), 2 (0.6) and 3 (0.7)


def test_most_confident_mistakes_by_hand():
    assert classifiers.most_confident_mistakes(PROBABILITIES, LABELS, k=2).tolist() == [0, 3]
    assert classifiers.most_confident_mistakes(PROBABILITIES, LABELS, k=10).tolist() == [0, 3, 2]
    assert len(classifiers.most_confident_mistakes(PROBABILITIES, PROBABILITIES.argmax(axis=1))) == 0


def test_most_confident_mistakes_are_mistakes_surest_first():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(300, 10)) * 3
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = rng.integers(0, 10, 300)
    chosen = classifiers.most_confident_mistakes(probabilities, y, k=20)
    predicted, confidence = probabilities.argmax(axis=1), probabilities.max(axis=1)
    assert len(chosen) == 20 and np.all(predicted[chosen] != y[chosen])
    assert np.all(np.diff(confidence[chosen]) <= 0), "surest first"
    others = np.setdiff1d(np.flatnonzero(predicted != y), chosen)
    assert confidence[others].max() <= confidence[chosen].min(), "no mistake left out is surer"


def test_the_mistakes_gallery_names_the_true_label_the_prediction_and_its_probability():
    images = np.random.default_rng(0).random((5, 1, 28, 28))
    fig = classifiers.plot_mistakes(images, LABELS, PROBABILITIES, [0, 3, 2], "mistakes")
    assert_gallery(fig, images[[0, 3, 2]], ["true 1, predicted 0\np = 0.9000", "true 0, predicted 1\np = 0.7000",
                                            "true 1, predicted 0\np = 0.6000"])


def test_the_confusion_matrix_plot_shows_every_count_and_the_number_of_mistakes():
    y_true = np.array([0, 0, 1, 1, 1, 2, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 0])
    counts = confusion_matrix(y_true, y_pred, 3)
    fig = classifiers.plot_confusion_matrices({"a": counts, "perfect": confusion_matrix(y_true, y_true, 3)})
    first, second = fig.axes[:2]
    shown = np.array([int(t.get_text()) for t in first.texts]).reshape(3, 3)
    assert np.array_equal(shown, counts)
    assert first.get_title() == "a: 3 mistakes in 7" and second.get_title() == "perfect: 0 mistakes in 7"
    assert_readable(fig)


def test_compare_predictions_counts_who_gets_what_right():
    y = np.array([0, 1, 2, 3, 4, 5])
    a = np.array([0, 1, 2, 0, 0, 5])
    b = np.array([0, 0, 2, 3, 0, 0])
    assert classifiers.compare_predictions(y, {"a": a, "b": b}) == {
        "both right": 2, "only a right": 2, "only b right": 1, "both wrong": 1}


def test_per_class_bars_are_the_reports_values():
    report = per_class_report(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 2]), 3)
    fig = classifiers.plot_per_class({"one": report}, metric="recall")
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert np.allclose(heights, report["recall"])
    assert_readable(fig)


HISTORY = {"loss": [1.0, 0.5, 0.3], "accuracy": [0.5, 0.8, 0.9], "val_loss": [1.1, 0.7, 0.8],
           "val_accuracy": [0.5, 0.7, 0.75]}
FIGURES = {
    "pixel statistics": lambda: demos.plot_pixel_statistics(np.random.default_rng(0).random((20, 1, 28, 28)),
                                                            np.arange(20) % 10),
    "two runs": lambda: demos.plot_runs({"a": HISTORY, "b": HISTORY}),
    "confusion matrices": lambda: classifiers.plot_confusion_matrices({"a": np.eye(10, dtype=int) * 5}),
    "per class": lambda: classifiers.plot_per_class({"a": per_class_report(np.arange(10), np.arange(10), 10)}),
}


@pytest.mark.parametrize("name", FIGURES)
def test_plots_have_titles_and_labelled_axes(name):
    assert_readable(FIGURES[name]())


# --- the network ----------------------------------------------------------------------------


def test_standardised_inputs_give_the_first_layer_the_spread_he_initialisation_aims_for(data, standardized):
    first_layer = Network.from_architecture(MLP, np.random.default_rng(0), dtype=np.float32).layers[0]
    raw = float(first_layer(data.X_train[:2000].reshape(2000, -1)).std())
    scaled = float(first_layer(standardized["train"][:2000]).std())
    assert scaled == pytest.approx(np.sqrt(2), rel=0.1)
    assert 0.25 < raw / scaled < 0.4, "raw pixels: about a third"
    test = standardized["test"]
    assert 0 < abs(float(test.mean())) < 0.02 and float(test.std()) == pytest.approx(1, abs=0.02), "close, not exact"


@pytest.fixture(scope="module")
def runs(data, standardized):
    """The notebook's two 20-epoch runs: plain Adam, and AdamW with a cosine schedule."""
    X, X_val = standardized["train"], standardized["val"]
    result = {}
    for name, optimizer, schedule in (("adam", Adam(0.002), None),
                                      ("recipe", AdamW(0.002, weight_decay=0.2), "cosine")):
        model = Network.from_architecture(MLP, np.random.default_rng(0), dtype=np.float32)
        history = fit(model, X, data.y_train, epochs=20, batch_size=128, optimizer=optimizer, schedule=schedule,
                            validation_data=(X_val, data.y_val), verbose=0, rng=0)
        result[name] = (model, history)
    return result


def test_plain_adam_overfits_and_the_recipe_does_not(runs):
    _, adam = runs["adam"]
    best = int(np.argmin(adam["val_loss"]))
    assert best < 8, "the validation loss turns round after a few epochs"
    assert adam["val_loss"][-1] > 1.3 * adam["val_loss"][best], "... and climbs"
    assert adam["loss"][-1] < 0.7 * adam["loss"][best], "while the training loss keeps falling"
    assert sum(np.diff(adam["val_accuracy"][9:]) < 0) >= 3, "its validation accuracy wobbles"

    _, recipe = runs["recipe"]
    assert int(np.argmin(recipe["val_loss"])) >= 12, "falls until the last epochs"
    assert recipe["val_loss"][-1] <= 1.05 * min(recipe["val_loss"]), "then levels off close to its lowest"
    assert np.ptp(recipe["val_accuracy"][-5:]) < 0.002, "the validation accuracy settles"
    assert recipe["val_accuracy"][-1] > adam["val_accuracy"][-1]
    assert recipe["loss"][-1] < recipe["val_loss"][-1], "still fits its training images better than new ones"


def test_the_network_beats_the_baseline_on_every_digit_and_is_sometimes_very_sure_and_wrong(
        data, baseline, standardized, runs):
    model, _ = runs["recipe"]
    y = data.y_test
    mlp_pred, baseline_pred = model.predict(standardized["test"]), baseline.predict(data.X_test)
    assert np.all(per_class_report(y, mlp_pred, 10)["recall"] > per_class_report(y, baseline_pred, 10)["recall"])
    outcome = classifiers.compare_predictions(y, {"nearest mean": baseline_pred, "MLP": mlp_pred})
    baseline_mistakes = outcome["only MLP right"] + outcome["both wrong"]
    assert outcome["only MLP right"] > 0.8 * baseline_mistakes, "most of what the baseline got wrong"
    assert outcome["only nearest mean right"] < 0.05 * outcome["only MLP right"], "the reverse only rarely"
    probabilities = model.predict_proba(standardized["test"])
    surest = classifiers.most_confident_mistakes(probabilities, y, k=20)
    assert probabilities[surest[0]].max() > 0.99


def test_an_l2_term_under_adam_decays_weights_with_large_gradients_less_and_adamw_decays_all_alike():
    """Section 6 and AdamW's docstring: Adam divides an L2 term by sqrt(v_hat); AdamW's decay is the same for all."""
    noise = np.random.default_rng(0).normal(size=(300, 1)) * np.array([[10.0, 0.01]])  # one noise, two sizes
    decay = 0.5
    plain, coupled, decoupled = [np.ones(2)], [np.ones(2)], [np.ones(2)]
    adam, adam_l2, adamw = Adam(0.001), Adam(0.001), AdamW(0.001, weight_decay=decay)
    for g in noise:
        adam.step(plain, [g.copy()])
        adam_l2.step(coupled, [g + decay * coupled[0]])  # the penalty's gradient added to the data's
        adamw.step(decoupled, [g.copy()])
    l2_shrink, adamw_shrink = plain[0] - coupled[0], plain[0] - decoupled[0]
    assert 0 < l2_shrink[0] < 0.1 * l2_shrink[1], "the weight with large gradients is decayed far less"
    assert adamw_shrink[0] == pytest.approx(adamw_shrink[1], rel=1e-6), "AdamW: the same, whatever the gradients"
    assert adamw_shrink[0] == pytest.approx(1 - (1 - 0.001 * decay) ** 300, rel=0.02)


def test_the_dead_first_layer_units_died_early_and_were_not_looking_at_the_border(data, standardized, runs):
    """Section 7's look at the dead units of the recipe's first hidden layer."""
    model, history = runs["recipe"]
    start = Network.from_architecture(MLP, np.random.default_rng(0), dtype=np.float32).layers[0].params["W"]
    W, b = model.layers[0].params["W"], model.layers[0].params["b"]  # no Standardize here: the inputs are
    z = standardized["train"] @ W + b                                 # standardised already
    fired = np.count_nonzero(z > 0, axis=0)
    dead, alive = np.flatnonzero(fired == 0), np.flatnonzero(fired > 0)
    dead_in_sample = np.all(z[:256] <= 0, axis=0)  # what the live view counts
    assert 0 < len(dead) < dead_in_sample.sum(), "fewer are dead than the sample suggests, but some"
    assert not np.any((standardized["val"] @ W + b)[:, dead] > 0), "nor for a validation image"
    cosine = np.sum(start * W, axis=0) / (np.linalg.norm(start, axis=0) * np.linalg.norm(W, axis=0))
    assert cosine[dead].min() > np.median(cosine[alive]) + 0.3, "much closer to where they started"
    steps = 20 * -(-len(standardized["train"]) // 128)
    rates = 0.002 * (1 + np.cos(np.pi * np.arange(steps) / steps)) / 2
    decayed = np.prod(1 - 0.2 * rates) * np.linalg.norm(start[:, dead], axis=0)
    ratio = np.linalg.norm(W[:, dead], axis=0) / decayed
    assert np.all(ratio > 0.9) and np.mean(ratio < 1.25) > 0.5, "most: the starting length times the decay"
    never_inked = data.X_train.reshape(len(data.X_train), -1).max(axis=0) == 0
    on_blank = np.sum(W[never_inked] ** 2, axis=0) / np.sum(W**2, axis=0)
    assert 0.5 < on_blank[dead].mean() / never_inked.mean() < 1.5, "about their share: not the border"
    assert np.median(on_blank[alive]) < 0.25 * never_inked.mean(), "the living units put far less there"
    pixels = standardized["train"][:5000]
    reach = 0.002 * float(np.abs(pixels).sum(axis=1).mean())
    assert 0.5 < reach / float(np.median((pixels @ start).std(axis=0))) < 2, "one step: about z's spread"
