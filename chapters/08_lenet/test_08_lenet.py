"""Chapter 8, convolution and pooling: checks name typical mistakes; every layer passes the
numerical gradient check below 1e-7 in float64; bad input is refused."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D, col2im, conv2d_loops, im2col, output_size
from scratchdl.course.exercises import substitute
from scratchdl.gradcheck import gradient_check_layer
from scratchdl.training import fit

sliding = np.lib.stride_tricks.sliding_window_view


# --- 8.1 im2col
def im2col_rows(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5).reshape(-1, c * kh * kw)


def im2col_position_major(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(4, 5, 1, 0, 2, 3).reshape(c * kh * kw, -1)


def im2col_one_short(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3))[:, :, :-1, :-1].transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, -1)


# --- 8.2 and 8.4 the convolution layer (built on the reference im2col/col2im through the switch)
def forward(self, x, flip=False, bias=True, pad=True, channels_last=False, keep=True, keep_unpadded=False):
    p = self.padding if pad else 0
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, _, h, w = padded.shape
    oh, ow = h - self.k + 1, w - self.k + 1
    cols = im2col(padded, self.k, self.k)
    if keep:
        self.padded_shape, self.cols = padded.shape, im2col(x, self.k, self.k) if keep_unpadded else cols
    self.cols_under_another_name = cols
    W = self.params["W"][:, :, ::-1, ::-1] if flip else self.params["W"]
    out = W.reshape(self.out_channels, -1) @ cols + (self.params["b"][:, None] if bias else 0)
    out = out.reshape(self.out_channels, n, oh, ow)
    return out.transpose(1, 2, 3, 0) if channels_last else out.transpose(1, 0, 2, 3)


def backward(self, grad_out, crop=True, db_over_batch_only=False):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = grad_out.sum(axis=0) if db_over_batch_only else G.sum(axis=1)
    dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if (p and crop) else dpadded


# --- 8.3 col2im
def col2im_assigning(cols, x_shape, kh, kw):
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1
    slabs = cols.reshape(c, kh, kw, n, oh, ow)
    dx = np.zeros((c, n, h, w))
    for u in range(kh):
        for v in range(kw):
            dx[:, :, u:u + oh, v:v + ow] = slabs[:, u, v]
    return dx.transpose(1, 0, 2, 3)


# --- 8.5-8.8 pooling
def blocks(x):
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2)


def maxpool_mean(self, x):
    return blocks(x).mean(axis=(3, 5))


def maxpool_overlapping(self, x):
    return sliding(x, (2, 2), axis=(2, 3)).max(axis=(4, 5))


def maxpool_uncropped(self, x):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _winners(x):
    """(n, c, h // 2, w // 2): which of the four members of each block is the first maximum."""
    n, c, h, w = x.shape
    return blocks(x).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4).argmax(axis=-1)


def _mask_from(x, chosen):
    n, c, h, w = x.shape
    mask = np.zeros(x.shape)
    for k, (a, b) in enumerate((a, b) for a in (0, 1) for b in (0, 1)):
        mask[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] = chosen(k)
    return mask


def maxpool_mask_of_every_maximum(self, x):
    biggest = blocks(x).max(axis=(3, 5), keepdims=True)
    n, c, h, w = x.shape
    self.mask = np.zeros(x.shape)
    self.mask[:, :, : h // 2 * 2, : w // 2 * 2] = (blocks(x) == biggest).reshape(n, c, h // 2 * 2, w // 2 * 2)  # ties: both
    return blocks(x).max(axis=(3, 5))


def maxpool_keeping_no_mask(self, x):
    self.winner = _winners(x)  # something else: the reference backward could not use it
    return blocks(x).max(axis=(3, 5))


def maxpool_mask_of_the_cropped_shape(self, x):
    n, c, h, w = x.shape
    winner = _winners(x)
    self.mask = _mask_from(x, lambda k: winner == k)[:, :, : h // 2 * 2, : w // 2 * 2]
    return blocks(x).max(axis=(3, 5))


def maxpool_backward_to_all_four(self, grad_out):
    n, c, h, w = self.mask.shape
    dx = np.zeros(self.mask.shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = np.repeat(np.repeat(grad_out, 2, axis=2), 2, axis=3)
    return dx


def maxpool_backward_returning_the_mask(self, grad_out):
    return self.mask.copy()


def maxpool_backward_tiled(self, grad_out):
    n, c, h, w = self.mask.shape
    dx = np.zeros(self.mask.shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = np.tile(grad_out, (1, 1, 2, 2))
    return dx * self.mask


def avgpool_sum(self, x):
    return blocks(x).sum(axis=(3, 5))


def avgpool_keeping_no_shape(self, x):
    self.x = x
    return blocks(x).mean(axis=(3, 5))


def avgpool_backward_without_quarter(self, grad_out):
    n, c, h, w = self.x_shape
    dx = np.zeros(self.x_shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = np.repeat(np.repeat(grad_out, 2, axis=2), 2, axis=3)
    return dx


# --- 8.9, 8.10 flatten
def flatten_everything(self, x):
    self.x_shape = x.shape
    return x.ravel()


def flatten_channels_last(self, x):
    self.x_shape = x.shape
    return x.transpose(0, 2, 3, 1).reshape(len(x), -1)


def flatten_keeping_no_shape(self, x):
    return x.reshape(len(x), -1)


def unflatten_nothing(self, grad_out):
    return grad_out


MISTAKES = [
    ("8.1", im2col_rows, r"one row per patch\. Put one patch per column"),
    ("8.1", im2col_position_major, r"\(channel, u, v\) order"),
    ("8.1", im2col_one_short, r"the number of positions is off"),
    ("8.2", lambda self, x: forward(self, x, flip=True), r"you flipped the kernel"),
    ("8.2", lambda self, x: forward(self, x, bias=False), r"forgot to add the bias"),
    ("8.2", lambda self, x: forward(self, x, pad=False), r"the padding was ignored"),
    ("8.2", lambda self, x: forward(self, x, channels_last=True), r"channels last"),
    ("8.3", col2im_assigning, r"Add \(\+=\) each patch's contribution instead of assigning"),
    ("8.2", lambda self, x: forward(self, x, keep=False), r"kept self\.padded_shape = None; backward needs"),
    ("8.2", lambda self, x: forward(self, x, keep_unpadded=True), r"the columns of the unpadded input"),
    ("8.4", lambda self, g: backward(self, g, crop=False), r"cut the padding off"),
    ("8.4", lambda self, g: backward(self, g, db_over_batch_only=True), r"db has one entry per output channel"),
    ("8.4", backward, r"a first layer's input needs no gradient"),
    ("8.5", maxpool_mean, r"that is the mean of each block"),
    ("8.5", maxpool_overlapping, r"The blocks do not overlap \(stride 2\)"),
    ("8.5", maxpool_uncropped, r"crop it to an even size first"),
    ("8.5", maxpool_mask_of_every_maximum, r"marks both of a block's two equal maxima \(3 and 3\)"),
    ("8.5", maxpool_keeping_no_mask, r"did not keep self\.mask"),
    ("8.5", maxpool_mask_of_the_cropped_shape, r"it must have the shape of the input"),
    ("8.6", maxpool_backward_to_all_four, r"only the one self\.mask marks should"),
    ("8.6", maxpool_backward_returning_the_mask, r"you returned the mask itself"),
    ("8.6", maxpool_backward_tiled, r"np\.tile repeats the whole array"),
    ("8.7", avgpool_sum, r"that is the sum of each block"),
    ("8.7", avgpool_keeping_no_shape, r"backward needs the input's shape"),
    ("8.8", avgpool_backward_without_quarter, r"a quarter of the gradient"),
    ("8.9", flatten_everything, r"keep one row per example"),
    ("8.9", flatten_channels_last, r"\(h, w, c\) order"),
    ("8.9", flatten_keeping_no_shape, r"kept self\.x_shape = None"),
    ("8.10", unflatten_nothing, r"give it the shape forward was given"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    # A backward check sets what forward keeps itself, so each is judged on its own.
    assert_caught(exercise_id, wrong, pattern)


# --- gradient checks and the definition ----------------------------------------------------------


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_equals_the_loop_definition_and_passes_the_gradient_check(padding):
    rng = np.random.default_rng(padding)
    layer = Conv2D(2, 3, 3, rng, padding=padding)
    layer.params["b"][...] = rng.normal(size=3)
    x = rng.normal(size=(2, 2, 6, 5))
    padded = np.pad(x, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))
    assert np.allclose(layer(x), conv2d_loops(padded, layer.params["W"], layer.params["b"]))
    assert layer(x).shape == (2, 3, output_size(6, 3, padding), output_size(5, 3, padding))
    report = gradient_check_layer(layer, x, rng)
    assert report.passed and report.worst() < 1e-7, report


@pytest.mark.parametrize("layer", [MaxPool2D(), AvgPool2D(), Flatten()], ids=repr)
@pytest.mark.parametrize("shape", [(2, 3, 6, 4), (2, 3, 5, 7)])
def test_pooling_and_flatten_pass_the_gradient_check(layer, shape):
    rng = np.random.default_rng(11)
    report = gradient_check_layer(layer, rng.normal(size=shape), rng)
    assert report.passed and report.worst() < 1e-7, report


@pytest.mark.parametrize(
    "layer, x, message",
    [
        (Conv2D(3, 4, 3, np.random.default_rng(0)), np.zeros((2, 1, 8, 8)), r"Conv2D\(3 → 4, 3x3\) expects images of shape \(n, 3, height, width\); got shape \(2, 1, 8, 8\)"),
        (Conv2D(1, 4, 3, np.random.default_rng(0)), np.zeros((2, 784)), r"expects images of shape \(n, 1, height, width\); got shape \(2, 784\)"),
        (Conv2D(1, 4, 5, np.random.default_rng(0)), np.zeros((2, 1, 3, 3)), r"images of 3x3 are smaller than the kernel"),
        (MaxPool2D(), np.zeros((2, 3, 1, 8)), r"MaxPool2D\(2x2\) expects images of shape \(n, channels, height >= 2, width >= 2\)"),
        (AvgPool2D(), np.zeros((2, 12)), r"AvgPool2D\(2x2\) expects images"),
    ],
)
def test_bad_image_shapes_are_refused_with_what_was_expected(layer, x, message):
    with pytest.raises(ValueError, match=message):
        layer(x)


def test_lenet5_reaches_99_percent_within_the_stated_budget():
    # Chapter 8's recipe: raw pixels, 12 epochs of Adam(0.002) with a cosine schedule, batch 128,
    # float32, all 60,000 training images.
    from scratchdl.tools.mnist import load_mnist
    from scratchdl.tools.models import lenet5
    from scratchdl.optimizers import Adam

    data = load_mnist()
    model = lenet5(np.random.default_rng(0))
    fit(model, data.X_train, data.y_train, epochs=12, batch_size=128, optimizer=Adam(0.002),
              schedule="cosine", verbose=0, rng=0)
    assert model.evaluate(data.X_test, data.y_test)["accuracy"] >= 0.990
    assert model.count_parameters() == 6 * 9 + 6 + 16 * 54 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10
