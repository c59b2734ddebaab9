"""Draw-a-digit: a drawing is prepared the way MNIST's digits were, and the widget classifies it."""

import base64

import numpy as np
import pytest

from scratchdl.tools.draw import DigitCanvas, box_weights, draw_digit, plot_drawing, prepare_drawing, resize
from scratchdl.tools.mnist import load_mnist
from readable import assert_readable


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def drawn(digit, scale, top, left, size=224):
    """An MNIST digit as a learner might draw it: blown up `scale` times, somewhere on the canvas."""
    canvas = np.zeros((size, size))
    big = np.kron(digit, np.ones((scale, scale)))
    canvas[top:top + big.shape[0], left:left + big.shape[1]] = big
    return canvas


@pytest.mark.parametrize("scale, top, left", [(8, 0, 0), (6, 40, 10), (4, 100, 110), (3, 5, 130)])
def test_a_blown_up_mnist_digit_anywhere_on_the_canvas_comes_back_as_itself(mnist, scale, top, left):
    # MNIST's digits were made this way (cut out, scaled to 20 pixels, centred by mass), so
    # preparing an enlarged, shifted copy must give the original image back.
    for i in range(5):
        original = mnist.X_test[i, 0]
        prepared = prepare_drawing(drawn(original, scale, top, left))
        assert prepared.shape == (1, 1, 28, 28) and prepared.dtype == np.float32
        assert np.abs(prepared[0, 0] - original).max() < 0.02, f"test digit {i}"


def test_a_small_drawing_is_scaled_up_to_twenty_pixels_and_centred():
    canvas = np.zeros((224, 224))
    canvas[10:30, 200:210] = 1.0  # a bar 20 high and 10 wide, in a corner
    image = prepare_drawing(canvas)[0, 0]
    rows, cols = np.nonzero(image > 0.5)
    assert rows.max() - rows.min() + 1 == 20 and cols.max() - cols.min() + 1 == 10  # proportions kept
    ys, xs = np.indices(image.shape)
    assert abs((ys * image).sum() / image.sum() - 14) <= 0.5 and abs((xs * image).sum() / image.sum() - 14) <= 0.5


def test_box_weights_average_what_each_new_pixel_covers():
    assert np.allclose(box_weights(4, 2), [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    assert np.allclose(box_weights(3, 2), [[2 / 3, 1 / 3, 0], [0, 1 / 3, 2 / 3]])
    assert np.allclose(resize(np.full((7, 5), 0.3), 3, 2), 0.3)


def test_an_empty_canvas_or_a_wrong_shape():
    assert prepare_drawing(np.zeros((50, 50))) is None
    with pytest.raises(ValueError, match=r"2-D array \(height, width\); got shape \(1, 50, 50\)"):
        prepare_drawing(np.zeros((1, 50, 50)))


def test_the_widget_classifies_what_is_drawn_with_every_model(mnist):
    means = np.stack([mnist.X_train[mnist.y_train == k].mean(axis=0).ravel() for k in range(10)])

    def nearest_mean(images):  # probabilities from the distance to each class's average image
        d = ((images.reshape(len(images), 1, -1) - means) ** 2).sum(axis=2)
        e = np.exp(-(d - d.min(axis=1, keepdims=True)))
        return e / e.sum(axis=1, keepdims=True)

    view = draw_digit({"nearest mean": nearest_mean, "always 7": lambda images: np.eye(10)[[7] * len(images)]})
    assert view.result is None
    digit, label = mnist.X_test[0, 0], int(mnist.y_test[0])
    canvas = drawn(digit, 6, 20, 20)
    view.canvas.pixels = base64.b64encode(np.round(canvas * 255).astype(np.uint8).tobytes()).decode()
    assert set(view.result) == {"nearest mean", "always 7"}
    assert int(np.argmax(view.result["nearest mean"])) == label
    assert np.isclose(view.result["nearest mean"].sum(), 1.0) and view.result["always 7"][7] == 1.0
    view.canvas.pixels = ""  # the Clear button
    assert view.result is None


def test_the_canvas_decodes_one_byte_per_pixel():
    canvas = DigitCanvas(size=4)
    canvas.pixels = base64.b64encode(bytes([0, 255, 0, 0] * 4)).decode()
    assert np.array_equal(canvas.drawing(), np.tile([0.0, 1.0, 0.0, 0.0], (4, 1)))


def test_the_plot_is_readable(mnist):
    image = mnist.X_test[:1]
    assert_readable(plot_drawing(image, {"a": np.full(10, 0.1), "b": np.eye(10)[3]}))
