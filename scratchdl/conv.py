"""Yours to write - chapter 8: 8.1 im2col, 8.2 Conv2D.forward, 8.3 col2im, 8.4 Conv2D.backward, 8.5
MaxPool2D.forward, 8.6 MaxPool2D.backward, 8.7 AvgPool2D.forward, 8.8 AvgPool2D.backward.
(Flatten, at the end, is given: it only reshapes.)

Chapter 8 - convolution and pooling layers for images of shape (n, channels, height, width).

A convolution slides a small kernel over the image and takes, at every position, the weighted
sum of the patch under it. Written with loops (conv2d_loops below) that is four nested loops -
examples, filters, rows, columns - around a sum over the patch; this module does the same maths
with one matrix product: im2col copies every patch into a column of a matrix, and the kernels
become the rows of another.

Like PyTorch and every deep-learning library, "convolution" here means cross-correlation: the
kernel is applied as it is, not flipped. (A convolution in the signal-processing sense flips
the kernel first; since the kernel is learnt, the difference does not matter for training.)
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.initializers import initialize
from scratchdl.layers import Layer


def output_size(size, kernel, padding=0, stride=1):
    """Positions a kernel fits at along one axis: floor((size + 2 * padding - kernel) / stride) + 1.

    Args:
        size, kernel, padding, stride: ints (stride >= 1, padding >= 0).

    Returns:
        int, at least 1.
    """
    if stride < 1 or padding < 0:
        raise ValueError(f"expected stride >= 1 and padding >= 0; got stride {stride}, padding {padding}")
    if kernel > size + 2 * padding:
        raise ValueError(f"a kernel of {kernel} does not fit in {size} pixels with padding {padding}")
    return (size + 2 * padding - kernel) // stride + 1


def conv2d_loops(x, W, b):
    """The convolution written out with loops - slow, but the definition the fast code must match.

        out[n, f, i, j] = b[f] + sum over c, u, v of x[n, c, i + u, j + v] * W[f, c, u, v]

    Args:
        x: (n, c_in, h, w) images (already padded, if padding is wanted).
        W: (c_out, c_in, kh, kw) kernels.  b: (c_out,) biases.

    Returns:
        (n, c_out, h - kh + 1, w - kw + 1).
    """
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = W.shape
    oh, ow = output_size(h, kh), output_size(w, kw)
    out = np.zeros((n, c_out, oh, ow), dtype=x.dtype)
    for example in range(n):
        for f in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    patch = x[example, :, i:i + kh, j:j + kw]  # (c_in, kh, kw)
                    out[example, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


@exercise("8.1")
def im2col(x, kh, kw):
    """Unroll every kh x kw patch of x into a column: the patches of a batch as one matrix.

    With oh = h - kh + 1 and ow = w - kw + 1 positions along each axis, the result has one
    column per patch, the columns in (example, i, j) order, each holding the patch
    x[n, :, i:i + kh, j:j + kw] in (channel, u, v) order - the order of a kernel W[f]
    flattened. Then W.reshape(c_out, -1) @ cols computes every output of every image at once.

    np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3)) gives every patch
    without copying, with shape (n, c, oh, ow, kh, kw); move the axes into the order
    (c, kh, kw, n, oh, ow) with transpose, and reshape.

    Args:
        x:  float array of shape (n, c, h, w).
        kh: int, kernel height.  kw: int, kernel width.

    Returns:
        float array of shape (c * kh * kw, n * oh * ow).
    """
    raise ExerciseTodo("8.1")


@exercise("8.3")
def col2im(cols, x_shape, kh, kw):
    """The backward of im2col: add each column's values back to the patch they came from.

    Patches overlap, so one pixel appears in up to kh * kw columns; its gradient is the sum of
    all of them (add, do not overwrite). One way: view cols as (c, kh, kw, n, oh, ow); for each
    of the kh * kw kernel offsets (u, v), the slab cols[:, u, v] of shape (c, n, oh, ow) belongs
    at rows u..u + oh and columns v..v + ow of every image. Add it to a (c, n, h, w) array of
    zeros, and move the axes back to (n, c, h, w) at the end.

    Args:
        cols:    float array of shape (c * kh * kw, n * oh * ow), as im2col returns.
        x_shape: (n, c, h, w), the shape of the array im2col was given.
        kh, kw:  ints, the kernel size.

    Returns:
        float array of shape x_shape.
    """
    raise ExerciseTodo("8.3")


class Conv2D(Layer):
    """A convolution layer, stride 1: out[n, f] = sum over c of (x[n, c] ⋆ W[f, c]) + b[f].

    Args:
        in_channels, out_channels: ints.
        kernel_size: int, k for a k x k kernel.
        rng:     numpy.random.Generator for the initial weights.
        padding: zeros added on every side of the image first: 0 ("valid") or, e.g., 1 with
                 a 3 x 3 kernel to keep the height and width ("same").
        init:    an initialiser from chapter 1; fan_in is in_channels * k * k.
        dtype:   float64 for gradient checks, float32 for training.
        input_gradient: False for a network's first layer, whose input is the images: nothing
                 needs their gradient, so backward can skip computing it (PyTorch does the
                 same for inputs that do not require gradients).

    Parameters: W of shape (out_channels, in_channels, k, k) (PyTorch's layout), b of shape
    (out_channels,), which starts at 0.
    """

    def __init__(self, in_channels, out_channels, kernel_size, rng, padding=0, init="he_normal",
                 dtype=np.float64, input_gradient=True):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.k, self.padding = kernel_size, padding
        self.input_gradient = input_gradient
        fan_in = in_channels * kernel_size * kernel_size
        W = initialize(init, fan_in, out_channels, rng).T  # one row per output channel
        self.params["W"] = W.reshape(out_channels, in_channels, kernel_size, kernel_size).astype(dtype)
        self.params["b"] = np.zeros(out_channels, dtype=dtype)
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.cols = None  # im2col of the last (padded) input, kept by forward for backward
        self.padded_shape = None  # the shape of that padded input

    def __repr__(self):
        pad = f", padding={self.padding}" if self.padding else ""
        return f"Conv2D({self.in_channels} → {self.out_channels}, {self.k}x{self.k}{pad})"

    def check_input(self, x):
        super().check_input(x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self} expects images of shape (n, {self.in_channels}, height, width); got shape {x.shape}")
        if min(x.shape[2:]) + 2 * self.padding < self.k:
            raise ValueError(f"{self}: images of {x.shape[2]}x{x.shape[3]} are smaller than the kernel")

    @exercise("8.2")
    def forward(self, x):
        """The convolution as one matrix product.

        1. Pad x with self.padding zeros on each side of height and width (np.pad).
        2. cols = im2col(padded, k, k): shape (c_in * k * k, n * oh * ow).
        3. out = W.reshape(c_out, -1) @ cols + b[:, None]: shape (c_out, n * oh * ow).
        4. Reshape to (c_out, n, oh, ow) and swap the first two axes: (n, c_out, oh, ow).

        Args:
            x: float array of shape (n, c_in, h, w).

        Returns:
            float array of shape (n, c_out, oh, ow), with oh = h + 2 * padding - k + 1 (and ow
            alike).

        Keeps, for backward:
            self.cols:         im2col of the padded input, shape (c_in * k * k, n * oh * ow).
            self.padded_shape: the padded input's shape, (n, c_in, h + 2 * padding, w + 2 * padding).
        """
        raise ExerciseTodo("8.2")

    def output_shape(self):
        if self.padded_shape is None:
            return None
        n, _, height, width = self.padded_shape
        return (n, self.out_channels, height - self.k + 1, width - self.k + 1)

    @exercise("8.4", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """Gradients of the convolution, from the matrix product of forward.

        Uses self.cols and self.padded_shape, which forward kept, and self.params["W"]. With G = grad_out moved to (c_out, n, oh, ow) and reshaped to (c_out, n * oh * ow), the
        forward was out = W_flat @ cols + b, a dense layer on its side, so:

            dW_flat = G @ cols.T        reshaped to W's shape (c_out, c_in, k, k)
            db      = G.sum(axis=1)     every position of every image used the bias
            dcols   = W_flat.T @ G      then col2im back to the padded input's shape

        Finally cut the padding off: dx = dpadded[:, :, p:p + h, p:p + w] for padding p.
        Store dW and db in self.grads; return dx - or, when self.input_gradient is False (the
        first layer: nothing needs the images' gradient), skip dcols and col2im, and return None.

        Args:
            grad_out: float array of shape (n, c_out, oh, ow).

        Returns:
            float array of shape (n, c_in, h, w), the shape of forward's input; None if
            self.input_gradient is False.
        """
        raise ExerciseTodo("8.4")


def pooled(shape):
    """The shape 2 x 2 pooling with stride 2 gives images of `shape` (n, c, h, w)."""
    n, c, height, width = shape
    return (n, c, height // 2, width // 2)


class Pool2D(Layer):
    """What both poolings share: 2 x 2 blocks, stride 2, no parameters.

    An odd height or width loses its last row or column (11 x 11 -> 5 x 5), as in PyTorch.
    """

    def check_input(self, x):
        super().check_input(x)
        if x.ndim != 4 or min(x.shape[2:]) < 2:
            raise ValueError(f"{self} expects images of shape (n, channels, height >= 2, width >= 2); got shape {x.shape}")


class MaxPool2D(Pool2D):
    """2 x 2 max pooling, stride 2: each output is the largest of a 2 x 2 block."""

    def __init__(self):
        super().__init__()
        self.mask = None  # where the maxima of the last input were, kept by forward for backward

    def __repr__(self):
        return "MaxPool2D(2x2)"

    @exercise("8.5")
    def forward(self, x):
        """The maximum of every 2 x 2 block.

        Crop to an even height and width, then view the image as blocks:
        x.reshape(n, c, h // 2, 2, w // 2, 2) has the block's rows on axis 3 and its columns
        on axis 5, so .max(axis=(3, 5)) pools.

        Args:
            x: float array of shape (n, c, h, w).

        Returns:
            float array of shape (n, c, h // 2, w // 2).

        Keeps, for backward:
            self.mask: float array of the shape and dtype of x: 1.0 at the maximum of each 2 x 2
                block and 0.0 everywhere else, cropped rows and columns included. A block whose
                maximum is tied marks only the first of the tied elements, in reading order
                (top left, top right, bottom left, bottom right) - the one np.argmax picks.
                That is a convention, not the only right answer: at a tie the maximum has no
                derivative, and any split of the gradient between the tied elements (shares
                >= 0 that add up to 1) is a valid subgradient. PyTorch's max pooling also picks
                the first; the course fixes it so that every forward agrees with every backward.
        """
        raise ExerciseTodo("8.5")

    def output_shape(self):
        return None if self.mask is None else pooled(self.mask.shape)

    @exercise("8.6", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """Send each output's gradient to the one input that was its block's maximum.

        Only the maximum affected the output, so only it gets gradient; the three others get 0.
        When a block has ties (two or more equal maxima) the maximum has no derivative: any
        split of the gradient between the tied elements, with shares >= 0 that add up to 1, is
        a valid subgradient, while the whole gradient to each of them would count it more than
        once. The course's convention (PyTorch's max pooling has the same) sends it all to the
        first of them in reading order, the one np.argmax picks. Rows or columns cropped by
        forward get 0. self.mask, kept by forward, marks exactly the elements that get gradient:
        copy each output gradient to the four inputs of its block, then multiply.

        Args:
            grad_out: float array of shape (n, c, h // 2, w // 2).

        Returns:
            float array of shape (n, c, h, w), the shape of forward's input.
        """
        raise ExerciseTodo("8.6")


class AvgPool2D(Pool2D):
    """2 x 2 average pooling, stride 2: each output is the mean of a 2 x 2 block."""

    def __init__(self):
        super().__init__()
        self.x_shape = None  # the shape of the last input, kept by forward for backward

    def __repr__(self):
        return "AvgPool2D(2x2)"

    @exercise("8.7")
    def forward(self, x):
        """The mean of every 2 x 2 block (crop an odd height or width first, like max pooling).

        Args:
            x: float array of shape (n, c, h, w).

        Returns:
            float array of shape (n, c, h // 2, w // 2).

        Keeps, for backward:
            self.x_shape: x.shape, the tuple (n, c, h, w).
        """
        raise ExerciseTodo("8.7")

    def output_shape(self):
        return None if self.x_shape is None else pooled(self.x_shape)

    @exercise("8.8", arguments=Layer.check_grad_out)
    def backward(self, grad_out):
        """Each of the four inputs of a block contributed 1/4 of its output: it gets 1/4 of the
        output's gradient. Rows or columns cropped by forward get 0. The input's shape is
        self.x_shape, which forward kept.

        Args:
            grad_out: float array of shape (n, c, h // 2, w // 2).

        Returns:
            float array of shape (n, c, h, w), the shape of forward's input.
        """
        raise ExerciseTodo("8.8")


class Flatten(Layer):
    """From images (n, c, h, w) to rows (n, c * h * w), so that dense layers can follow.

    Given, not an exercise: nothing is computed. forward lays each example's values out in one
    row, in numpy's (c, h, w) order (PyTorch's Flatten uses the same order), and keeps the input's
    shape; backward reshapes the gradient back to that shape, each value to the place it came from.
    """

    def __init__(self):
        super().__init__()
        self.x_shape = None  # the shape of the last input, kept by forward for backward

    def __repr__(self):
        return "Flatten()"

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(len(x), -1)  # -1: numpy works out c * h * w

    def output_shape(self):
        return None if self.x_shape is None else (self.x_shape[0], int(np.prod(self.x_shape[1:])))

    def backward(self, grad_out):
        self.check_grad_out(grad_out)  # a clear error for a gradient of the wrong shape, first
        return grad_out.reshape(self.x_shape)
