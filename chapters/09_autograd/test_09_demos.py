"""Chapter 9's demos and the claims the notebook makes with them: the graph pictures, gradient
checks of every operation, agreement with chapter 5, the softmax gradient, XOR with two hidden
units, and deep networks that the textbook loss cannot train in float32."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.tools import datasets  # noqa: E402
from scratchdl.autograd import Tensor, softmax_cross_entropy, topological_order  # noqa: E402
from chapter_files import chapter_module  # noqa: E402
from scratchdl.layers import Activation, Dense  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

SPIRALS = datasets.spirals(100, 3, 0.2, np.random.default_rng(0))  # the notebook's data


# --- pictures of the graph ----------------------------------------------------------------------


def test_the_graph_picture_shows_every_node_with_its_value_and_gradient():
    L, leaves = demos.neuron_graph()
    L.backward()
    fig = demos.plot_graph(L, "the neuron")
    ax = fig.axes[0]
    assert ax.get_title() == "the neuron" and ax.get_xlabel()
    texts = [t.get_text() for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
    nodes = topological_order(L)
    assert len(texts) == len(nodes) == 10  # x, w, @, b, +, tanh, t, -, *, sum
    assert all("value" in text and "grad" in text for text in texts)  # no constants in this graph
    assert any(text.startswith("sum\nvalue\n0.49\ngrad\n1.00") for text in texts)
    # one arrow per input of every node: e * e draws two arrows from e
    assert len([c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation) and not c.get_text()]) \
        == sum(len(n.inputs) for n in nodes)
    plt.close(fig)


def test_the_layout_puts_every_node_right_of_its_inputs_and_the_root_last():
    net = demos.xor_network(seed=1)
    loss = net.loss(np.array([[1.0, 0.0]]), np.array([1]))
    where = demos.graph_layout(loss)
    nodes = topological_order(loss)
    assert all(where[id(i)][0] < where[id(n)][0] for n in nodes for i in n.inputs)
    assert where[id(loss)][0] == max(x for x, _ in where.values())
    assert len(set(where.values())) == len(nodes), "two nodes drawn in the same place"


def test_node_labels_show_numbers_for_small_arrays_and_shapes_for_big_ones():
    small = Tensor([[0.5, -0.25]], name="w")
    assert demos.node_label(small) == "w\nvalue\n  0.50  -0.25"
    big = Tensor(np.ones((4, 3)))
    assert demos.node_label(big) == "constant\nvalue\nshape (4, 3)"


def test_compact_labels_put_each_first_row_beside_its_heading():
    w = Tensor([[0.5], [-0.25]], name="w")
    w.grad = np.array([[1.0], [2.0]])
    assert demos.node_label(w, compact=True) == \
        "w\nvalue   0.50\n       -0.25\ngrad    1.00\n        2.00"
    assert demos.node_label(Tensor(np.ones((4, 3))), compact=True) == "constant\nvalue shape (4, 3)"


def test_the_xor_graph_drawn_top_to_bottom_fits_the_page_and_no_boxes_overlap():
    net = demos.xor_network(seed=1)
    loss = net.loss(np.array([[1.0, 0.0]]), np.array([1]))
    loss.backward()
    wide = demos.plot_graph(loss, "t")
    tall = demos.plot_graph(loss, "t", vertical=True)
    assert wide.get_size_inches()[0] > 15  # across the page it is too long to read
    width, height = tall.get_size_inches()
    assert width < 7.5 and height < 16  # a notebook shows it at full size
    ax = tall.axes[0]
    assert ax.get_title() == "t" and ax.get_xlabel()
    boxes = [t for t in ax.texts if not isinstance(t, matplotlib.text.Annotation)]
    assert len(boxes) == len(topological_order(loss)) == 24
    assert all(t.get_fontsize() >= 9 for t in boxes)
    tall.canvas.draw()
    extents = [t.get_bbox_patch().get_window_extent() for t in boxes]
    assert all(ax.bbox.contains(e.x0, e.y0) and ax.bbox.contains(e.x1, e.y1) for e in extents)
    assert not any(a.overlaps(b) for i, a in enumerate(extents) for b in extents[i + 1:])
    # every node lies below its inputs: the forward pass runs down the page
    y = {id(n): t.get_position()[1] for n, t in zip(topological_order(loss), boxes)}
    assert all(y[id(i)] > y[id(n)] for n in topological_order(loss) for i in n.inputs)
    assert len([c for c in ax.get_children() if isinstance(c, matplotlib.text.Annotation) and not c.get_text()]) \
        == sum(len(n.inputs) for n in topological_order(loss))
    plt.close("all")


def test_the_sigmoid_operation_is_as_exact_as_chapter_2s_down_to_the_smallest_float():
    a = np.array([-745.0, -700.0, -100.0, -38.0, -1.0, 0.0, 1.0, 38.0, 1000.0])
    with np.errstate(all="raise"):  # no overflow, and no warning about exp(-1000) rounding to 0
        out = Tensor(a).sigmoid()
    exact = np.exp(a[:-1]) / (1 + np.exp(a[:-1]))  # exact enough wherever exp(a) does not overflow
    assert out.data[0] > 0 and out.data[3] > 0  # not 0 at -745 or at -38
    assert np.allclose(out.data[1:-1], exact[1:], rtol=1e-15, atol=0)
    assert out.data[-1] == 1.0
    assert Tensor(np.array([-746.0])).sigmoid().data[0] == 0.0  # below half the smallest float
    assert Tensor(np.array([-2.0, 3.0], dtype=np.float32)).sigmoid().data.dtype == np.float32
    # its backward, s (1 - s), is right far out on the left too: about exp(a)
    z = Tensor(np.array([-100.0]))
    z.sigmoid().sum().backward()
    assert z.grad[0] == pytest.approx(np.exp(-100.0), rel=1e-12)


def test_plot_graph_refuses_what_is_not_a_tensor():
    with pytest.raises(TypeError, match=r"plot_graph draws the graph of a Tensor; got ndarray"):
        demos.plot_graph(np.zeros(3), "t")


def test_the_neuron_gradients_are_the_hand_derived_ones():
    L, leaves = demos.neuron_graph(x=(1.0, -2.0), w=(0.5, 0.25), b=0.1, target=0.8)
    L.backward()
    z = 1.0 * 0.5 - 2.0 * 0.25 + 0.1
    h = np.tanh(z)
    delta = 2 * (h - 0.8) * (1 - h**2)
    assert L.item() == pytest.approx((h - 0.8) ** 2)
    assert np.allclose(leaves["w"].grad.ravel(), [delta * 1.0, delta * -2.0])
    assert np.allclose(leaves["b"].grad, [delta])
    assert np.allclose(leaves["t"].grad, [[-2 * (h - 0.8)]])


# --- problem 1: every operation against numerical gradients ------------------------------------


def test_every_operation_of_the_table_is_below_the_tolerance():
    errors = demos.gradient_check_operations(np.random.default_rng(0))
    assert max(errors.values()) < 1e-7, errors
    names = " ".join(errors)
    for wanted in ("added to every row", "used twice", "used three times", "@", "sum(axis=0)", "mean",
                   "exp", "log", "relu", "sigmoid", "tanh", "softmax_cross_entropy", "binary_cross_entropy"):
        assert wanted in names


# --- problem 2: the softmax gradient, and chapter 5 ------------------------------------------------


def test_the_five_softmax_gradients():
    logits = np.array([[2.0, 1.0, -1.0], [0.5, 3.0, 0.0]])
    labels = np.array([0, 2])
    gradients = demos.softmax_gradients(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    truth = (p - np.eye(3)[labels]) / 2
    right = [g for how, g in gradients.items() if "elementwise" not in how]
    assert len(right) == 4
    assert all(np.allclose(g, truth, atol=1e-9) for g in right)
    shortcut = gradients["softmax treated as elementwise, p * (1 - p)"]
    assert np.allclose(shortcut[[0, 1], labels], truth[[0, 1], labels])  # right at the label
    off = np.ones_like(shortcut, dtype=bool)
    off[[0, 1], labels] = False
    assert np.all(shortcut[off] == 0) and np.all(truth[off] > 0)  # 0 where the truth is p / n


@pytest.mark.parametrize("make, X, y", [
    (lambda rng: Network([Dense(2, 16, rng), Activation("tanh"), Dense(16, 16, rng), Activation("relu"),
                          Dense(16, 3, rng)], loss="softmax_cross_entropy"), SPIRALS[0][:32], SPIRALS[1][:32]),
    (lambda rng: Network([Dense(2, 2, rng), Activation("tanh"), Dense(2, 1, rng), Activation("sigmoid")],
                         loss="binary_cross_entropy"), *datasets.xor()),
    (lambda rng: Network([Dense(2, 2, rng), Activation("tanh"), Dense(2, 1, rng)],
                         loss="sigmoid_cross_entropy"), *datasets.xor()),
    (lambda rng: Network([Dense(2, 5, rng), Activation("sigmoid"), Dense(5, 2, rng)], loss="mse"),
     SPIRALS[0][:10], np.random.default_rng(5).normal(size=(10, 2))),
], ids=["softmax", "binary", "sigmoid", "mse"])
def test_autograd_gives_chapter_5s_gradients_to_1e_10(make, X, y):
    net = make(np.random.default_rng(1))
    differences = demos.compare_with_backprop(net, X, y)
    assert set(differences) == {name for name, _ in net.named_parameters()} | {"loss"}
    assert max(differences.values()) < 1e-10, differences


def test_network_graph_loss_shares_the_networks_arrays_and_refuses_unknown_layers():
    rng = np.random.default_rng(0)
    net = Network([Dense(2, 3, rng), Activation("tanh"), Dense(3, 2, rng)])
    _, leaves = demos.network_graph_loss(net, np.zeros((1, 2)), np.array([1]))
    assert all(t.data is p for (_, t), p in zip(leaves, net.parameters()))
    leaky = Network([Dense(2, 3, rng), Activation("leaky_relu"), Dense(3, 2, rng)])
    with pytest.raises(ValueError, match=r"network_graph_loss knows Dense and tanh/relu/sigmoid/linear"):
        demos.network_graph_loss(leaky, np.zeros((1, 2)), np.array([1]))


# --- problem 3: underflow in deep networks ------------------------------------------------------


def test_the_textbook_loss_fails_beyond_a_float64_logit_gap_of_745_and_the_fused_one_does_not():
    logits = np.array([[800.0, 0.0, 10.0], [1.0, 2.0, 3.0]])
    assert demos.logit_gaps(logits).tolist() == [800.0, 2.0]
    naive, naive_grad = demos.loss_and_gradient(demos.naive_softmax_cross_entropy, logits, np.array([1, 2]))
    fused, fused_grad = demos.loss_and_gradient(softmax_cross_entropy, logits, np.array([1, 2]))
    assert not np.isfinite(naive) and not np.all(np.isfinite(naive_grad))
    # -log p: row 1 loses by 800, row 2 is log(e + e^2 + e^3) - 3
    assert fused == pytest.approx((800.0 + np.log(1 + np.exp(-790.0) + np.exp(-800.0))
                                   + np.log(np.exp(-2.0) + np.exp(-1.0) + 1.0)) / 2)
    assert np.all(np.isfinite(fused_grad))


def test_the_textbook_loss_agrees_with_the_fused_one_when_nothing_underflows():
    logits = np.random.default_rng(3).normal(size=(6, 4)) * 3
    labels = np.array([0, 1, 2, 3, 0, 1])
    naive = demos.loss_and_gradient(demos.naive_softmax_cross_entropy, logits, labels)
    fused = demos.loss_and_gradient(softmax_cross_entropy, logits, labels)
    assert naive[0] == pytest.approx(fused[0]) and np.allclose(naive[1], fused[1])


def test_a_deep_float32_network_kills_the_textbook_loss_but_trains_with_the_fused_one():
    X, y = SPIRALS
    naive = demos.train_deep(X, y, demos.naive_softmax_cross_entropy, depth=10, dtype=np.float32)
    fused = demos.train_deep(X, y, softmax_cross_entropy, depth=10, dtype=np.float32)
    assert naive["failed_at"] is not None and not np.isfinite(naive["loss"][-1])
    assert naive["gap"][-1] > 103  # float32: exp(-103.3) is the smallest positive number
    assert fused["failed_at"] is None and len(fused["loss"]) == 300
    assert fused["accuracy"] >= 0.99
    # The same maths: on the same logits, the textbook loss gives the fused loss's value (to
    # float32 rounding) at every step until it fails. (The two *runs* are not compared step by
    # step: the last bits of a float32 matmul depend on the BLAS kernel, a ReLU near 0 can flip,
    # and Adam turns that into a full step - the runs then differ slightly, for a correct reason.)
    finite = np.array(fused["naive_finite"])
    assert not finite.all(), "the fused run notices where the textbook loss would fail"
    until = int(np.argmin(finite))  # the first step at which the textbook loss is not finite
    assert until >= 10
    assert np.allclose(fused["naive_loss"][:until], fused["loss"][:until], rtol=1e-5)
    assert naive["loss"][0] == pytest.approx(fused["loss"][0], rel=1e-6), "the same starting weights"


def test_deeper_networks_reach_larger_logits_and_only_the_textbook_loss_fails():
    rows = demos.depth_experiment(*SPIRALS, depths=(2, 10), seeds=range(3))
    shallow, deep = rows
    assert shallow["naive would fail"] == 0 and deep["naive would fail"] >= 1
    assert shallow["largest gap"] < 50 < 104 < deep["largest gap"]
    assert all(row["fused failed"] == 0 for row in rows)
    assert deep["accuracy"] > 0.98


def test_far_from_the_data_a_float64_relu_network_saturates():
    X, y = SPIRALS
    model = demos.train_deep(X, y, softmax_cross_entropy, depth=10, dtype=np.float64)["model"]
    assert demos.logit_gaps(model.scores(X).data).max() < 745
    far = model.scores(10 * X).data
    assert demos.logit_gaps(far).max() > 745
    assert not np.isfinite(demos.loss_and_gradient(demos.naive_softmax_cross_entropy, far, y)[0])
    value, grad = demos.loss_and_gradient(softmax_cross_entropy, far, y)
    assert np.isfinite(value) and np.all(np.isfinite(grad))


# --- problem 4: XOR with two hidden units -------------------------------------------------------------


def test_a_2_2_1_tanh_network_learns_xor_from_most_seeds():
    runs = demos.xor_runs(range(20), "tanh", n_hidden=2, learning_rate=2.0, steps=2500)
    X, y = datasets.xor()
    solved = [m for m, h in runs.values() if h["solved_at"] is not None]
    assert len(solved) >= 18
    assert all(m.accuracy(X, y) == 1.0 for m in solved)
    for m, h in runs.values():
        if h["solved_at"] is None:  # the notebook: the rare failure sits at ln 2 / 2
            assert h["loss"][-1] == pytest.approx(np.log(2) / 2, abs=2e-3)


def test_tanh_units_start_steep_and_the_failed_run_is_saturated_where_it_is_undecided():
    X, _ = datasets.xor()
    runs = demos.xor_runs(range(20), "tanh", n_hidden=2, learning_rate=2.0, steps=2500)
    start = [demos.hidden_slopes(demos.xor_network(seed), X) for seed in runs]
    assert min(s.min() for s in start) > 0.8  # Normal(0, 0.1) weights: every unit in its steep middle
    failed = [m for m, h in runs.values() if h["solved_at"] is None]
    assert failed
    for model in failed:
        undecided = np.abs(model.predict_proba(X)[:, 1] - 0.5) < 0.05
        assert undecided.sum() == 2
        assert demos.hidden_slopes(model, X)[undecided].max() < 1e-3


def test_hidden_slopes_are_the_derivatives_of_the_activations():
    X = np.array([[1.0, 0.0], [0.0, -1.0], [0.5, 0.5]])
    for hidden in ("tanh", "relu", "sigmoid"):
        model = demos.xor_network(seed=3, hidden=hidden, n_hidden=3, std=1.0)
        W, b = model.layers[0]
        z = X @ W.data + b.data
        slopes = demos.hidden_slopes(model, X)
        assert slopes.shape == (3, 3)
        h = 1e-6
        numeric = (getattr(Tensor(z + h), hidden)().data - getattr(Tensor(z - h), hidden)().data) / (2 * h)
        assert np.allclose(slopes, numeric, atol=1e-6)


def test_relu_needs_more_hidden_units_for_xor_and_its_failures_have_stopped_moving():
    X, _ = datasets.xor()
    two = demos.xor_runs(range(10), "relu", n_hidden=2, learning_rate=2.0, steps=1000)
    eight = demos.xor_runs(range(10), "relu", n_hidden=8, learning_rate=2.0, steps=1000)
    assert sum(h["solved_at"] is not None for m, h in two.values()) <= 2
    assert sum(h["solved_at"] is not None for m, h in eight.values()) >= 8
    failed = [(m, h) for m, h in two.values() if h["solved_at"] is None]
    assert any(demos.dead_units(m, X) > 0 for m, h in failed)
    assert all(abs(h["loss"][-1] - h["loss"][-500]) < 1e-2 for m, h in failed)


def test_training_stops_when_solved_and_counts_its_steps():
    model, history = demos.xor_run(seed=1, learning_rate=2.0, steps=2000, stop_when_solved=True)
    assert history["solved_at"] == history["steps"] == len(history["loss"]) - 1
    assert model.accuracy(*datasets.xor()) == 1.0


def test_dead_units_counts_units_negative_on_every_point():
    model = demos.xor_network(seed=0, hidden="relu", n_hidden=3)
    W, b = model.layers[0]
    W.data[...] = [[1.0, -1.0, 0.5], [1.0, -1.0, 0.5]]
    b.data[...] = [0.0, -0.1, -2.0]  # unit 1: -x1 - x2 - 0.1 < 0 everywhere; unit 2: at most -1
    assert demos.dead_units(model, datasets.xor()[0]) == 2


def test_graph_mlp_refuses_bad_settings():
    with pytest.raises(ValueError, match=r"hidden must be one of tanh, relu, sigmoid; got 'softmax'"):
        demos.GraphMLP([2, 3, 1], np.random.default_rng(0), hidden="softmax")
    with pytest.raises(ValueError, match=r"sizes must list at least two positive layer sizes; got \[2\]"):
        demos.GraphMLP([2], np.random.default_rng(0))


def test_the_xor_explorer_trains_what_its_controls_say():
    explorer = demos.xor_explorer()  # starts at relu, 2 units, seed 0, learning rate 1
    hidden, units, seed, rate = explorer.children[:4]
    assert (hidden.value, units.value, seed.value, rate.value) == ("relu", 2, 0, 1.0)
    seed.value = 1
    assert explorer.result["solved_at"] == demos.xor_run(1, "relu", 2, 1.0)[1]["solved_at"] is not None
    plt.close("all")


# --- the plots ---------------------------------------------------------------------------------


def test_plots_have_titles_and_labelled_axes():
    model, history = demos.xor_run(seed=1, learning_rate=2.0, steps=50)
    assert_readable(demos.plot_xor_run(model, history, "t"))
    X, y = SPIRALS
    runs = {"a": demos.train_deep(X, y, softmax_cross_entropy, depth=3, steps=5)}
    assert_readable(demos.plot_deep_runs(runs, "t"))
