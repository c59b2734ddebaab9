"""Checks for scratchdl/conv.py (chapter 8): im2col, convolution, col2im, pooling, flatten.

Expected values come from the definition of the convolution (an einsum over every window) and
from the checks' own numerical gradients. Sizes are odd and kernels are not square, so that an
off-by-one output size, a swapped axis or a flipped kernel cannot go unnoticed.
"""

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import Mistake, call, expect, expect_array, expect_close, expect_unchanged
from scratchdl.course.numeric import conv2d, central_differences, patches
from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D, col2im, im2col


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


# --- im2col and col2im ------------------------------------------------------------------------


@check_for(
    "8.1", "conv.im2col",
    hints=(
        "sliding_window_view(x, (kh, kw), axis=(2, 3)) has shape (n, c, oh, ow, kh, kw). A column "
        "is indexed by (n, oh, ow) and a row by (c, kh, kw): transpose the axes into the order "
        "(c, kh, kw, n, oh, ow), then reshape to two dimensions.",
        "The view is np.lib.stride_tricks.sliding_window_view; take n, c, h, w from x.shape, and oh "
        "= h - kh + 1, ow = w - kw + 1. transpose takes, for each new position, the number of the "
        "old axis that goes there: old axes (n, c, oh, ow, kh, kw) are numbered 0 to 5. Then "
        "reshape to (c * kh * kw, n * oh * ow).",
    ),
)
def check_im2col():
    """one column per patch, (c * kh * kw, n * oh * ow), with oh = h - kh + 1
    columns in (example, i, j) order; each patch in (channel, u, v) order, like W[f].ravel()
    works for kernels that are not square; leaves x unchanged"""
    x = _random((2, 3, 5, 4), seed=0)
    kh, kw = 2, 3
    given = x.copy()
    what = "im2col(x, kh=2, kw=3) for x of shape (2, 3, 5, 4)"
    got = call(what, im2col, given, kh, kw)
    expect_unchanged(x, given, what)
    expect_array(got, what)
    right = patches(x, kh, kw)
    K, N = right.shape
    if got.shape == (N, K):
        expect(False, f"{what} returned shape {got.shape}: one row per patch. Put one patch per column, "
               f"shape (c * kh * kw, n * oh * ow) = ({K}, {N}).")
    if got.ndim == 2 and got.shape[0] == K and got.shape[1] != N:
        expect(False, f"{what} returned shape {got.shape}: the number of positions is off. A {kh} x {kw} "
               "kernel fits at h - kh + 1 = 4 rows and w - kw + 1 = 2 columns of a 5 x 4 image.")
    by_position = x.transpose(0, 2, 3, 1)  # patch elements in (u, v, channel) order instead
    swapped = np.stack([by_position[e, i:i + kh, j:j + kw].ravel()
                        for e in range(2) for i in range(4) for j in range(2)], axis=1)
    expect_close(got, right, what, mistakes=[
        Mistake(swapped, "each patch must be in (channel, u, v) order - the order of W[f].ravel() - "
                "not (u, v, channel): transpose the axes to (c, kh, kw, n, oh, ow)."),
        Mistake(lambda g: g.shape == right.shape and np.allclose(np.sort(g, axis=None), np.sort(right, axis=None)),
                "the right numbers in the wrong places: columns go in (example, i, j) order and "
                "each column holds one patch in (channel, u, v) order."),
    ])


@check_for(
    "8.3", "conv.col2im",
    hints=(
        "Reshape cols to (c, kh, kw, n, oh, ow). For each offset (u, v), cols[:, u, v] has shape "
        "(c, n, oh, ow): add it to rows u..u + oh and columns v..v + ow of a (c, n, h, w) array "
        "of zeros. Finally transpose to (n, c, h, w).",
        "Take n, c, h, w from x_shape, and oh = h - kh + 1, ow = w - kw + 1. Loop over u in "
        "range(kh) and v in range(kw) and add with += (not =): overlapping patches share pixels, "
        "and their gradients add up. The (c, n, h, w) order lets each slab line up with its slice "
        "without a transpose; transpose (1, 0, 2, 3) once at the end.",
    ),
)
def check_col2im():
    """returns an array of x's shape, adding up every patch's contribution (overlaps add)
    is the exact backward of im2col: sum(im2col(x) * C) == sum(x * col2im(C)) for any x and C"""
    shape, kh, kw = (2, 3, 5, 4), 2, 3
    K, N = 3 * kh * kw, 2 * 4 * 2
    ones = np.ones((K, N))
    what = "col2im(cols, (2, 3, 5, 4), kh=2, kw=3) with every entry of cols equal to 1"
    got = call(what, col2im, ones.copy(), shape, kh, kw)
    expect_array(got, what, shape=shape)
    counts = np.zeros(shape)
    for i in range(4):
        for j in range(2):
            counts[:, :, i:i + kh, j:j + kw] += 1
    expect_close(got, counts, what, mistakes=[
        Mistake(np.minimum(counts, 1), "patches overlap: a pixel's value is the sum over every patch it "
                "is in. Add (+=) each patch's contribution instead of assigning (=)."),
    ])
    C = _random((K, N), seed=1)
    x = _random(shape, seed=2)
    what = "col2im(C, ...) for random C"
    got = call(what, col2im, C.copy(), shape, kh, kw)
    left, right = float(np.sum(patches(x, kh, kw) * C)), float(np.sum(x * got))
    expect(np.isclose(left, right),
           f"{what} is not the backward of im2col: sum(im2col(x) * C) = {left:.6g} but sum(x * col2im(C)) = "
           f"{right:.6g}. Each entry of C belongs to the pixel im2col took it from.")


# --- the convolution layer ---------------------------------------------------------------------


def _padded(x, padding):
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x


def _conv_layer(padding, dtype=np.float64):
    rng = np.random.default_rng(3)
    layer = Conv2D(3, 4, 3, rng, padding=padding, init="zeros", dtype=dtype)
    layer.params["W"][...] = rng.normal(size=(4, 3, 3, 3))
    layer.params["b"][...] = rng.normal(size=4)
    x = rng.normal(size=(2, 3, 6, 5)).astype(dtype)
    return layer, x


@check_for(
    "8.2", "conv.Conv2D.forward",
    hints=(
        "Pad, unroll with your im2col, then one matrix product: W.reshape(c_out, -1) has one row per "
        "kernel, in the same (channel, u, v) order as each column of cols. Add the bias to every "
        "column, then reshape (c_out, n, oh, ow) and swap the first two axes.",
        "np.pad with ((0, 0), (0, 0), (p, p), (p, p)) pads only the two image axes; after padding, "
        "oh = h - k + 1 and ow = w - k + 1. Keep cols in self.cols and the padded input's shape in "
        "self.padded_shape for backward. "
        "(c_out, c*k*k) @ (c*k*k, n*oh*ow) gives (c_out, n*oh*ow), and the bias as a column, b[:, "
        "None], broadcasts over it.",
    ),
)
def check_conv_forward():
    """equals the definition: out[n, f, i, j] = b[f] + sum of x[n, c, i + u, j + v] * W[f, c, u, v]
    output (n, c_out, h + 2p - k + 1, w + 2p - k + 1), for padding 0 and 1
    the kernel is not flipped (deep learning's "convolution" is cross-correlation); keeps float32
    keeps the padded input's columns in self.cols and its shape in self.padded_shape for backward"""
    for padding in (0, 1):
        layer, x = _conv_layer(padding)
        W, b = layer.params["W"], layer.params["b"]
        what = f"Conv2D(3 → 4, 3x3, padding={padding}).forward(x) for x of shape (2, 3, 6, 5)"
        got = call(what, layer.forward, x.copy())
        right = conv2d(x, W, b, padding)
        expect_array(got, what)
        if got.shape == (2, right.shape[2], right.shape[3], 4):
            expect(False, f"{what} returned shape {got.shape}, channels last; move them to axis 1: {right.shape}.")
        if padding and got.shape == conv2d(x, W, b).shape:
            expect(False, f"{what} returned shape {got.shape}: the padding was ignored. Pad x with np.pad first; "
                   f"the output is then {right.shape}.")
        expect_close(got, right, what, mistakes=[
            Mistake(conv2d(x, W[:, :, ::-1, ::-1], b, padding), "you flipped the kernel (the convolution of "
                    "signal processing). Deep-learning layers apply the kernel as it is: cross-correlation."),
            Mistake(conv2d(x, W, 0 * b, padding), "you forgot to add the bias b (one per output channel)."),
        ])
        padded = _padded(x, padding)
        kept = getattr(layer, "padded_shape", None)
        expect(kept is not None and tuple(kept) == padded.shape,
               f"{what} kept self.padded_shape = {kept!r}; backward needs the padded input's shape, {padded.shape} "
               "(see \"Keeps, for backward\" in the docstring).")
        expect(getattr(layer, "cols", None) is not None,
               f"{what} did not keep self.cols; backward needs the columns im2col made (dW = G @ cols.T).")
        expect_close(layer.cols, patches(padded, 3, 3), f"self.cols after {what}", mistakes=[
            Mistake(lambda c: c.shape == patches(x, 3, 3).shape and padding, "self.cols holds the columns of the "
                    "unpadded input; keep those of the padded one (im2col of what the kernel slid over)."),
        ])
    layer32, x32 = _conv_layer(0, np.float32)
    got = call("Conv2D.forward on float32", layer32.forward, x32)
    expect(got.dtype == np.float32, f"a float32 Conv2D given float32 input returned {got.dtype}; keep float32.")


@check_for(
    "8.4", "conv.Conv2D.backward",
    hints=(
        "This is a dense layer's backward on its side. Turn grad_out into G of shape (c_out, n * oh * "
        "ow) (transpose (1, 0, 2, 3), then reshape); then dW = G @ cols.T, db = G.sum(axis=1), and "
        "the gradient for cols is W_flat.T @ G - col2im turns it back into an image.",
        "dW comes out as (c_out, c*k*k): reshape it to W's shape. Return None when "
        "self.input_gradient is False; otherwise col2im(W_flat.T @ G, self.padded_shape, k, k) is "
        "the gradient of the padded input: crop the padding off its two image axes (a slice p:size "
        "- p, or nothing when p is 0, since p:-0 would be empty).",
    ),
)
def check_conv_backward():
    """dW, db and dx equal numerical gradients of sum(conv(x) * grad_out), for padding 0 and 1
    uses self.cols and self.padded_shape as forward keeps them
    dx has the shape of the input (the padding cut off); dW the shape of W; db one per channel
    returns None, with the same dW and db, when input_gradient is False"""
    for padding in (0, 1):
        layer, x = _conv_layer(padding)
        W, b = layer.params["W"].copy(), layer.params["b"].copy()
        _keep_as_forward_would(layer, x)
        G = _random(conv2d(x, W, b, padding).shape, seed=4)
        what = f"Conv2D(3 → 4, 3x3, padding={padding}).backward(grad_out)"
        dx = call(what, layer.backward, G.copy())
        xs, Ws, bs = x.copy(), W.copy(), b.copy()
        f = lambda: float(np.sum(conv2d(xs, Ws, bs, padding) * G))  # noqa: E731
        dW_true, db_true, dx_true = central_differences(f, Ws), central_differences(f, bs), central_differences(f, xs)
        expect(dx is not None, f"{what} returned None; return the gradient for the input.")
        expect_array(dx, what)
        if padding and dx.shape == (2, 3, 8, 7):
            expect(False, f"{what} returned shape {dx.shape}, the padded input's: cut the padding off "
                   "(dpadded[:, :, p:-p, p:-p]) so that dx has the input's shape (2, 3, 6, 5).")
        expect_close(dx, dx_true, f"{what}: the returned dx", atol=1e-6, rtol=1e-6)
        dW, db = np.asarray(layer.grads.get("W")), np.asarray(layer.grads.get("b"))
        expect_close(dW, dW_true, "self.grads['W'] after backward", atol=1e-6, rtol=1e-6, mistakes=[
            Mistake(lambda g: g.shape == (3, 4, 3, 3), "dW must have W's shape (c_out, c_in, k, k) = (4, 3, 3, 3)."),
        ])
        expect_close(db, db_true, "self.grads['b'] after backward", atol=1e-6, rtol=1e-6, mistakes=[
            Mistake(lambda g: g.shape != (4,), "db has one entry per output channel: sum grad_out over the "
                    "examples and every position (G.sum(axis=1))."),
        ])

    layer, x = _conv_layer(0)
    layer.input_gradient = False
    _keep_as_forward_would(layer, x)
    G = _random(conv2d(x, layer.params["W"], layer.params["b"]).shape, seed=4)
    what = "Conv2D.backward(grad_out) with input_gradient=False (a first layer)"
    dx = call(what, layer.backward, G.copy())
    expect(dx is None, f"{what} returned an array; a first layer's input needs no gradient: skip computing "
           "it (no W.T @ G, no col2im) and return None.")
    expect_close(layer.grads.get("W"), _conv_param_gradients(layer, x, G)[0], f"{what}: self.grads['W']", atol=1e-6, rtol=1e-6)


def _keep_as_forward_would(layer, x):
    """Set what Conv2D.forward keeps (its docstring's contract), so that backward is judged alone."""
    padded = _padded(x, layer.padding)
    layer.cols, layer.padded_shape = patches(padded, layer.k, layer.k), padded.shape


def _conv_param_gradients(layer, x, G):
    W, b = layer.params["W"].copy(), layer.params["b"].copy()
    f = lambda: float(np.sum(conv2d(x, W, b, layer.padding) * G))  # noqa: E731
    return central_differences(f, W), central_differences(f, b)


# --- pooling and flatten ----------------------------------------------------------------------

# 2 examples, 2 channels, 5 x 6: the odd height loses its last row. Block (0, 0, 0, 0) has a tie.
POOL_X = _random((2, 2, 5, 6), seed=5)
POOL_X[0, 0, 0:2, 0:2] = [[3.0, 3.0], [1.0, -1.0]]


def _blocks(x):
    """(n, c, h // 2, w // 2, 4): the four members of every 2 x 2 block, in row-major order."""
    n, c, h, w = x.shape
    cropped = x[:, :, : h // 2 * 2, : w // 2 * 2]
    return cropped.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)


def _first_maximum_mask(x):
    """1 at the first maximum (reading order) of every 2 x 2 block of x, 0 elsewhere and in cropped rows."""
    blocks = _blocks(x)
    winner = blocks.argmax(axis=-1)  # the first of equal maxima
    n, c, h, w = x.shape
    mask = np.zeros(x.shape)
    for k, (a, b) in enumerate((a, b) for a in (0, 1) for b in (0, 1)):
        mask[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] = winner == k
    return mask


def _pool_forward(layer_class, exercise, statistic, wrong):
    layer = layer_class()
    what = f"{layer_class.__name__}.forward(x) for x of shape (2, 2, 5, 6)"
    got = call(what, layer.forward, POOL_X.copy(),
               error_hint="a height or width of 5 does not split into 2 x 2 blocks: crop it to an even "
               "size first (x[:, :, : h // 2 * 2, : w // 2 * 2]); the last row is dropped, as in PyTorch.")
    expect_array(got, what)
    if got.shape == (2, 2, 4, 5):
        expect(False, f"{what} returned shape {got.shape}: that is a 2 x 2 window moved one pixel at a time. "
               "The blocks do not overlap (stride 2): the output is (2, 2, 2, 3).")
    expect_close(got, statistic(_blocks(POOL_X)), what, mistakes=[
        Mistake(value, explanation) for value, explanation in wrong(_blocks(POOL_X))])
    return layer


def _expect_shape_kept(layer, shape, what):
    kept = getattr(layer, "x_shape", None)
    expect(kept is not None and tuple(kept) == tuple(shape),
           f"{what} kept self.x_shape = {kept!r}; backward needs the input's shape, {tuple(shape)} "
           "(see \"Keeps, for backward\" in the docstring).")


@check_for(
    "8.5", "conv.MaxPool2D.forward",
    hints=(
        "Crop to an even size, reshape to (n, c, h // 2, 2, w // 2, 2) - axis 3 is the row within the "
        "block, axis 5 the column - and take the maximum over those two axes. For backward, also "
        "mark in self.mask which member of each block was the largest (only one per block).",
        "After cropping to even sizes H = h // 2 * 2 and W = w // 2 * 2, the four members of every "
        "block are the strided slices x[:, :, a:H:2, b:W:2] for a, b in (0, 1). np.stack them into "
        "(4, n, c, h // 2, w // 2): .max(axis=0) is the output, and .argmax(axis=0) says which of "
        "the four won (the first, if tied). self.mask starts as np.zeros_like(x); write (winner == k) "
        "into the slice of member k.",
    ),
)
def check_maxpool_forward():
    """the largest value of every 2 x 2 block, stride 2; shape (n, c, h // 2, w // 2)
    an odd height or width loses its last row or column
    keeps self.mask for backward: 1 at one maximum per block (the first of equal ones), 0 elsewhere"""
    layer = _pool_forward(MaxPool2D, "8.5", lambda blocks: blocks.max(axis=-1),
                          lambda blocks: [(blocks.mean(axis=-1), "that is the mean of each block; max pooling takes the maximum.")])
    what = "MaxPool2D.forward(x) for x of shape (2, 2, 5, 6)"
    mask = getattr(layer, "mask", None)
    expect(mask is not None, f"{what} did not keep self.mask; backward sends each block's gradient through it "
           "(see \"Keeps, for backward\" in the docstring).")
    mask = np.asarray(mask)
    expect(mask.shape == POOL_X.shape, f"self.mask after {what} has shape {mask.shape}; it must have the shape of "
           f"the input, {POOL_X.shape}, with 0 in the cropped last row.")
    right = _first_maximum_mask(POOL_X)
    both = (_blocks(POOL_X) == _blocks(POOL_X).max(axis=-1, keepdims=True))
    expect(np.count_nonzero(_blocks(mask)[0, 0, 0, 0]) <= 1,
           f"self.mask after {what} marks both of a block's two equal maxima (3 and 3): "
           f"{_blocks(mask)[0, 0, 0, 0].tolist()}. The output used one value, so mark only the first (np.argmax "
           "picks it); a mask x == max would send that block's gradient twice.")
    expect_close(mask, right, f"self.mask after {what}", mistakes=[
        Mistake(lambda m: m.shape == right.shape and np.array_equal(_blocks(m) != 0, both) and not m[:, :, 4].any(),
                "the mask marks every maximum of a block; mark only the first."),
        Mistake(lambda m: m.shape == right.shape and m[:, :, 4].any(), "the cropped last row must be 0 in the mask."),
    ])


@check_for(
    "8.6", "conv.MaxPool2D.backward",
    hints=(
        "Only the largest member of each block affected the output, so only it gets the gradient. "
        "forward marked it in self.mask: copy each output's gradient to the four inputs of its block, "
        "then keep only the marked one.",
        "np.repeat grad_out twice along axis 2 and twice along axis 3 to get one value per input "
        "(each block's gradient in all four places); put that into np.zeros of the mask's shape (the "
        "cropped rows stay 0), and multiply by self.mask.",
    ),
)
def check_maxpool_backward():
    """each block's gradient goes to the one input self.mask marks (forward's maximum); the others get 0
    the cropped last row gets no gradient; the shape of forward's input"""
    layer = MaxPool2D()
    layer.mask = _first_maximum_mask(POOL_X)  # what forward keeps: set directly, so this check needs only backward
    G = _random((2, 2, 2, 3), seed=6)
    what = "MaxPool2D.backward(grad_out) with self.mask of an input of shape (2, 2, 5, 6)"
    dx = call(what, layer.backward, G.copy())
    expect_array(dx, what, shape=POOL_X.shape)
    expect(np.all(dx[:, :, 4, :] == 0), f"{what} gave gradient to the last row, which forward cropped away.")
    spread = np.zeros(POOL_X.shape)
    spread[:, :, :4, :] = np.repeat(np.repeat(G, 2, axis=2), 2, axis=3)
    tiled = np.zeros(POOL_X.shape)
    tiled[:, :, :4, :] = np.tile(G, (1, 1, 2, 2))
    expect_close(dx, spread * layer.mask, what, mistakes=[
        Mistake(layer.mask, "you returned the mask itself; multiply it by each block's gradient."),
        Mistake(spread, "every input of a block got the gradient; only the one self.mask marks should (multiply by it)."),
        Mistake(tiled * layer.mask, "np.tile repeats the whole array (1 2 1 2); each block's gradient belongs in its "
                "own 2 x 2 block: np.repeat (1 1 2 2) along axes 2 and 3."),
    ])
    routed = _blocks(dx)
    expect_close(routed.sum(axis=-1), G, f"{what}: the gradient each block passes on")


@check_for(
    "8.7", "conv.AvgPool2D.forward",
    hints=(
        "Like max pooling, with the mean of each block instead of the maximum. The four members of "
        "the blocks are also four strided slices: x[:, :, a::2, b::2] for a, b in {0, 1} (after cropping).",
        "Crop to even sizes H = h // 2 * 2 and W = w // 2 * 2, add up the four strided slices (sum "
        "over a generator, or +) and divide by 4. Keep x.shape in self.x_shape for backward.",
    ),
)
def check_avgpool_forward():
    """the mean of every 2 x 2 block, stride 2; shape (n, c, h // 2, w // 2)
    an odd height or width loses its last row or column; keeps the input's shape in self.x_shape"""
    layer = _pool_forward(AvgPool2D, "8.7", lambda blocks: blocks.mean(axis=-1),
                          lambda blocks: [(blocks.sum(axis=-1), "that is the sum of each block; divide by 4 for the mean."),
                                          (blocks.max(axis=-1), "that is the maximum; average pooling takes the mean.")])
    _expect_shape_kept(layer, POOL_X.shape, "AvgPool2D.forward(x) for x of shape (2, 2, 5, 6)")


@check_for(
    "8.8", "conv.AvgPool2D.backward",
    hints=(
        "Every member of a block counted 1/4 towards its output, so each gets a quarter of the "
        "output's gradient: the same value in all four places of the block.",
        "Start from np.zeros of forward's input shape and, for each of the four offsets (a, b), "
        "assign grad_out / 4 to the strided slice [:, :, a:H:2, b:W:2] (H, W the cropped even "
        "sizes). Cropped rows or columns get 0.",
    ),
)
def check_avgpool_backward():
    """each of a block's four inputs gets a quarter of its output's gradient
    the cropped last row gets none; the shape of forward's input"""
    layer = AvgPool2D()
    layer.x_shape = POOL_X.shape  # what forward keeps: set directly, so this check needs only backward
    G = _random((2, 2, 2, 3), seed=7)
    what = "AvgPool2D.backward(grad_out) with self.x_shape = (2, 2, 5, 6)"
    dx = call(what, layer.backward, G.copy())
    expect_array(dx, what, shape=POOL_X.shape)
    right = np.zeros(POOL_X.shape)
    right[:, :, :4, :] = np.repeat(np.repeat(G / 4, 2, axis=2), 2, axis=3)
    wrong = right.copy()
    wrong[:, :, :4, :] *= 4
    expect_close(dx, right, what, mistakes=[
        Mistake(wrong, "each input gets a quarter of the gradient: the output was their mean, (a + b + c + d) / 4."),
    ])


@check_for(
    "8.9", "conv.Flatten.forward",
    hints=(
        "One row per example: reshape to (n, -1). Remember the shape you were given.",
        "Keep x.shape in self.x_shape for backward, and reshape to (len(x), -1): the -1 lets numpy "
        "work out c * h * w.",
    ),
)
def check_flatten_forward():
    """one row per example, shape (n, c * h * w), values in (c, h, w) order; keeps x.shape in self.x_shape"""
    x = _random((3, 2, 4, 5), seed=8)
    what = "Flatten.forward(x) for x of shape (3, 2, 4, 5)"
    layer = Flatten()
    got = call(what, layer.forward, x.copy())
    expect_array(got, what)
    expect(got.shape != (120,), f"{what} flattened the whole batch into one row; keep one row per example: (3, 40).")
    expect_close(got, x.reshape(3, 40), what, mistakes=[
        Mistake(x.transpose(0, 2, 3, 1).reshape(3, 40), "the values are in (h, w, c) order; keep (c, h, w), the "
                "order the array already has: x.reshape(len(x), -1)."),
    ])
    _expect_shape_kept(layer, x.shape, what)


@check_for(
    "8.10", "conv.Flatten.backward",
    hints=(
        "Give the gradient the shape of forward's input back.",
        "Reshape grad_out to the input shape that forward kept in self.x_shape: a gradient has the "
        "shape of what it is the gradient of.",
    ),
)
def check_flatten_backward():
    """the gradient with the shape of forward's input (self.x_shape), each value back in its place"""
    x = _random((3, 2, 4, 5), seed=9)
    layer = Flatten()
    layer.x_shape = x.shape  # what forward keeps: set directly, so this check needs only backward
    G = _random((3, 40), seed=10)
    what = "Flatten.backward(grad_out) with self.x_shape = (3, 2, 4, 5)"
    got = call(what, layer.backward, G.copy())
    expect_array(got, what)
    expect(got.shape == x.shape, f"{what} returned shape {got.shape}; give it the shape forward was given, {x.shape}.")
    expect_close(got, G.reshape(x.shape), what)
