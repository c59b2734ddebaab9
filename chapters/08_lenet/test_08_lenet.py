"""Chapter 8, convolution and pooling: checks name typical mistakes; every layer passes the
numerical gradient check below 1e-7 in float64; bad input is refused."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.conv import AvgPool2D, Conv2D, Flatten, MaxPool2D, col2im, conv2d_loops, im2col, output_size
from scratchdl.gradcheck import gradient_check_layer
from scratchdl.training import fit

sliding = np.lib.stride_tricks.sliding_window_view


# --- 8.1 im2col
def im2col_reshaped_without_transpose(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).reshape(c * kh * kw, -1)


def im2col_rows(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5).reshape(-1, c * kh * kw)


def im2col_kh_kw_swapped(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kw, kh), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, -1)


def im2col_position_major(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(4, 5, 1, 0, 2, 3).reshape(c * kh * kw, -1)


def im2col_one_short(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3))[:, :, :-1, :-1].transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, -1)


def im2col_loops_in_float64(x, kh, kw):
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    cols = np.zeros((c * kh * kw, n * oh * ow))  # float64, whatever x is
    for e in range(n):
        for i in range(oh):
            for j in range(ow):
                cols[:, (e * oh + i) * ow + j] = x[e, :, i:i + kh, j:j + kw].ravel()
    return cols


def im2col_kernel_axes_swapped(x, kh, kw):
    n, c, h, w = x.shape
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(1, 5, 4, 0, 2, 3).reshape(c * kh * kw, -1)


def im2col_without_reshape(x, kh, kw):
    return sliding(x, (kh, kw), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3)


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


def forward_reshaped_without_transpose(self, x):
    p = self.padding
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, _, h, w = padded.shape
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"][:, None]
    return out.reshape(n, self.out_channels, h - self.k + 1, w - self.k + 1)  # no transpose


def forward_padding_every_axis(self, x):
    p = self.padding
    padded = np.pad(x, p)  # pads n and c as well
    n, _, h, w = padded.shape
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"][:, None]
    return out.reshape(self.out_channels, n, h - self.k + 1, w - self.k + 1).transpose(1, 0, 2, 3)


def forward_with_a_dense_bias(self, x):
    p = self.padding
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    n, _, h, w = padded.shape
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"]  # as in Dense
    return out.reshape(self.out_channels, n, h - self.k + 1, w - self.k + 1).transpose(1, 0, 2, 3)


def forward_counting_unpadded_positions(self, x):
    n, _, h, w = x.shape
    oh, ow = h - self.k + 1, w - self.k + 1  # from x, not from the padded image
    p = self.padding
    padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"][:, None]
    return out.reshape(self.out_channels, n, oh, ow).transpose(1, 0, 2, 3)


def forward_padding_with_two_pairs(self, x):
    p = self.padding
    padded = np.pad(x, ((p, p), (p, p)))  # one pair per image axis, as for a 2-D image
    n, _, h, w = padded.shape
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"][:, None]
    return out.reshape(self.out_channels, n, h - self.k + 1, w - self.k + 1).transpose(1, 0, 2, 3)


def forward_on_a_float64_canvas(self, x):
    p = self.padding
    n, c, h, w = x.shape
    padded = np.zeros((n, c, h + 2 * p, w + 2 * p))  # float64, whatever x is
    padded[:, :, p:p + h, p:p + w] = x
    self.padded_shape, self.cols = padded.shape, im2col(padded, self.k, self.k)
    out = self.params["W"].reshape(self.out_channels, -1) @ self.cols + self.params["b"][:, None]
    return out.reshape(self.out_channels, n, h + 2 * p - self.k + 1, w + 2 * p - self.k + 1).transpose(1, 0, 2, 3)


def backward(self, grad_out, crop=True, db_over_batch_only=False):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = grad_out.sum(axis=0) if db_over_batch_only else G.sum(axis=1)
    dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if (p and crop) else dpadded


def backward_reshaping_grad_out_without_transpose(self, grad_out):
    G = grad_out.reshape(self.out_channels, -1)  # (n, c_out, ...) read as (c_out, ...)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = G.sum(axis=1)
    dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


def backward_without_transposing_W(self, grad_out):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = G.sum(axis=1)
    dpadded = col2im(W @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


def backward_accumulating(self, grad_out):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] += (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] += G.sum(axis=1)
    dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


def backward_with_dense_dW(self, grad_out):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (self.cols @ G.T).reshape(self.params["W"].shape)  # Dense's x.T @ grad, (c*k*k, c_out)
    self.grads["b"] = G.sum(axis=1)
    dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
    p = self.padding
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


def backward_cropping_minus_p(self, grad_out):
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    W = self.params["W"].reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = G.sum(axis=1)
    p = self.padding
    return col2im(W.T @ G, self.padded_shape, self.k, self.k)[:, :, p:-p, p:-p]  # empty when p = 0


def backward_full_convolution_unflipped(self, grad_out):
    # dx as the "full" convolution of grad_out with the kernels - but without turning them 180 degrees
    G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)
    self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
    self.grads["b"] = G.sum(axis=1)
    k, p = self.k, self.padding
    spread = np.pad(grad_out, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
    dpadded = np.einsum("nfijuv,fcuv->ncij", sliding(spread, (k, k), axis=(2, 3)), self.params["W"])
    return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


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


def _col2im(cols, x_shape, kh, kw, order=(0, 1, 2, 3, 4, 5), kh_for_oh=None, slice_to_end=False, dtype=None):
    """col2im with one step done wrong: `order` the axes cols is read in, `kh_for_oh` the kernel size
    taken for the height, `slice_to_end` slices u:oh instead of u:u + oh."""
    n, c, h, w = x_shape
    oh, ow = h - (kh_for_oh or kh) + 1, w - (kw if kh_for_oh is None else kh) + 1
    sizes = (c, kh, kw, n, oh, ow)
    slabs = cols.reshape([sizes[i] for i in order]).transpose(np.argsort(order))
    dx = np.zeros((c, n, h, w), dtype=dtype or cols.dtype)
    for u in range(kh):
        for v in range(kw):
            if slice_to_end:
                dx[:, :, u:oh, v:ow] += slabs[:, u, v]
            else:
                dx[:, :, u:u + oh, v:v + ow] += slabs[:, u, v]
    return dx


def col2im_without_final_transpose(cols, x_shape, kh, kw):
    return _col2im(cols, x_shape, kh, kw)  # still (c, n, h, w)


def col2im_reshaped_not_transposed(cols, x_shape, kh, kw):
    return _col2im(cols, x_shape, kh, kw).reshape(x_shape)


def col2im_adding_into_image_order(cols, x_shape, kh, kw):
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1
    slabs = cols.reshape(c, kh, kw, n, oh, ow)
    dx = np.zeros(x_shape)  # (n, c, h, w), but each slab is (c, n, oh, ow)
    for u in range(kh):
        for v in range(kw):
            dx[:, :, u:u + oh, v:v + ow] += slabs[:, u, v]
    return dx


def col2im_slicing_to_oh(cols, x_shape, kh, kw):
    return _col2im(cols, x_shape, kh, kw, slice_to_end=True).transpose(1, 0, 2, 3)


def col2im_position_major(cols, x_shape, kh, kw):
    # rows read as (u, v, channel), as a position-major im2col would write them
    return _col2im(cols, x_shape, kh, kw, order=(1, 2, 0, 3, 4, 5)).transpose(1, 0, 2, 3)


def col2im_kh_kw_swapped(cols, x_shape, kh, kw):
    return _col2im(cols, x_shape, kh, kw, kh_for_oh=kw).transpose(1, 0, 2, 3)


def col2im_in_float64(cols, x_shape, kh, kw):
    return _col2im(cols, x_shape, kh, kw, dtype=float).transpose(1, 0, 2, 3)


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


def maxpool_over_the_block_positions(self, x):
    return blocks(x).max(axis=(2, 4))


def maxpool_blocks_of_one_row(self, x):
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, w // 2, 2, 2).max(axis=(4, 5))


def _winners(x):
    """(n, c, h // 2, w // 2): which of the four members of each block is the first maximum."""
    n, c, h, w = x.shape
    return blocks(x).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4).argmax(axis=-1)


def _mask_from(x, chosen, dtype=float):
    n, c, h, w = x.shape
    mask = np.zeros(x.shape, dtype=dtype)
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


def maxpool_mask_in_float64(self, x):
    winner = _winners(x)
    self.mask = _mask_from(x, lambda k: winner == k)  # np.zeros(x.shape): float64 for float32 x
    return blocks(x).max(axis=(3, 5))


def _spread(grad_out):
    return np.repeat(np.repeat(grad_out, 2, axis=2), 2, axis=3)


def maxpool_backward_to_all_four(self, grad_out):
    n, c, h, w = self.mask.shape
    dx = np.zeros(self.mask.shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = _spread(grad_out)
    return dx


def maxpool_backward_returning_the_mask(self, grad_out):
    return self.mask.copy()


def maxpool_backward_tiled(self, grad_out):
    n, c, h, w = self.mask.shape
    dx = np.zeros(self.mask.shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = np.tile(grad_out, (1, 1, 2, 2))
    return dx * self.mask


def maxpool_backward_of_the_cropped_shape(self, grad_out):
    spread = _spread(grad_out)
    return spread * self.mask[:, :, : spread.shape[2], : spread.shape[3]]


def maxpool_backward_uncropped(self, grad_out):
    return _spread(grad_out) * self.mask


def maxpool_backward_quartered(self, grad_out):
    dx = np.zeros_like(self.mask)
    dx[:, :, : 2 * grad_out.shape[2], : 2 * grad_out.shape[3]] = _spread(grad_out) / 4
    return dx * self.mask


def maxpool_backward_into_the_mask(self, grad_out):
    spread = _spread(grad_out)
    self.mask[:, :, : spread.shape[2], : spread.shape[3]] *= spread
    return self.mask


def maxpool_backward_in_float64(self, grad_out):
    dx = np.zeros(self.mask.shape)  # float64, whatever grad_out is
    dx[:, :, : 2 * grad_out.shape[2], : 2 * grad_out.shape[3]] = _spread(grad_out)
    return dx * self.mask


def avgpool_sum(self, x):
    return blocks(x).sum(axis=(3, 5))


def avgpool_keeping_no_shape(self, x):
    self.x = x
    return blocks(x).mean(axis=(3, 5))


def avgpool_overlapping(self, x):
    self.x_shape = x.shape
    return sliding(x, (2, 2), axis=(2, 3)).mean(axis=(4, 5))


def avgpool_uncropped(self, x):
    n, c, h, w = self.x_shape = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def avgpool_keeping_the_cropped_shape(self, x):
    n, c, h, w = x.shape
    x = x[:, :, : h // 2 * 2, : w // 2 * 2]
    self.x_shape = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def avgpool_adding_into_a_view(self, x):
    n, c, h, w = self.x_shape = x.shape
    H, W = h // 2 * 2, w // 2 * 2
    total = x[:, :, 0:H:2, 0:W:2]  # a view of x: += writes into the caller's array
    total += x[:, :, 0:H:2, 1:W:2]
    total += x[:, :, 1:H:2, 0:W:2]
    total += x[:, :, 1:H:2, 1:W:2]
    return total / 4


def avgpool_blocks_of_one_row(self, x):
    n, c, h, w = self.x_shape = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, w // 2, 2, 2).mean(axis=(4, 5))


def avgpool_in_float64(self, x):
    n, c, h, w = self.x_shape = x.shape
    total = np.zeros((n, c, h // 2, w // 2))  # float64, whatever x is
    for a in (0, 1):
        for b in (0, 1):
            total += x[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2]
    return total / 4


def _avgpool_backward(self, grad_out, spread=_spread, dtype=None):
    n, c, h, w = self.x_shape
    dx = np.zeros(self.x_shape, dtype=dtype or grad_out.dtype)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = spread(grad_out) / 4
    return dx


def avgpool_backward_without_quarter(self, grad_out):
    n, c, h, w = self.x_shape
    dx = np.zeros(self.x_shape)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = np.repeat(np.repeat(grad_out, 2, axis=2), 2, axis=3)
    return dx


def avgpool_backward_tiled(self, grad_out):
    return _avgpool_backward(self, grad_out, spread=lambda g: np.tile(g, (1, 1, 2, 2)))


def avgpool_backward_of_the_cropped_shape(self, grad_out):
    return _spread(grad_out) / 4


def avgpool_backward_strided_to_the_end(self, grad_out):
    dx = np.zeros(self.x_shape)
    for a in (0, 1):
        for b in (0, 1):
            dx[:, :, a::2, b::2] = grad_out / 4  # a::2 reaches the cropped row
    return dx


def avgpool_backward_padding_one_row(self, grad_out):
    return np.pad(_spread(grad_out) / 4, ((0, 0), (0, 0), (0, 1), (0, 0)))  # right for 5 x 6 only


def avgpool_backward_from_self_x(self, grad_out):
    n, c, h, w = self.x.shape
    dx = np.zeros_like(self.x)
    dx[:, :, : h // 2 * 2, : w // 2 * 2] = _spread(grad_out) / 4
    return dx


def avgpool_backward_in_float64(self, grad_out):
    return _avgpool_backward(self, grad_out, dtype=float)


MISTAKES = [
    ("8.1", im2col_reshaped_without_transpose, r"reshaped the window view without moving its axes"),
    ("8.1", im2col_rows, r"one row per patch\. Put one patch per column"),
    ("8.1", im2col_kh_kw_swapped, r"kh and kw\s+are swapped"),
    ("8.1", im2col_position_major, r"\(channel, u, v\) order"),
    ("8.1", im2col_one_short, r"the number of positions is off"),
    ("8.1", im2col_loops_in_float64, r"turned float32 input into float64 output.*np\.zeros"),
    ("8.1", im2col_kernel_axes_swapped, r"\(channel, v, u\) order: the kernel's rows \(kh\) and columns \(kw\) are swapped"),
    ("8.1", im2col_without_reshape, r"returned a 6-D array .* reshape it to two dimensions"),
    ("8.2", forward_reshaped_without_transpose, r"reshape re-reads the numbers in memory order.*transpose\(1, 0, 2, 3\)"),
    ("8.2", lambda self, x: forward(self, x, bias=False), r"forgot to add the bias"),
    ("8.2", lambda self, x: forward(self, x, pad=False), r"the padding was ignored"),
    ("8.2", forward_padding_every_axis, r"np\.pad\(x, p\) pads every axis"),
    ("8.2", forward_with_a_dense_bias, r"b has shape \(4,\), one bias per output channel.*b\[:, None\]"),
    ("8.2", lambda self, x: forward(self, x, flip=True), r"you flipped the kernel"),
    ("8.2", lambda self, x: forward(self, x, channels_last=True), r"channels last"),
    ("8.2", forward_counting_unpadded_positions, r"positions in the padded image"),
    ("8.2", forward_padding_with_two_pairs, r"np\.pad takes one \(before, after\) pair per axis"),
    ("8.2", forward_on_a_float64_canvas, r"turned float32 input into float64 output"),
    ("8.2", lambda self, x: forward(self, x, keep=False), r"kept self\.padded_shape = None; backward needs"),
    ("8.2", lambda self, x: forward(self, x, keep_unpadded=True), r"the columns of the unpadded input"),
    ("8.3", col2im_assigning, r"Add \(\+=\) each patch's contribution instead of assigning"),
    ("8.3", col2im_without_final_transpose, r"move the axes back to \(n, c, h, w\)"),
    ("8.3", col2im_reshaped_not_transposed, r"reshape re-reads the numbers in memory order, it does not move the axes"),
    ("8.3", col2im_adding_into_image_order, r"Add it up in a \(c, n, h, w\) array"),
    ("8.3", col2im_slicing_to_oh, r"covers rows u to u \+ oh"),
    ("8.3", col2im_position_major, r"rows of cols are in \(channel, u, v\) order"),
    ("8.3", col2im_kh_kw_swapped, r"kh and kw are swapped"),
    ("8.3", col2im_in_float64, r"turned float32 input into float64 output"),
    ("8.4", backward_reshaping_grad_out_without_transpose, r"reshaped to\s+\(c_out, n \* oh \* ow\) without moving its axes"),
    ("8.4", lambda self, g: backward(self, g, crop=False), r"cut the padding off"),
    ("8.4", backward_without_transposing_W, r"dcols = W_flat\.T @ G"),
    ("8.4", backward_accumulating, r"self\.grads\['W'\] gave a different answer the second time.*use = where you wrote \+="),
    ("8.4", backward_with_dense_dW, r"dW came out as\s+\(c_in \* k \* k, c_out\)"),
    ("8.4", lambda self, g: backward(self, g, db_over_batch_only=True), r"db has one entry per output channel"),
    ("8.4", backward_cropping_minus_p, r"the slice p:-p is 0:0"),
    ("8.4", backward_full_convolution_unflipped, r"kernel\s+turned 180 degrees"),
    ("8.4", backward, r"a first layer's input needs no gradient"),
    ("8.5", maxpool_mask_of_every_maximum, r"marks both of a block's two equal maxima \(3 and 3\)"),
    ("8.5", maxpool_uncropped, r"crop it to an even size first"),
    ("8.5", maxpool_overlapping, r"The blocks do not overlap \(stride 2\)"),
    ("8.5", maxpool_mean, r"that is the mean of each block"),
    ("8.5", maxpool_over_the_block_positions, r"over axes 2 and 4 .* which number the blocks"),
    ("8.5", maxpool_blocks_of_one_row, r"does not cut the\s+image into 2 x 2 blocks"),
    ("8.5", maxpool_keeping_no_mask, r"did not keep self\.mask"),
    ("8.5", maxpool_mask_of_the_cropped_shape, r"it must have the shape of the input"),
    ("8.5", maxpool_mask_in_float64, r"self\.mask turned float32 input into float64 output"),
    ("8.6", maxpool_backward_to_all_four, r"only the one self\.mask marks should"),
    ("8.6", maxpool_backward_returning_the_mask, r"you returned the mask itself"),
    ("8.6", maxpool_backward_tiled, r"np\.tile repeats the whole array"),
    ("8.6", maxpool_backward_uncropped, r"forward cropped the odd\s+last row\. Put the repeated gradient into np\.zeros"),
    ("8.6", maxpool_backward_of_the_cropped_shape, r"the cropped size; the gradient has the input's shape"),
    ("8.6", maxpool_backward_quartered, r"the maximum passed\s+its value on whole"),
    ("8.6", maxpool_backward_into_the_mask, r"changed self\.mask in place"),
    ("8.6", maxpool_backward_in_float64, r"turned float32 input into float64 output"),
    ("8.7", avgpool_sum, r"that is the sum of each block"),
    ("8.7", avgpool_uncropped, r"crop it to an even size first"),
    ("8.7", avgpool_overlapping, r"The blocks do not overlap \(stride 2\)"),
    ("8.7", avgpool_keeping_no_shape, r"backward needs the input's shape"),
    ("8.7", avgpool_keeping_the_cropped_shape, r"the cropped shape; keep x\.shape"),
    ("8.7", avgpool_adding_into_a_view, r"changed its input x in place.*is a view of x, not a copy, so \+= on it writes into x"),
    ("8.7", avgpool_blocks_of_one_row, r"does not cut the\s+image into 2 x 2 blocks"),
    ("8.7", avgpool_in_float64, r"turned float32 input into float64 output"),
    ("8.8", avgpool_backward_without_quarter, r"a quarter of the gradient"),
    ("8.8", avgpool_backward_of_the_cropped_shape, r"the cropped size; the gradient has the input's shape"),
    ("8.8", avgpool_backward_strided_to_the_end, r"runs into the row forward cropped"),
    ("8.8", avgpool_backward_tiled, r"np\.tile repeats the whole array"),
    ("8.8", avgpool_backward_padding_one_row, r"rather than padding by a fixed amount"),
    ("8.8", avgpool_backward_from_self_x, r"backward used self\.x, which forward does not keep"),
    ("8.8", avgpool_backward_in_float64, r"turned float32 input into float64 output"),
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


def test_lenet5_reaches_99_percent_with_the_chapters_recipe_and_its_validation_choice():
    # Chapter 8's recipe: raw pixels, 12 epochs of Adam(0.002) with a cosine schedule, batch 128,
    # float32, on the first 50,000 training images; the epoch whose weights are kept is the one
    # with the highest accuracy on the last 10,000 (the validation set), as the notebook does.
    from chapter_files import chapter_module
    from scratchdl.tools.mnist import load_mnist
    from scratchdl.tools.models import lenet5
    from scratchdl.optimizers import Adam

    demos = chapter_module(__file__, "demos")
    data = load_mnist(validation=10_000)
    model = lenet5(np.random.default_rng(0))
    best = demos.KeepBest(model)
    history = fit(model, data.X_train, data.y_train, epochs=12, batch_size=128, optimizer=Adam(0.002),
                  schedule="cosine", validation_data=(data.X_val, data.y_val), callbacks=[best], verbose=0, rng=0)
    assert best.epoch == int(np.argmax(history["val_accuracy"])) + 1 and best.best == max(history["val_accuracy"])
    best.restore()
    assert model.evaluate(data.X_val, data.y_val)["accuracy"] == pytest.approx(best.best, abs=0.5e-4), \
        "restore() puts back the weights the validation accuracy was measured with"
    assert model.evaluate(data.X_test, data.y_test)["accuracy"] >= 0.990
    assert model.count_parameters() == 6 * 9 + 6 + 16 * 54 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10
