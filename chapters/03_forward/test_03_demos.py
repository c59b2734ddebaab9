"""Chapter 3's demos and the claims the notebook makes about the forward pass and untrained networks."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from scratchdl.tools.datasets import two_moons  # noqa: E402
from chapter_files import chapter_module  # noqa: E402
from scratchdl.layers import Activation, Dense  # noqa: E402
from scratchdl.network import Network  # noqa: E402
from scratchdl.tools.plots import grid_around  # noqa: E402
from readable import assert_readable  # noqa: E402

demos = chapter_module(__file__, "demos")

ARCHITECTURE = [  # the notebook's network
    {"input_dim": 2, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 6, "activation": "relu"},
    {"input_dim": 6, "output_dim": 6, "activation": "relu"},
    {"input_dim": 6, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"},
]
SEEDS = [0, 1, 2, 3]  # the panels of the notebook's figure


@pytest.fixture(scope="module")
def moons():
    return two_moons(200, noise=0.1, rng=np.random.default_rng(0))


def by_hand(seed):
    rng = np.random.default_rng(seed)
    return Network([
        Dense(2, 4, rng, init="he_normal"), Activation("relu"),
        Dense(4, 6, rng, init="he_normal"), Activation("relu"),
        Dense(6, 6, rng, init="he_normal"), Activation("relu"),
        Dense(6, 4, rng, init="he_normal"), Activation("relu"),
        Dense(4, 1, rng, init="xavier_normal"),  # the logit: the sigmoid is in the loss
    ], loss="sigmoid_cross_entropy")


def test_layer_objects_and_the_list_of_dicts_give_the_same_network(moons):
    X, _ = moons
    from_dicts = Network.from_architecture(ARCHITECTURE, np.random.default_rng(0))
    agree = demos.networks_agree(by_hand(0), from_dicts, X)
    assert agree == {"same layers": True, "same parameters": True, "same loss": True,
                     "largest output difference": 0.0}
    # ... and the comparison can tell networks apart
    other = demos.networks_agree(by_hand(1), from_dicts, X)
    assert other["same layers"] and not other["same parameters"] and other["largest output difference"] > 0
    smaller = Network.from_architecture(ARCHITECTURE[:1] + [{"input_dim": 4, "output_dim": 1, "activation": "sigmoid"}],
                                        np.random.default_rng(0))
    assert demos.networks_agree(smaller, from_dicts, X)["same layers"] is False
    assert demos.networks_agree(smaller, from_dicts, X)["same parameters"] is False


def test_the_shape_table_walks_the_batch_through_every_layer(capsys):
    model = Network.from_architecture(ARCHITECTURE, np.random.default_rng(0))
    rows = demos.layer_shapes(model, np.zeros((5, 2)))
    # fan_in * fan_out weights + fan_out biases; activations have none
    assert rows == [
        ("Dense(2 → 4)", (5, 2), (5, 4), 2 * 4 + 4), ("Activation('relu')", (5, 4), (5, 4), 0),
        ("Dense(4 → 6)", (5, 4), (5, 6), 4 * 6 + 6), ("Activation('relu')", (5, 6), (5, 6), 0),
        ("Dense(6 → 6)", (5, 6), (5, 6), 6 * 6 + 6), ("Activation('relu')", (5, 6), (5, 6), 0),
        ("Dense(6 → 4)", (5, 6), (5, 4), 6 * 4 + 4), ("Activation('relu')", (5, 4), (5, 4), 0),
        ("Dense(4 → 1)", (5, 4), (5, 1), 4 * 1 + 1),  # no sigmoid layer: it is in the loss
    ]
    assert sum(row[3] for row in rows) == 117 == model.count_parameters()
    demos.print_layer_shapes(rows)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 11 and lines[0].split() == ["layer", "input", "output", "parameters"]
    assert lines[-1].split() == ["total", "117"]
    assert demos.layer_shapes(model, np.zeros((1, 2)))[-1][2] == (1, 1), "a batch of one works too"


def test_a_wrong_width_and_a_single_vector_are_refused_with_both_shapes():
    model = Network.from_architecture(ARCHITECTURE, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Dense\(2 → 4\) expects input of shape \(n, 2\); got shape \(5, 3\)"):
        model(np.ones((5, 3)))
    with pytest.raises(ValueError, match=r"expects input of shape \(n, 2\); got shape \(2,\)"):
        model(np.ones(2))
    assert model(np.ones(2).reshape(1, -1)).shape == (1, 1)
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(n, n_features\); got \(2,\)"):
        demos.layer_shapes(model, np.ones(2))


def test_an_untrained_network_is_unsure_and_its_accuracy_is_luck(moons):
    X, y = moons
    model = Network.from_architecture(ARCHITECTURE, np.random.default_rng(0))
    probabilities = model.predict_proba(X)
    assert probabilities.shape == (200, 2) and np.allclose(probabilities.sum(axis=1), 1)
    assert np.all(np.abs(probabilities - 0.5) < 0.1), "all its probabilities stay close to 0.5"
    accuracies = [np.mean(Network.from_architecture(ARCHITECTURE, np.random.default_rng(s)).predict(X) == y)
                  for s in SEEDS]
    assert min(accuracies) < 0.3 and max(accuracies) > 0.55, "from far below 50% to above it"


def test_the_figure_shows_each_seed_with_its_accuracy(moons):
    X, y = moons
    fig = demos.plot_untrained_regions(ARCHITECTURE, X, y, SEEDS, columns=2)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]
    assert len(panels) == 4 and fig.get_suptitle()
    for ax, seed in zip(panels, SEEDS):
        predicted = Network.from_architecture(ARCHITECTURE, np.random.default_rng(seed)).predict(X)
        assert ax.get_title() == f"seed {seed}: accuracy {np.mean(predicted == y):.1%}"
    assert_readable(fig)
    fig = demos.plot_untrained_regions(ARCHITECTURE, X, y, [0, 1, 2])
    assert sum(ax.get_visible() and ax.get_label() != "<colorbar>" for ax in fig.axes) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="seeds is empty"):
        demos.plot_untrained_regions(ARCHITECTURE, X, y, [])


def panel_parts(ax):
    """What a panel of plot_untrained_regions draws: its p image, its rays and its legend labels."""
    image = ax.get_images()[0]
    rays = [line for line in ax.get_lines() if len(line.get_xdata()) == 2]
    return image, rays, [text.get_text() for text in ax.get_legend().get_texts()]


def test_the_panels_share_one_colour_scale_centred_on_one_half_with_a_colour_bar(moons):
    X, y = moons
    fig = demos.plot_untrained_regions(ARCHITECTURE, X, y, SEEDS, columns=2)
    bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(bars) == 1 and "probability of class 1" in bars[0].get_ylabel()
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    limits = {panel_parts(ax)[0].get_clim() for ax in panels}
    assert len(limits) == 1, "one scale for every panel"
    low, high = limits.pop()
    assert low + high == pytest.approx(1.0), "white (the middle of the scale) is p = 0.5"
    _, _, grid = grid_around(X, 200)
    extremes = [Network.from_architecture(ARCHITECTURE, np.random.default_rng(s)).predict_proba(grid)[:, 1]
                for s in SEEDS]
    assert low == pytest.approx(min(p.min() for p in extremes)) or high == pytest.approx(max(p.max() for p in extremes))
    plt.close(fig)


def test_the_boundaries_are_whole_rays_and_the_flat_wedges_are_drawn_whole(moons):
    """The figure's lines: one straight ray from the origin per change of the predicted class,
    found direction by direction, so that even a wedge narrower than the grid is drawn."""
    X, y = moons
    fig = demos.plot_untrained_regions(ARCHITECTURE, X, y, SEEDS, columns=2)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.get_visible()]
    angles = np.linspace(0, 2 * np.pi, 200_000, endpoint=False)
    circle = np.column_stack([np.cos(angles), np.sin(angles)])
    for ax, seed in zip(panels, SEEDS):
        model = Network.from_architecture(ARCHITECTURE, np.random.default_rng(seed))
        assert demos.is_ray_network(model, X)
        s = demos.scores(model, circle)[:, 0]
        _, rays, labels = panel_parts(ax)
        changes = int(np.sum((s > 0) != np.roll(s > 0, -1)))
        assert len(rays) == changes
        for ray in rays:
            (x0, x1), (y0, y1) = ray.get_xdata(), ray.get_ydata()
            assert (x0, y0) == (0, 0)
            angle = np.arctan2(y1, x1)
            step = 1e-7 * np.array([[np.cos(angle + np.pi / 2), np.sin(angle + np.pi / 2)]])
            direction = np.array([[np.cos(angle), np.sin(angle)]])
            left, right = demos.scores(model, direction + step)[0, 0], demos.scores(model, direction - step)[0, 0]
            assert (left > 0) != (right > 0), "the class changes across every ray drawn"
        wedges = demos.ray_edges(model)["flat"]
        assert len(ax.patches) == len(wedges)
        assert ("p exactly 0.5" in labels) == bool(wedges) == bool(np.any(s == 0))
        assert ("boundary, p = 0.5" in labels) == bool(rays), "a legend entry only for what is drawn"
        assert labels[-2:] == ["class 0", "class 1"]
        for first, last in wedges:
            inside = (angles - first) % (2 * np.pi) < (last - first)
            assert np.all(s[inside] == 0), "the wedge is flat"
    seed0 = demos.ray_edges(Network.from_architecture(ARCHITECTURE, np.random.default_rng(0)))["flat"]
    assert len(seed0) == 1 and np.degrees(seed0[0][1] - seed0[0][0]) < 1, "seed 0's wedge: under a degree"
    assert len(panel_parts(panels[0])[1]) == 6, "its two edges are two of seed 0's six rays"
    assert panel_parts(panels[2])[1] == [], "seed 2: no boundary"
    plt.close(fig)


def test_networks_that_are_not_ray_networks_get_their_boundary_traced_on_the_grid(moons):
    X, y = moons
    tanh = [dict(spec, activation="tanh") for spec in ARCHITECTURE[:-1]] + ARCHITECTURE[-1:]
    assert not demos.is_ray_network(Network.from_architecture(tanh, np.random.default_rng(0)), X)
    fig = demos.plot_untrained_regions(tanh, X, y, [0, 1])
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in panels:
        _, rays, labels = panel_parts(ax)
        assert rays == [] and ax.collections, "a contour, not rays"
    assert_readable(fig)
    p = np.array([[0.5, 0.5, 0.7], [0.5, 0.2, 0.5]])
    field = demos.decision_field(p)
    assert np.array_equal(field > 0, p > 0.5) and np.all(field[p == 0.5] < 0), "p = 0.5 is class 0's side"


def hidden_layers_all_zero(model, points):
    """For each point: is there a ReLU layer all of whose units output 0?"""
    dead = np.zeros(len(points), dtype=bool)
    a = points
    for layer in model.layers[:-1]:
        a = layer(a)
        if isinstance(layer, Activation):
            dead |= np.all(a == 0, axis=1)
    return dead


def test_boundaries_are_rays_from_the_origin_and_flat_wedges_are_dead_layers(moons):
    X, _ = moons
    _, _, grid = grid_around(X)
    one_panel_without_a_line = []
    for seed in SEEDS:
        model = Network.from_architecture(ARCHITECTURE, np.random.default_rng(seed))
        s = demos.scores(model, X)
        for factor in (0.5, 3.0, 10.0):
            assert np.allclose(demos.scores(model, factor * X), factor * s, rtol=1e-12, atol=1e-12)
        p = model.predict_proba(grid)[:, 1]
        one_panel_without_a_line.append(p.max() <= 0.5)
        assert np.array_equal(p == 0.5, hidden_layers_all_zero(model, grid)), "exactly 0.5 <=> a dead layer"
        distance = np.linalg.norm(grid, axis=1)
        near, far = distance < 0.3, distance > 1.5
        assert np.abs(p[near] - 0.5).max() < np.abs(p[far] - 0.5).max(), "surer away from the origin"
    assert one_panel_without_a_line == [False, False, True, False], "seed 2 predicts class 0 everywhere"
    wedge = Network.from_architecture(ARCHITECTURE, np.random.default_rng(2)).predict_proba(grid)[:, 1] == 0.5
    assert wedge.mean() > 0.1, "seed 2's white wedge is a large part of the plane"


def test_with_tanh_the_boundary_bends_but_still_passes_through_the_origin(moons):
    X, _ = moons
    tanh = [dict(spec, activation="tanh") for spec in ARCHITECTURE[:-1]] + ARCHITECTURE[-1:]
    model = Network.from_architecture(tanh, np.random.default_rng(0))
    assert np.allclose(demos.scores(model, -X), -demos.scores(model, X)), "odd: s(-x) = -s(x), so s(0) = 0"
    assert not np.allclose(demos.scores(model, 3 * X), 3 * demos.scores(model, X)), "no longer along rays"


def test_demo_functions_refuse_what_they_cannot_use(moons):
    X, _ = moons
    with pytest.raises(TypeError, match="expected a scratchdl Network; got list"):
        demos.layer_shapes([Dense(2, 3, np.random.default_rng(0))], X)
    with pytest.raises(ValueError, match=r"x must be a numpy array of shape \(n, n_features\); got \(2,\)"):
        demos.scores(by_hand(0), X[0])


def test_the_scores_are_the_logits_with_the_sigmoid_as_a_layer_or_in_the_loss(moons):
    X, _ = moons
    fused = by_hand(0)
    two_step = Network.from_architecture(ARCHITECTURE, np.random.default_rng(0), loss="binary_cross_entropy")
    assert repr(two_step.layers[-1]) == "Activation('sigmoid')"
    assert np.array_equal(demos.scores(fused, X), demos.scores(two_step, X))
    assert np.array_equal(demos.scores(fused, X), fused(X)), "the fused network outputs the logit itself"
