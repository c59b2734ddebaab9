"""Checks for scratchdl/conv.py (chapter 8): im2col, convolution, col2im, pooling.

Expected values come from the definition of the convolution (an einsum over every window) and
from the checks' own numerical gradients. Sizes are odd and kernels are not square, so that an
off-by-one output size, a swapped axis or a flipped kernel cannot go unnoticed. The wrong
answers that learners typically give are computed here too, so that a failure can say which
mistake it was - and the errors numpy raises are read with this chapter's shapes in mind, since
its generic advice (keepdims, a transpose) rarely fits a convolution.
"""

import re

import numpy as np

from scratchdl.course.checks import check_for
from scratchdl.course.expect import (
    Mistake,
    call,
    expect,
    expect_array,
    expect_close,
    expect_dtype_kept,
    expect_same_again,
    expect_unchanged,
    matmul_sizes,
    shapes_in,
)
from scratchdl.course.numeric import conv2d, central_differences, patches
from scratchdl.conv import AvgPool2D, Conv2D, MaxPool2D, col2im, im2col

windows = np.lib.stride_tricks.sliding_window_view


def _random(shape, seed):
    return np.random.default_rng(seed).normal(size=shape)


# --- reading numpy's errors with this chapter's shapes ---------------------------------------------
# A diagnosis is a function of an error's message that returns advice when it recognises the
# mistake behind it, else "". (A candidate for expect.py: call() with a list of diagnoses.)


def _diagnosed(diagnoses):
    """An error_hint for call(): the advice of the first diagnosis (a function of numpy's error
    message) that fits, so numpy's general advice is given only when none of them does."""
    return lambda error: next((hint for hint in (diagnose(str(error)) for diagnose in diagnoses) if hint), "")


def _reshape_target(message):
    found = re.search(r"cannot reshape array of size \d+ into shape \(([\d,\s]*)\)", message)
    return tuple(int(n) for n in found.group(1).split(",") if n.strip()) if found else None


def _kept_only(kept):
    """A backward that reads something forward does not keep (self.x, say)."""
    def diagnose(message):
        found = re.search(r"has no attribute '(\w+)'", message)
        if not found:
            return ""
        return (f"backward used self.{found.group(1)}, which forward does not keep. Use only what "
                f"forward's docstring lists under \"Keeps, for backward\": {kept}.")
    return diagnose


# --- im2col and col2im ------------------------------------------------------------------------

IMAGE = _random((2, 3, 5, 4), seed=0)  # n, c, h, w: a 2 x 3 kernel fits at 4 x 2 positions
KH, KW = 2, 3


def _im2col_diagnoses(x, kh, kw):
    n, c, h, w = x.shape
    swapped = (c * kh * kw, n * (h - kw + 1) * (w - kh + 1))

    def swapped_sizes(message):
        if _reshape_target(message) == swapped:
            return ("kh and kw are swapped in the number of positions: oh = h - kh + 1 (kh goes with "
                    "the height, axis 2) and ow = w - kw + 1.")
        return ""
    return [swapped_sizes]


@check_for(
    "8.1", "conv.im2col",
    hints=(
        "No loops needed: numpy can show you every kh x kw window of x at once, as extra axes of a "
        "view. What is left is to put those axes in the order the docstring asks for.",
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
    works for kernels that are not square (kh rows by kw columns)
    leaves x unchanged and gives the same columns on a second call; float32 stays float32"""
    x, kh, kw = IMAGE, KH, KW
    what = "im2col(x, kh=2, kw=3) for x of shape (2, 3, 5, 4)"
    given = x.copy()
    got = call(what, im2col, given, kh, kw, error_hint=_diagnosed(_im2col_diagnoses(x, kh, kw)))
    expect_unchanged(x, given, what)
    expect_array(got, what)
    right = patches(x, kh, kw)
    K, N = right.shape
    if got.shape == (N, K):
        expect(False, f"{what} returned shape {got.shape}: one row per patch. Put one patch per column, "
               f"shape (c * kh * kw, n * oh * ow) = ({K}, {N}).")
    if got.ndim != 2 and got.size == right.size:
        expect(False, f"{what} returned a {got.ndim}-D array of shape {got.shape}: reshape it to two "
               f"dimensions, (c * kh * kw, n * oh * ow) = ({K}, {N}).")
    if got.shape == patches(x, kw, kh).shape:
        expect(False, f"{what} returned shape {got.shape}: the window was kw rows by kh columns - kh and kw "
               f"are swapped. A patch is kh rows (axis 2) by kw columns (axis 3): pass (kh, kw) in that "
               f"order; the result is then ({K}, {N}).")
    if got.ndim == 2 and got.shape[0] == K and got.shape[1] != N:
        expect(False, f"{what} returned shape {got.shape}: the number of positions is off. A {kh} x {kw} "
               "kernel fits at h - kh + 1 = 4 rows and w - kw + 1 = 2 columns of a 5 x 4 image.")
    view = windows(x, (kh, kw), axis=(2, 3))  # (n, c, oh, ow, kh, kw)
    expect_close(got, right, what, mistakes=[
        Mistake(view.transpose(4, 5, 1, 0, 2, 3).reshape(K, N), "each patch must be in (channel, u, v) "
                "order - the order of W[f].ravel() - not (u, v, channel): transpose the axes to "
                "(c, kh, kw, n, oh, ow)."),
        Mistake(view.transpose(1, 5, 4, 0, 2, 3).reshape(K, N), "each patch is in (channel, v, u) order: "
                "the kernel's rows (kh) and columns (kw) are swapped. Keep the view's axes 4 and 5 in "
                "their order: transpose(1, 4, 5, 0, 2, 3)."),
        Mistake(view.reshape(K, N), "you reshaped the window view without moving its axes: reshape "
                "re-reads the numbers in their (n, c, oh, ow, kh, kw) order, it does not move them. "
                "transpose to (c, kh, kw, n, oh, ow) first, then reshape."),
        Mistake(view.transpose(1, 4, 5, 2, 3, 0).reshape(K, N), "the columns are in (i, j, example) "
                "order; they go example by example: (example, i, j), the axes (n, oh, ow)."),
        Mistake(lambda g: g.shape == right.shape and np.allclose(np.sort(g, axis=None), np.sort(right, axis=None)),
                "the right numbers in the wrong places: columns go in (example, i, j) order and "
                "each column holds one patch in (channel, u, v) order."),
    ])
    again = call(what, im2col, given, kh, kw)
    expect_same_again(got, again, what)
    got32 = call(f"{what} in float32", im2col, x.astype(np.float32), kh, kw)
    expect_dtype_kept(got32, np.float32, "im2col")


def _col2im_loops(cols, x_shape, kh, kw):
    """The checks' own col2im: every column's values added back to the patch it came from."""
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1
    out = np.zeros(x_shape)
    column = 0
    for example in range(n):
        for i in range(oh):
            for j in range(ow):
                out[example, :, i:i + kh, j:j + kw] += cols[:, column].reshape(c, kh, kw)
                column += 1
    return out


def _col2im_diagnoses(x_shape, kh, kw):
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1

    def accumulator_in_image_order(message):
        shapes = shapes_in(message)
        if (c, n, oh, ow) in shapes and (n, c, oh, ow) in shapes:
            return (f"a slab cols[:, u, v] has shape (c, n, oh, ow) = {(c, n, oh, ow)}, and you added it to "
                    "an (n, c, ...) array. Add it up in a (c, n, h, w) array of zeros and transpose "
                    "(1, 0, 2, 3) once at the end.")
        return ""

    def slice_length(message):
        shapes = shapes_in(message)
        if (c, n, oh, ow) in shapes and any(len(s) == 4 and s[:2] == (c, n) and s != (c, n, oh, ow) for s in shapes):
            return (f"the slab for offset (u, v) is oh x ow = {oh} x {ow}: it covers rows u to u + oh and "
                    "columns v to v + ow, the slice [:, :, u:u + oh, v:v + ow].")
        return ""

    def swapped_sizes(message):
        if _reshape_target(message) == (c, kh, kw, n, h - kw + 1, w - kh + 1):
            return ("kh and kw are swapped in the number of positions: oh = h - kh + 1 (kh goes with "
                    "the height) and ow = w - kw + 1.")
        return ""
    return [accumulator_in_image_order, slice_length, swapped_sizes]


@check_for(
    "8.3", "conv.col2im",
    hints=(
        "col2im undoes im2col: every entry of cols came from one pixel and goes back to it. A pixel "
        "that sat in several patches receives a value from each of them - what should happen to "
        "those values?",
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
    is the exact backward of im2col: each entry of cols goes back to the pixel im2col took it from
    leaves cols unchanged and gives the same answer on a second call; float32 stays float32"""
    shape, kh, kw = IMAGE.shape, KH, KW
    n, c, h, w = shape
    oh, ow = h - kh + 1, w - kw + 1
    K, N = c * kh * kw, n * oh * ow
    diagnoses = _col2im_diagnoses(shape, kh, kw)
    what = "col2im(cols, (2, 3, 5, 4), kh=2, kw=3) with every entry of cols equal to 1"
    got = call(what, col2im, np.ones((K, N)), shape, kh, kw, error_hint=_diagnosed(diagnoses))
    expect_array(got, what)
    if got.shape == (c, n, h, w):
        expect(False, f"{what} returned shape {got.shape}, (c, n, h, w): move the axes back to (n, c, h, w) "
               f"= {shape} at the end, with transpose(1, 0, 2, 3).")
    counts = _col2im_loops(np.ones((K, N)), shape, kh, kw)
    expect_close(got, counts, what, mistakes=[
        Mistake(np.minimum(counts, 1), "patches overlap: a pixel's value is the sum over every patch it "
                "is in. Add (+=) each patch's contribution instead of assigning (=)."),
    ])
    C = _random((K, N), seed=1)
    given = C.copy()
    what = "col2im(C, (2, 3, 5, 4), kh=2, kw=3) for random C"
    got = call(what, col2im, given, shape, kh, kw, error_hint=_diagnosed(diagnoses))
    expect_unchanged(C, given, what)
    right = _col2im_loops(C, shape, kh, kw)
    by_position = np.zeros(shape)  # rows of C read in (u, v, channel) order, as a position-major im2col makes them
    slabs = C.reshape(kh, kw, c, n, oh, ow)
    for u in range(kh):
        for v in range(kw):
            by_position[:, :, u:u + oh, v:v + ow] += slabs[u, v].transpose(1, 0, 2, 3)
    expect_close(got, right, what, mistakes=[
        Mistake(right.transpose(1, 0, 2, 3).reshape(shape), "you reshaped the (c, n, h, w) sum to (n, c, h, w): "
                "reshape re-reads the numbers in memory order, it does not move the axes. Use "
                "transpose(1, 0, 2, 3)."),
        Mistake(by_position, "the rows of cols are in (channel, u, v) order, the order im2col makes: "
                "reshape to (c, kh, kw, n, oh, ow), not (kh, kw, c, ...)."),
    ])
    again = call(what, col2im, given, shape, kh, kw)
    expect_same_again(got, again, what)
    got32 = call(f"{what}, in float32", col2im, C.astype(np.float32), shape, kh, kw)
    expect_dtype_kept(got32, np.float32, "col2im")


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


def _conv_forward_diagnoses(layer, x):
    n, c, h, w = x.shape
    k, p, f = layer.k, layer.padding, layer.out_channels

    def padded_every_axis(message):
        if p and matmul_sizes(message) in ((c * k * k, (c + 2 * p) * k * k), ((c + 2 * p) * k * k, c * k * k)):
            return (f"np.pad(x, p) pads every axis, the examples and the channels too: x became "
                    f"{(n + 2 * p, c + 2 * p, h + 2 * p, w + 2 * p)}. Pad only height and width: "
                    "np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))).")
        return ""

    def pad_pairs(message):
        if "remapped shapes" in message:
            return ("np.pad takes one (before, after) pair per axis of x - four for (n, c, h, w): "
                    "((0, 0), (0, 0), (p, p), (p, p)) pads height and width only.")
        return ""

    def dense_style_bias(message):
        shapes = shapes_in(message)
        if "broadcast" in message and (f,) in shapes:
            other = next((s for s in shapes if s != (f,)), None)
            return (f"b has shape ({f},), one bias per output channel, and numpy lines shapes up from "
                    f"the right, so b met the last axis of {other}, not the channels. Add it as a column, "
                    "b[:, None], to the (c_out, n * oh * ow) product (or as b[None, :, None, None] to "
                    "the 4-D output).")
        return ""

    def unpadded_positions(message):
        target = _reshape_target(message)
        if p and target and target[-2:] == (h - k + 1, w - k + 1):
            return (f"oh and ow count the kernel's positions in the padded image: oh = h + 2p - k + 1 = "
                    f"{h + 2 * p - k + 1} and ow = {w + 2 * p - k + 1}. Take h and w from padded.shape, "
                    "not x.shape.")
        return ""
    return [padded_every_axis, pad_pairs, dense_style_bias, unpadded_positions]


@check_for(
    "8.2", "conv.Conv2D.forward",
    hints=(
        "Your im2col has done the hard part: once every patch is a column, each output of every "
        "image is the dot product of one kernel with one column - so all of them together are one "
        "matrix product.",
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
    the kernel is not flipped (deep learning's "convolution" is cross-correlation)
    keeps the padded input's columns in self.cols and its shape in self.padded_shape for backward
    leaves x unchanged and gives the same output on a second call; float32 stays float32"""
    for padding in (0, 1):
        layer, x = _conv_layer(padding)
        W, b = layer.params["W"], layer.params["b"]
        what = f"Conv2D(3 → 4, 3x3, padding={padding}).forward(x) for x of shape (2, 3, 6, 5)"
        given = x.copy()
        got = call(what, layer.forward, given, error_hint=_diagnosed(_conv_forward_diagnoses(layer, x)))
        expect_unchanged(x, given, what)
        right = conv2d(x, W, b, padding)
        expect_array(got, what)
        if got.shape == (2, right.shape[2], right.shape[3], 4):
            expect(False, f"{what} returned shape {got.shape}, channels last; move them to axis 1: {right.shape}.")
        if padding and got.shape == conv2d(x, W, b).shape:
            expect(False, f"{what} returned shape {got.shape}: the padding was ignored. Pad x with np.pad first; "
                   f"the output is then {right.shape}.")
        padded = _padded(x, padding)
        n, c_out, oh, ow = right.shape
        product = W.reshape(c_out, -1) @ patches(padded, 3, 3) + b[:, None]  # (c_out, n * oh * ow)
        expect_close(got, right, what, mistakes=[
            Mistake(conv2d(x, W[:, :, ::-1, ::-1], b, padding), "you flipped the kernel (the convolution of "
                    "signal processing). Deep-learning layers apply the kernel as it is: cross-correlation."),
            Mistake(conv2d(x, W, 0 * b, padding), "you forgot to add the bias b (one per output channel)."),
            Mistake(product.reshape(n, c_out, oh, ow), "you reshaped the (c_out, n * oh * ow) product straight to "
                    "(n, c_out, oh, ow): reshape re-reads the numbers in memory order, it does not move them "
                    "between axes. Reshape to (c_out, n, oh, ow), then transpose(1, 0, 2, 3)."),
            Mistake(product.T.reshape(n, c_out, oh, ow), "you reshaped the (n * oh * ow, c_out) product straight "
                    "to (n, c_out, oh, ow): reshape does not move numbers between axes. Reshape to (n, oh, ow, "
                    "c_out), then transpose(0, 3, 1, 2)."),
        ])
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
        again = call(what, layer.forward, given)
        expect_same_again(got, again, what)
    layer32, x32 = _conv_layer(1, np.float32)
    got = call("Conv2D(padding=1).forward on float32 input", layer32.forward, x32,
               error_hint=_diagnosed(_conv_forward_diagnoses(layer32, x32)))
    expect_dtype_kept(got, np.float32, "a float32 Conv2D(padding=1).forward")


def _conv_backward_diagnoses(layer, x):
    n, c, h, w = x.shape
    k, p, f = layer.k, layer.padding, layer.out_channels
    K, N = c * k * k, n * (h + 2 * p - k + 1) * (w + 2 * p - k + 1)

    def untransposed(message):
        sizes = matmul_sizes(message)
        if sizes == (K, f):
            return (f"a product had c_in * k * k = {K} columns on its left where G's {f} rows (c_out) must "
                    "meet it: dcols = W_flat.T @ G - transpose W_flat, (c_out, c_in * k * k) - and dW = "
                    "G @ cols.T.")
        if sizes in ((N, K), (N, f)):
            return (f"dW = G @ cols.T: cols is (c_in * k * k, n * oh * ow) = ({K}, {N}), so it is its "
                    f"transpose that meets G, ({f}, {N}).")
        return ""
    return [untransposed]


def _full_correlation(G, W, padding):
    """dx as the 'full' correlation of grad_out with W not turned 180 degrees: a mistake."""
    k = W.shape[2]
    spread = np.pad(G, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    dpadded = np.einsum("nfijuv,fcuv->ncij", windows(spread, (k, k), axis=(2, 3)), W)
    return dpadded[:, :, padding:dpadded.shape[2] - padding, padding:dpadded.shape[3] - padding]


@check_for(
    "8.4", "conv.Conv2D.backward",
    hints=(
        "Look at forward as what it is, out = W_flat @ cols + b: you have differentiated exactly "
        "this product before, in the dense layer - here it lies on its side.",
        "Turn grad_out into G of shape (c_out, n * oh * ow) (transpose (1, 0, 2, 3), then reshape); "
        "then dW = G @ cols.T, db = G.sum(axis=1), and the gradient for cols is W_flat.T @ G - "
        "col2im turns it back into an image.",
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
    a second backward gives the same dx, dW and db (nothing is added up across calls)
    leaves grad_out unchanged; float32 stays float32
    returns None, with the same dW and db, when input_gradient is False"""
    for padding in (0, 1):
        layer, x = _conv_layer(padding)
        W, b = layer.params["W"].copy(), layer.params["b"].copy()
        _keep_as_forward_would(layer, x)
        G = _random(conv2d(x, W, b, padding).shape, seed=4)
        what = f"Conv2D(3 → 4, 3x3, padding={padding}).backward(grad_out)"
        given = G.copy()
        dx = call(what, layer.backward, given, error_hint=_diagnosed(_conv_backward_diagnoses(layer, x)))
        expect_unchanged(G, given, what)
        expect(dx is not None, f"{what} returned None; return the gradient for the input.")
        expect_array(dx, what)
        if not padding and 0 in dx.shape:
            expect(False, f"{what} returned shape {dx.shape}: with padding 0 the slice p:-p is 0:0 (-0 is 0), "
                   "which is empty. Crop only when p > 0, or slice p:p + h and p:p + w.")
        if padding and dx.shape == (2, 3, 8, 7):
            expect(False, f"{what} returned shape {dx.shape}, the padded input's: cut the padding off "
                   "(dpadded[:, :, p:-p, p:-p]) so that dx has the input's shape (2, 3, 6, 5).")
        xs, Ws, bs = x.copy(), W.copy(), b.copy()
        f = lambda: float(np.sum(conv2d(xs, Ws, bs, padding) * G))  # noqa: E731
        dW_true, db_true, dx_true = central_differences(f, Ws), central_differences(f, bs), central_differences(f, xs)
        W_flat, shuffled = W.reshape(4, -1), G.reshape(4, -1)  # shuffled: grad_out reshaped without moving axes
        crop = (slice(None), slice(None), slice(padding, padding + 6), slice(padding, padding + 5))
        expect_close(dx, dx_true, f"{what}: the returned dx", atol=1e-6, rtol=1e-6, mistakes=[
            Mistake(_col2im_loops(W_flat.T @ shuffled, layer.padded_shape, 3, 3)[crop], "grad_out was reshaped to "
                    "(c_out, n * oh * ow) without moving its axes: reshape keeps the (n, c_out, oh, ow) order, "
                    "so examples and channels mix. transpose(1, 0, 2, 3) first, then reshape."),
            Mistake(_full_correlation(G, W, padding), "dx is the full convolution of grad_out with the kernel "
                    "turned 180 degrees (W[:, :, ::-1, ::-1]), not with W as it is - or use "
                    "col2im(W_flat.T @ G)."),
        ])
        grads = {name: np.array(layer.grads.get(name), dtype=float) for name in ("W", "b")}
        expect_close(grads["W"], dW_true, "self.grads['W'] after backward", atol=1e-6, rtol=1e-6, mistakes=[
            Mistake(lambda g: g.shape == (3, 4, 3, 3), "dW must have W's shape (c_out, c_in, k, k) = (4, 3, 3, 3)."),
            Mistake(lambda g: g.shape == (4, 27), "dW = G @ cols.T is (c_out, c_in * k * k): reshape it to "
                    "W's shape, (4, 3, 3, 3)."),
            Mistake((layer.cols @ G.transpose(1, 0, 2, 3).reshape(4, -1).T).reshape(W.shape), "dW came out as "
                    "(c_in * k * k, c_out) and reshaping that to W's shape scrambles it: compute G @ cols.T, "
                    "(c_out, c_in * k * k), then reshape."),
        ])
        expect_close(grads["b"], db_true, "self.grads['b'] after backward", atol=1e-6, rtol=1e-6, mistakes=[
            Mistake(lambda g: g.shape != (4,), "db has one entry per output channel: sum grad_out over the "
                    "examples and every position (G.sum(axis=1))."),
        ])
        dx_again = call(f"{what}, called a second time", layer.backward, given)
        for name in ("W", "b"):
            expect_same_again(grads[name], np.asarray(layer.grads.get(name)),
                              f"Conv2D.backward's self.grads['{name}']")
        expect_same_again(dx, dx_again, what)

    layer, x = _conv_layer(0)
    layer.input_gradient = False
    _keep_as_forward_would(layer, x)
    G = _random(conv2d(x, layer.params["W"], layer.params["b"]).shape, seed=4)
    what = "Conv2D.backward(grad_out) with input_gradient=False (a first layer)"
    dx = call(what, layer.backward, G.copy())
    expect(dx is None, f"{what} returned an array; a first layer's input needs no gradient: skip computing "
           "it (no W.T @ G, no col2im) and return None.")
    expect_close(layer.grads.get("W"), _conv_param_gradients(layer, x, G)[0], f"{what}: self.grads['W']", atol=1e-6, rtol=1e-6)

    layer, x = _conv_layer(1, np.float32)
    _keep_as_forward_would(layer, x)
    G = _random(conv2d(x, layer.params["W"], layer.params["b"], 1).shape, seed=4).astype(np.float32)
    what = "a float32 Conv2D(padding=1).backward"
    dx = call(what, layer.backward, G)
    expect_dtype_kept(dx, np.float32, what)
    for name in ("W", "b"):
        expect_dtype_kept(layer.grads.get(name), np.float32, f"{what}: self.grads['{name}']")


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


def _spread(G, shape, spread=lambda G: np.repeat(np.repeat(G, 2, axis=2), 2, axis=3)):
    """Each block's value in all four places of its block, in an array of `shape` (cropped rows 0)."""
    out = np.zeros(shape)
    out[:, :, : 2 * G.shape[2], : 2 * G.shape[3]] = spread(G)
    return out


def _pool_forward(layer_class, statistic, name, wrong):
    """Run a pooling forward on POOL_X and compare it with `statistic` of every block; `wrong` gives
    this pooling's own mistakes, (value or predicate, explanation), from the blocks."""
    layer = layer_class()
    what = f"{layer_class.__name__}.forward(x) for x of shape (2, 2, 5, 6)"
    given = POOL_X.copy()
    got = call(what, layer.forward, given,
               error_hint="a height or width of 5 does not split into 2 x 2 blocks: crop it to an even "
               "size first (x[:, :, : h // 2 * 2, : w // 2 * 2]); the last row is dropped, as in PyTorch.")
    expect(np.array_equal(POOL_X, given), f"{what} changed its input x in place.\n  Likely mistake: a slice such as "
           "x[:, :, 0::2, 0::2] is a view of x, not a copy, so += on it writes into x. Add the slices with + "
           "into a new array, or start from a .copy().")
    expect_array(got, what)
    if got.shape == (2, 2, 4, 5):
        expect(False, f"{what} returned shape {got.shape}: that is a 2 x 2 window moved one pixel at a time. "
               "The blocks do not overlap (stride 2): the output is (2, 2, 2, 3).")
    if got.shape == (2, 2, 2, 2):
        expect(False, f"{what} returned shape {got.shape}: you took the {name} over axes 2 and 4 of (n, c, h // 2, "
               "2, w // 2, 2), which number the blocks. A block's own rows and columns are axes 3 and 5.")
    cropped = POOL_X[:, :, :4, :6]
    expect_close(got, statistic(_blocks(POOL_X)), what, mistakes=[
        Mistake(value, explanation) for value, explanation in wrong(_blocks(POOL_X))] + [
        Mistake(statistic(cropped.reshape(2, 2, 2, 3, 4)), "reshape(n, c, h // 2, w // 2, 2, 2) does not cut the "
                "image into 2 x 2 blocks: reshape re-reads the numbers row by row, so those groups of four are "
                f"pieces of one row. Reshape to (n, c, h // 2, 2, w // 2, 2) and take the {name} over axes 3 and 5."),
    ])
    return layer


def _pool_float32(layer_class):
    layer = layer_class()
    what = f"{layer_class.__name__}.forward on float32 input"
    expect_dtype_kept(call(what, layer.forward, POOL_X.astype(np.float32)), np.float32, what)
    return layer


def _expect_shape_kept(layer, shape, what):
    kept = getattr(layer, "x_shape", None)
    n, c, *rest = shape
    if kept is not None and tuple(kept) == tuple(shape[1:]):
        expect(False, f"{what} kept self.x_shape = {tuple(kept)}, without the batch axis; keep the whole shape, "
               f"x.shape = {tuple(shape)}: backward must return an array of exactly that shape.")
    cropped = (n, c, shape[2] // 2 * 2, shape[3] // 2 * 2) if len(shape) == 4 else None
    if kept is not None and tuple(kept) == cropped != tuple(shape):
        expect(False, f"{what} kept self.x_shape = {tuple(kept)}, the cropped shape; keep x.shape = {tuple(shape)} "
               "from before cropping: backward returns that shape, with 0 for the dropped row.")
    expect(kept is not None and tuple(kept) == tuple(shape),
           f"{what} kept self.x_shape = {kept!r}; backward needs the input's shape, {tuple(shape)} "
           "(see \"Keeps, for backward\" in the docstring).")


@check_for(
    "8.5", "conv.MaxPool2D.forward",
    hints=(
        "Each output looks at its own 2 x 2 block, and the blocks do not overlap. If every block "
        "had axes of its own, one numpy reduction would pool them all. backward will need to know "
        "which member of each block won.",
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
    keeps self.mask for backward: 1 at one maximum per block (the first of equal ones), 0 elsewhere
    leaves x unchanged; float32 stays float32, in the output and in self.mask"""
    layer = _pool_forward(MaxPool2D, lambda blocks: blocks.max(axis=-1), "maximum",
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
    layer32 = _pool_float32(MaxPool2D)
    expect_dtype_kept(getattr(layer32, "mask", None), np.float32, "MaxPool2D.forward's self.mask")


def _pool_backward_diagnoses(G, x_shape, kept):
    n, c, gh, gw = G.shape
    even = (n, c, 2 * gh, 2 * gw)

    def uncropped(message):
        shapes = shapes_in(message)
        if even in shapes and tuple(x_shape) in shapes and even != tuple(x_shape):
            return (f"the repeated gradient is {even}, the input {tuple(x_shape)}: forward cropped the odd "
                    "last row. Put the repeated gradient into np.zeros of the input's shape, at "
                    f"[:, :, :{2 * gh}, :{2 * gw}]; the cropped row stays 0.")
        return ""

    def strided_past_the_crop(message):
        shapes = shapes_in(message)
        if G.shape in shapes and any(len(s) == 4 and s[:2] == (n, c) and s[2] in (gh, gh + 1) and s[3] in (gw, gw + 1)
                                     and s != G.shape for s in shapes):
            return (f"x[:, :, a::2, b::2] runs into the row forward cropped: with h = {x_shape[2]}, a::2 gives "
                    f"{(x_shape[2] + 1) // 2} rows for {gh} of gradient. Stop at the even size: a:H:2 with "
                    "H = h // 2 * 2 (and b:W:2 alike).")
        return ""
    return [uncropped, strided_past_the_crop, _kept_only(kept)]


def _expect_not_cropped(dx, shape, what):
    n, c, h, w = shape
    if getattr(dx, "shape", None) == (n, c, h // 2 * 2, w // 2 * 2) != tuple(shape):
        expect(False, f"{what} returned shape {dx.shape}, the cropped size; the gradient has the input's shape, "
               f"{tuple(shape)}. Start from np.zeros of that shape and fill the first {h // 2 * 2} rows and "
               f"{w // 2 * 2} columns: the cropped ones get 0.")


@check_for(
    "8.6", "conv.MaxPool2D.backward",
    hints=(
        "Which of a block's four inputs changed its output? Only that one should receive the "
        "output's gradient - and forward already wrote down which one it was.",
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
    the cropped last row gets no gradient; the shape of forward's input
    leaves grad_out and self.mask unchanged; float32 stays float32"""
    layer = MaxPool2D()
    mask = _first_maximum_mask(POOL_X)
    layer.mask = mask.copy()  # what forward keeps: set directly, so this check needs only backward
    G = _random((2, 2, 2, 3), seed=6)
    given = G.copy()
    what = "MaxPool2D.backward(grad_out) with self.mask of an input of shape (2, 2, 5, 6)"
    dx = call(what, layer.backward, given, error_hint=_diagnosed(_pool_backward_diagnoses(G, POOL_X.shape, "self.mask")))
    expect_unchanged(G, given, what)
    expect(np.array_equal(np.asarray(layer.mask), mask),
           f"{what} changed self.mask in place (a *= or an assignment into it): a second backward would then "
           "use a wrong mask. Compute a new array, e.g. spread * self.mask.")
    _expect_not_cropped(dx, POOL_X.shape, what)
    expect_array(dx, what, shape=POOL_X.shape)
    expect(np.all(dx[:, :, 4, :] == 0), f"{what} gave gradient to the last row, which forward cropped away.")
    spread = _spread(G, POOL_X.shape)
    tiled = _spread(G, POOL_X.shape, lambda G: np.tile(G, (1, 1, 2, 2)))
    expect_close(dx, spread * mask, what, mistakes=[
        Mistake(mask, "you returned the mask itself; multiply it by each block's gradient."),
        Mistake(spread, "every input of a block got the gradient; only the one self.mask marks should (multiply by it)."),
        Mistake(tiled * mask, "np.tile repeats the whole array (1 2 1 2); each block's gradient belongs in its "
                "own 2 x 2 block: np.repeat (1 1 2 2) along axes 2 and 3."),
        Mistake(spread * mask / 4, "that is a quarter of the gradient, as in average pooling; the maximum passed "
                "its value on whole, so its input gets the whole gradient."),
    ])
    routed = _blocks(dx)
    expect_close(routed.sum(axis=-1), G, f"{what}: the gradient each block passes on")
    layer.mask = mask.astype(np.float32)
    what = "MaxPool2D.backward with float32 grad_out and self.mask"
    expect_dtype_kept(call(what, layer.backward, G.astype(np.float32)), np.float32, what)


@check_for(
    "8.7", "conv.AvgPool2D.forward",
    hints=(
        "Like max pooling, with the mean of each block instead of the maximum.",
        "The four members of the blocks are four strided slices: x[:, :, a::2, b::2] for a, b in "
        "{0, 1} (after cropping); or reshape into blocks as for max pooling.",
        "Crop to even sizes H = h // 2 * 2 and W = w // 2 * 2, add up the four strided slices (sum "
        "over a generator, or +) and divide by 4. Keep x.shape in self.x_shape for backward.",
    ),
)
def check_avgpool_forward():
    """the mean of every 2 x 2 block, stride 2; shape (n, c, h // 2, w // 2)
    an odd height or width loses its last row or column; keeps the input's shape in self.x_shape
    leaves x unchanged; float32 stays float32"""
    layer = _pool_forward(AvgPool2D, lambda blocks: blocks.mean(axis=-1), "mean",
                          lambda blocks: [(blocks.sum(axis=-1), "that is the sum of each block; divide by 4 for the mean."),
                                          (blocks.max(axis=-1), "that is the maximum; average pooling takes the mean.")])
    _expect_shape_kept(layer, POOL_X.shape, "AvgPool2D.forward(x) for x of shape (2, 2, 5, 6)")
    _pool_float32(AvgPool2D)


@check_for(
    "8.8", "conv.AvgPool2D.backward",
    hints=(
        "Each output was the mean of four inputs. By how much does the output move when one of "
        "those inputs moves by 1?",
        "Every member of a block counted 1/4 towards its output, so each gets a quarter of the "
        "output's gradient: the same value in all four places of the block.",
        "Start from np.zeros of forward's input shape and, for each of the four offsets (a, b), "
        "assign grad_out / 4 to the strided slice [:, :, a:H:2, b:W:2] (H, W the cropped even "
        "sizes). Cropped rows or columns get 0.",
    ),
)
def check_avgpool_backward():
    """each of a block's four inputs gets a quarter of its output's gradient
    the cropped last row gets none; the shape of forward's input, for odd and even sizes
    leaves grad_out unchanged; float32 stays float32"""
    # (2, 2, 5, 6) loses its last row; (2, 1, 4, 5) its last column and no row.
    for case, (shape, seed) in enumerate((((2, 2, 5, 6), 7), ((2, 1, 4, 5), 11))):
        layer = AvgPool2D()
        layer.x_shape = shape  # what forward keeps: set directly, so this check needs only backward
        G = _random((shape[0], shape[1], shape[2] // 2, shape[3] // 2), seed=seed)
        given = G.copy()
        what = f"AvgPool2D.backward(grad_out) with self.x_shape = {shape}"
        dx = call(what, layer.backward, given, error_hint=_diagnosed(_pool_backward_diagnoses(G, shape, "self.x_shape")))
        expect_unchanged(G, given, what)
        _expect_not_cropped(dx, shape, what)
        if case and getattr(dx, "shape", shape) != shape:  # the first shape was right: a fixed padding?
            expect(False, f"{what} returned shape {dx.shape}: which rows and columns were cropped depends on the "
                   "input - here an even height loses none and the odd width one column. Put the gradient into "
                   "np.zeros(self.x_shape) rather than padding by a fixed amount.")
        expect_array(dx, what, shape=shape)
        right = _spread(G / 4, shape)
        expect_close(dx, right, what, mistakes=[
            Mistake(4 * right, "each input gets a quarter of the gradient: the output was their mean, (a + b + c + d) / 4."),
            Mistake(_spread(G / 4, shape, lambda G: np.tile(G, (1, 1, 2, 2))), "np.tile repeats the whole array "
                    "(1 2 1 2); each block's gradient belongs in its own 2 x 2 block: np.repeat (1 1 2 2) along "
                    "axes 2 and 3."),
        ])
    what = "AvgPool2D.backward with float32 grad_out"
    expect_dtype_kept(call(what, layer.backward, G.astype(np.float32)), np.float32, what)
