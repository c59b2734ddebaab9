"""Chapter 8's demos and the claims the notebook makes about convolution, pooling and LeNet-5.

(LeNet's >= 99% with the chapter's recipe is tested in test_08_lenet.py, the PyTorch parity in
test_08_torch_parity.py; training is left out here to keep this file fast.)
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.conv import AvgPool2D, Conv2D, MaxPool2D, col2im, conv2d_loops, im2col, output_size  # noqa: E402
from chapter_files import chapter_module  # noqa: E402
from scratchdl.tools.classifiers import compare_predictions  # noqa: E402
from scratchdl.tools.models import lenet5, mnist_mlp  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")


@pytest.fixture(scope="module")
def lenet():
    return lenet5(np.random.default_rng(0))


# --- the idea and the sizes -------------------------------------------------------------------


def test_the_size_formula_by_hand():
    assert output_size(28, 3) == 26
    assert output_size(28, 3, padding=1) == 28, "padding (k - 1) / 2 keeps the size"
    assert output_size(28, 5, stride=2) == 12  # floor(23 / 2) + 1
    assert output_size(26, 2, stride=2) == 13 and output_size(11, 2, stride=2) == 5
    assert output_size(7, 3, padding=1, stride=2) == 4
    for size, kernel, padding in [(28, 3, 0), (13, 3, 0), (6, 3, 1), (5, 5, 2)]:
        layer = Conv2D(1, 2, kernel, np.random.default_rng(0), padding=padding)
        assert layer(np.zeros((1, 1, size, size))).shape[2] == output_size(size, kernel, padding)
    with pytest.raises(ValueError, match="does not fit"):
        output_size(3, 5)
    with pytest.raises(ValueError, match="stride >= 1"):
        output_size(28, 3, stride=0)


def test_the_vertical_edge_kernel_marks_where_a_stroke_begins_and_ends():
    W, names = demos.hand_made_kernels()
    assert W.shape == (3, 1, 3, 3) and len(names) == 3
    assert W[2].sum() == pytest.approx(1.0), "the blur is a mean"
    image = np.zeros((1, 1, 5, 7))
    image[0, 0, :, 3] = 1.0  # a vertical stroke in column 3
    out = conv2d_loops(image, W[:1], np.zeros(1))[0, 0]  # (3, 5); output column j covers columns j..j+2
    assert np.all(out[:, 1] < 0), "negative where the stroke begins (ink on the patch's right)"
    assert np.all(out[:, 3] > 0), "positive where it ends (ink on the patch's left)"
    assert np.all(out[:, [0, 2, 4]] == 0), "zero on paper and centred on an even stroke"
    flipped = conv2d_loops(image, W[:1, :, ::-1, ::-1], np.zeros(1))
    assert np.array_equal(flipped[0, 0], -out), "flipping an antisymmetric kernel only changes the sign"


def test_the_filters_and_maps_figure():
    W, names = demos.hand_made_kernels()
    image = np.random.default_rng(0).random((1, 12, 12))
    maps = conv2d_loops(image[None], W, np.zeros(3))[0]
    fig = demos.plot_filters_and_maps(image, W, maps, names, "kernels")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 1 + 2 * 3
    assert [ax.get_title() for ax in visible[1:4]] == names
    assert np.allclose(visible[4].images[0].get_array(), maps[0]), "the first kernel's map under it"
    assert_readable(fig)
    with pytest.raises(ValueError, match="3 kernels, 2 maps and 3 names"):
        demos.plot_filters_and_maps(image, W, maps[:2], names, "t")


# --- im2col and col2im --------------------------------------------------------------------------


def test_the_worked_example_of_im2col():
    small = np.arange(16.0).reshape(4, 4)
    cols = im2col(small[None, None], 2, 2)
    product = (np.array([[1.0, 2.0, 3.0, 4.0]]) @ cols).reshape(3, 3)
    assert product[1, 2] == 1 * 6 + 2 * 7 + 3 * 10 + 4 * 11 == 94, "the entry checked by hand in the notebook"
    fig = demos.plot_im2col(small, 2, 2, patch=(1, 2))
    left, right = fig.axes
    framed = right.patches[0]
    column = int(framed.get_x() + 0.5)
    assert column == 1 * 3 + 2, "the framed column is patch (1, 2)"
    assert np.array_equal(right.images[0].get_array()[:, column], small[1:3, 2:4].ravel())
    assert (left.patches[0].get_x(), left.patches[0].get_y()) == (1.5, 0.5)
    assert_readable(fig)
    with pytest.raises(ValueError, match=r"starts at rows 0..2 and columns 0..2; got \(3, 0\)"):
        demos.plot_im2col(small, 2, 2, patch=(3, 0))


def test_col2im_of_ones_counts_the_patches_of_each_pixel():
    image = np.zeros((1, 1, 6, 6))
    counts = col2im(np.ones_like(im2col(image, 3, 3)), image.shape, 3, 3)[0, 0]
    assert counts[0, 0] == 1 and counts[2:4, 2:4].tolist() == [[9, 9], [9, 9]]
    assert counts[0].tolist() == [1, 2, 3, 3, 2, 1]
    fig = demos.plot_grids([counts], ["counts"], "t")
    shown = [float(t.get_text()) for t in fig.axes[0].texts]
    assert np.array_equal(np.reshape(shown, (6, 6)), counts)
    assert_readable(fig)
    with pytest.raises(ValueError, match="2 grids but 1 titles"):
        demos.plot_grids([counts, counts], ["one"], "t")


def test_the_pooling_example_routes_and_spreads_as_the_notebook_says():
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 2.0, 1.0, 1.0], [0.0, 4.0, 6.0, 2.0], [4.0, 1.0, 7.0, 3.0]])[None, None]
    grad_out = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    max_pool, avg_pool = MaxPool2D(), AvgPool2D()
    assert max_pool(x)[0, 0].tolist() == [[5, 2], [4, 7]]
    routed = max_pool.backward(grad_out)[0, 0]
    assert (routed[0, 1], routed[0, 2], routed[2, 1], routed[3, 2]) == (1, 2, 3, 4)
    assert routed[3, 0] == 0, "of the two 4s, the first in row order gets the gradient, the other none"
    assert np.count_nonzero(routed) == 4
    assert avg_pool(x)[0, 0].tolist() == [[2.75, 1.0], [2.25, 4.5]]
    assert np.array_equal(avg_pool.backward(grad_out)[0, 0], np.kron(grad_out[0, 0] / 4, np.ones((2, 2))))



def test_at_a_tie_every_split_of_the_gradient_is_a_subgradient_and_counting_it_twice_is_not():
    """Section 4: the max's subgradients at a tie are the convex splits between the tied maxima."""
    block = np.array([0.0, 4.0, 4.0, 1.0])  # the example's bottom-left block, in reading order
    around = block + np.random.default_rng(0).normal(size=(10_000, 4))

    def fails(s):
        return int(np.sum(around.max(axis=1) < block.max() + (around - block) @ np.asarray(s) - 1e-12))

    for share in np.linspace(0, 1, 11):
        assert fails([0, share, 1 - share, 0]) == 0
    assert fails([0, 1, 1, 0]) > 1000, "the whole gradient to both fails at many points"
    assert fails([0.2, 0.8, 0, 0]) > 0, "a share on an element that is not a maximum is no subgradient"
    # the notebook's cell, for its own candidates
    x = np.array([[1.0, 5.0, 2.0, 0.0], [3.0, 2.0, 1.0, 1.0], [0.0, 4.0, 6.0, 2.0], [4.0, 1.0, 7.0, 3.0]])
    assert x[2:, :2].ravel().tolist() == block.tolist()


def test_pytorch_max_pooling_also_picks_the_first_maximum_and_amax_splits_evenly():
    torch = pytest.importorskip("torch")
    tied = torch.tensor([[[[4.0, 1.0], [4.0, 3.0]], [[2.0, 2.0], [2.0, 2.0]]]], requires_grad=True)  # (1, 2, 2, 2)
    torch.nn.functional.max_pool2d(tied, 2).sum().backward()
    assert tied.grad[0].tolist() == [[[1, 0], [0, 0]], [[1, 0], [0, 0]]], "the first in reading order"
    ours = MaxPool2D()
    ours(tied.detach().numpy().astype(np.float64))
    assert np.array_equal(ours.backward(np.ones((1, 2, 1, 1))), tied.grad.numpy()), "the course's convention"
    even = torch.tensor([[4.0, 4.0, 1.0, 0.0]], requires_grad=True)
    torch.amax(even, dim=1).sum().backward()
    assert even.grad.tolist() == [[0.5, 0.5, 0.0, 0.0]], "torch.amax splits evenly between tied maxima"

# --- LeNet-5, layer by layer ------------------------------------------------------------------


def test_layer_table_shapes_parameters_and_work_by_hand(lenet):
    rows = demos.layer_table(lenet, (1, 28, 28))
    assert [row["output"] for row in rows] == [
        (6, 26, 26), (6, 26, 26), (6, 13, 13), (16, 11, 11), (16, 11, 11), (16, 5, 5), (400,),
        (120,), (120,), (84,), (84,), (10,)]
    weights = [row["parameters"] for row in rows if row["parameters"]]
    assert weights == [6 * 9 + 6, 16 * 6 * 9 + 16, 400 * 120 + 120, 120 * 84 + 84, 84 * 10 + 10]
    assert sum(row["parameters"] for row in rows) == lenet.count_parameters() == 60_074
    work = [row["multiply-adds"] for row in rows if row["multiply-adds"]]
    assert work == [6 * 9 * 26 * 26, 16 * 54 * 11 * 11, 400 * 120, 120 * 84, 84 * 10]
    # The notebook: the second convolution does more multiplications than the dense layers together,
    # and the two convolutions have fewer than a thousand weights.
    assert work[1] > sum(work[2:]) and weights[0] + weights[1] < 1000
    text = demos.format_layer_table(rows)
    assert "Conv2D(6 → 16, 3x3)  16 × 11 × 11" in text and text.splitlines()[-1].split()[-1] == "60,074"


def test_lenet_has_about_as_many_parameters_as_the_mlp_and_more_work(lenet):
    mlp = mnist_mlp(np.random.default_rng(0))
    mlp_rows = demos.layer_table(mlp, (784,))
    assert mlp.count_parameters() == 784 * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10
    assert 1.0 < lenet.count_parameters() / mlp.count_parameters() < 1.2
    mlp_work = sum(row["multiply-adds"] for row in mlp_rows)
    assert mlp_work == 784 * 64 + 64 * 64 + 64 * 10
    assert sum(row["multiply-adds"] for row in demos.layer_table(lenet, (1, 28, 28))) > 3 * mlp_work


def test_feature_maps_follow_the_network_layer_by_layer(lenet):
    image = np.random.default_rng(0).random((1, 28, 28)).astype(np.float32)
    given = image.copy()
    stages = demos.feature_maps(lenet, image)
    assert np.array_equal(image, given)
    assert [name for name, _ in stages] == [
        "input", "Conv2D(1 → 6, 3x3) + relu", "AvgPool2D(2x2)", "Conv2D(6 → 16, 3x3) + relu", "AvgPool2D(2x2)",
        "Flatten()", "Dense(400 → 120) + relu", "Dense(120 → 84) + relu", "Dense(84 → 10)"]
    assert [maps.shape for _, maps in stages] == [
        (1, 28, 28), (6, 26, 26), (6, 13, 13), (16, 11, 11), (16, 5, 5), (400,), (120,), (84,), (10,)]
    assert np.all(stages[1][1] >= 0), "the ReLU is applied"
    assert np.allclose(stages[-1][1], lenet.forward(image[None])[0]), "the last stage is the network's output"
    same = demos.feature_maps(lenet, image[None])  # (1, c, h, w) works too
    assert np.allclose(same[-1][1], stages[-1][1])
    with pytest.raises(ValueError, match=r"one image of shape \(c, h, w\) or \(1, c, h, w\); got shape \(2, 1, 28, 28\)"):
        demos.feature_maps(lenet, np.zeros((2, 1, 28, 28)))


def test_the_stages_get_short_names_counted_by_kind(lenet):
    stages = demos.feature_maps(lenet, np.zeros((1, 28, 28), dtype=np.float32))
    assert demos.stage_names(stages) == [
        "input", "conv1", "pool1", "conv2", "pool2", "flatten", "dense1", "dense2", "dense3"]


def test_the_feature_map_figure_names_every_map_of_every_image_shaped_stage(lenet):
    stages = demos.feature_maps(lenet, np.random.default_rng(0).random((1, 28, 28)))
    fig = demos.plot_feature_maps(stages, "maps")
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    maps = [ax for ax in fig.axes if ax.get_visible() and ax not in bars]
    assert len(maps) == 1 + 6 + 6 + 16 + 16, "the flat stages are not drawn"
    assert len(bars) == 5, "one colour scale per row, shown"
    rows = {}
    for ax in maps:
        rows.setdefault(ax.get_subplotspec().rowspan.start, []).append(ax)
    assert [ax.get_title() for ax in rows[0]] == ["the image"]
    for row, short, count in [(1, "conv1", 6), (2, "pool1", 6), (3, "conv2", 16), (4, "pool2", 16)]:
        assert [ax.get_title() for ax in rows[row]] == [f"{short} map {k}" for k in range(1, count + 1)]
        assert rows[row][0].get_ylabel().startswith(f"{short}: "), "the row names its layer"
        low, high = rows[row][0].images[0].get_clim()
        assert all(ax.images[0].get_clim() == (low, high) for ax in rows[row]), "one scale in a row"
    assert np.allclose(rows[3][5].images[0].get_array(), stages[3][1][5]), "conv2 map 6 is the sixth map"
    assert not any("channel" in ax.get_title() for ax in maps)
    assert fig.get_suptitle() == "maps"
    assert_readable(fig)


def test_filter_mosaic_puts_kernel_f_of_channel_r_in_block_r_f():
    W = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)  # 2 filters, 3 input channels, 2 x 2
    mosaic = demos.filter_mosaic(W)
    assert mosaic.shape == (3 * 3 - 1, 2 * 3 - 1)
    for f in range(2):
        for r in range(3):
            assert np.array_equal(mosaic[3 * r:3 * r + 2, 3 * f:3 * f + 2], W[f, r])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 2]).all(), "a gap between the kernels"
    assert np.isfinite(mosaic).sum() == W.size
    with pytest.raises(ValueError, match=r"\(c_out, c_in, k, k\); got shape \(6, 3, 3\)"):
        demos.filter_mosaic(np.zeros((6, 3, 3)))
    assert_readable(demos.plot_filter_mosaic(W, "mosaic"))


def test_the_feature_map_explorer_gives_the_networks_probabilities(lenet):
    images = np.random.default_rng(1).random((4, 1, 28, 28)).astype(np.float32)
    explorer = demos.feature_map_explorer(lenet, images, np.arange(4))
    explorer.children[0].value = 2
    plt.close("all")
    assert explorer.result.shape == (10,) and explorer.result.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(explorer.result, lenet.predict_proba(images[2:3])[0], atol=1e-6)


# --- comparing the classifiers ------------------------------------------------------------------

Y = np.array([0, 1, 2, 3, 4, 5])
A = np.array([0, 1, 9, 9, 4, 9])  # wrong on 2, 3, 5
B = np.array([0, 9, 2, 9, 4, 5])  # wrong on 1, 3


def test_wrong_only_by_on_hand_made_predictions():
    assert demos.wrong_only_by(Y, A, B).tolist() == [2, 5]
    assert demos.wrong_only_by(Y, B, A).tolist() == [1]
    outcome = compare_predictions(Y, {"A": A, "B": B})
    assert outcome["only B right"] == 2 and outcome["only A right"] == 1 and outcome["both wrong"] == 1
    assert len(np.intersect1d(demos.wrong_only_by(Y, A, B), demos.wrong_only_by(Y, B, A))) == 0
    with pytest.raises(ValueError, match="three arrays of one shape"):
        demos.wrong_only_by(Y, A[:3], B)


def test_the_disagreement_gallery_names_the_truth_and_both_answers():
    images = np.random.default_rng(0).random((6, 1, 28, 28))
    fig = demos.plot_disagreements(images, Y, {"A": A, "B": B}, [2, 5], "A wrong, B right")
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == ["#2: true 2\nA 9, B 2", "#5: true 5\nA 9, B 5"]
    assert np.allclose(shown[1].images[0].get_array(), images[5, 0])
    plt.close(fig)


def test_summarise_model_and_the_comparison_table():
    row = demos.summarise_model("A", Y, A, parameters=100, seconds=12.0, epochs=4)
    assert row == {"name": "A", "parameters": 100, "epochs": 4, "seconds": 12.0, "seconds per epoch": 3.0,
                   "accuracy": 0.5, "mistakes": 3, "examples": 6}
    baseline = demos.summarise_model("baseline", Y, B, parameters=7840, seconds=0.5)
    assert baseline["seconds per epoch"] is None and baseline["mistakes"] == 2
    lines = demos.format_comparison([baseline, row]).splitlines()
    assert lines[1].split() == ["baseline", "7,840", "-", "-", "0.5s", "66.67%", "2"]
    assert lines[2].split() == ["A", "100", "4", "3.00", "12.0s", "50.00%", "3"]
    with pytest.raises(ValueError, match=r"labels of shape \(6,\) but predictions of shape \(3,\)"):
        demos.summarise_model("bad", Y, A[:3], 1, 1.0)


def test_the_comparison_table_shows_reported_figures_beside_the_rows():
    rows = [demos.summarise_model("baseline", Y, B, 7840, 0.5), demos.summarise_model("A", Y, A, 100, 12.0, 4)]
    lines = demos.format_comparison(rows, reported={"baseline": 0.8203}, reported_title="seed notebook").splitlines()
    assert lines[0].split()[-2:] == ["seed", "notebook"]
    assert lines[1].split()[-1] == "82.03%" and lines[2].split()[-1] == "-", "a name it does not have: -"
    assert len({len(line) for line in lines}) == 1, "the columns line up"
    assert demos.format_comparison(rows) == "\n".join(line[:-len("  seed notebook")] for line in lines), \
        "without reported figures, the table as before"


# --- choosing the epoch by validation -------------------------------------------------------------


class _Model:
    def __init__(self):
        self.W, self.b = np.zeros((2, 2)), np.zeros(2)

    def parameters(self):
        return [self.W, self.b]


def test_keep_best_keeps_the_epoch_of_the_highest_validation_accuracy_and_restores_it_in_place():
    model = _Model()
    best = demos.KeepBest(model)
    with pytest.raises(ValueError, match="has kept nothing yet"):
        best.restore()
    W = model.W
    for epoch, val in enumerate([0.90, 0.95, 0.93, 0.95], start=1):
        model.W += 1.0  # training moves the weights
        best.on_epoch_end(epoch, {"loss": 0.1, "val_accuracy": val})
    assert best.epoch == 2 and best.best == 0.95, "the highest, the earlier one at a tie"
    assert model.W[0, 0] == 4.0
    best.restore()
    assert model.W is W and np.all(model.W == 2.0), "the weights after epoch 2, written into the same array"
    with pytest.raises(ValueError, match="pass validation_data"):
        demos.KeepBest(model).on_epoch_end(1, {"loss": 0.1, "accuracy": 0.9})


def test_the_validation_curve_shows_the_share_wrong_and_marks_the_chosen_epoch():
    history = {"loss": [0.5, 0.2, 0.1], "accuracy": [0.90, 0.98, 0.995], "val_accuracy": [0.97, 0.985, 0.99]}
    fig = demos.plot_validation_curve(history, chosen=3)
    ax = fig.axes[0]
    training, validation, star = ax.lines
    assert np.allclose(training.get_ydata(), [10, 2, 0.5]) and np.allclose(validation.get_ydata(), [3, 1.5, 1])
    assert list(star.get_xdata()) == [3] and np.allclose(star.get_ydata(), [1])
    assert ax.get_yscale() == "log" and "epoch 3, 1.00% wrong" in star.get_label()
    assert_readable(fig)


def test_the_comparison_bars_are_the_rows_values():
    rows = [demos.summarise_model("baseline", Y, B, 7840, 0.5), demos.summarise_model("A", Y, A, 100, 12.0, 4)]
    fig = demos.plot_comparison(rows)
    parameters, seconds, mistakes = ([bar.get_height() for bar in ax.patches] for ax in fig.axes)
    assert parameters == [7840, 100] and seconds == [0.5, 12.0] and mistakes == [2, 3]
    assert fig.axes[2].get_ylabel() == "wrong answers of 6"
    assert_readable(fig)


# --- moving the digits --------------------------------------------------------------------------


def test_shift_right_moves_the_ink_and_fills_with_paper():
    X = np.arange(1.0, 13.0).reshape(1, 1, 3, 4)
    given = X.copy()
    moved = demos.shift_right(X, 1)
    assert moved[0, 0].tolist() == [[0, 1, 2, 3], [0, 5, 6, 7], [0, 9, 10, 11]]
    assert demos.shift_right(X, -2)[0, 0].tolist() == [[3, 4, 0, 0], [7, 8, 0, 0], [11, 12, 0, 0]]
    assert np.array_equal(demos.shift_right(X, 0), X) and np.array_equal(X, given)
    assert demos.shift_right(X.astype(np.float32), 1).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(n, c, h, w\); got shape \(3, 4\)"):
        demos.shift_right(X[0, 0], 1)


def test_the_shift_plot_draws_one_line_per_classifier():
    fig = demos.plot_shift_accuracy([0, 1, 2], {"a": [0.9, 0.8, 0.5], "b": [0.95, 0.94, 0.9]})
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert list(lines[1].get_ydata()) == [0.95, 0.94, 0.9]
    assert_readable(fig)
