"""Second learner's bodies for scratchdl/conv.py (chapter 8).

im2col by as_strided, col2im accumulating with the batch axis innermost, the convolution as
a product per image broadcast over the batch, and pooling through the four strided
quarter-grids of the 2 x 2 blocks (top left, top right, bottom left, bottom right) instead
of a reshape.
"""

import numpy as np


def im2col(x, kh, kw):
    # a strided view of shape (c, kh, kw, n, oh, ow) over x's memory, then one copying reshape
    from numpy.lib.stride_tricks import as_strided

    x = np.asarray(x)
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    s_n, s_c, s_h, s_w = x.strides
    view = as_strided(x, shape=(c, kh, kw, n, oh, ow),
                      strides=(s_c, s_h, s_w, s_n, s_h, s_w), writeable=False)
    return view.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, kh, kw):
    # batch axis innermost: view cols as (c, kh, kw, oh, ow, n) and accumulate into a
    # (c, h, w, n) array, whose windows are long contiguous runs; kernel columns in the
    # outer loop, kernel rows inside; move the batch axis to the front at the end
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1
    slabs = np.moveaxis(cols.reshape(c, kh, kw, n, oh, ow), 3, -1)
    acc = np.zeros((c, h, w, n), dtype=cols.dtype)
    for v in range(kw):
        for u in range(kh):
            acc[:, u:u + oh, v:v + ow, :] += slabs[:, u, v]
    return acc.transpose(3, 0, 1, 2)


class Conv2D:
    def forward(self, x):
        # pad by writing x into a zero canvas, unroll, then one product per image by
        # broadcasting W_flat over a (n, c_in*k*k, oh*ow) view of the columns: the result
        # comes out in (n, c_out, oh, ow) order with no final transpose
        p = self.padding
        n, c, h, w = x.shape
        if p:
            canvas = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype)
            canvas[:, :, p:p + h, p:p + w] = x
        else:
            canvas = x
        W = self.params["W"]
        f, _, kh, kw = W.shape
        self.padded_shape = canvas.shape
        self.cols = im2col(canvas, kh, kw)
        oh, ow = canvas.shape[2] - kh + 1, canvas.shape[3] - kw + 1
        per_image = self.cols.reshape(-1, n, oh * ow).transpose(1, 0, 2)
        out = np.matmul(W.reshape(f, -1), per_image)
        out += self.params["b"][:, None]
        return out.reshape(n, f, oh, ow)

    def backward(self, grad_out):
        # the dense-layer rules with the filter axis first (np.dot), col2im for the input
        W = self.params["W"]
        f, _, kh, kw = W.shape
        G = np.moveaxis(grad_out, 1, 0).reshape(f, -1)
        self.grads["W"] = np.dot(G, self.cols.T).reshape(W.shape)
        self.grads["b"] = np.einsum("fm->f", G)
        if not self.input_gradient:
            return None
        dcols = np.dot(W.reshape(f, -1).T, G)
        dpadded = col2im(dcols, self.padded_shape, kh, kw)
        p = self.padding
        if not p:
            return dpadded
        return dpadded[:, :, p:self.padded_shape[2] - p, p:self.padded_shape[3] - p]


class MaxPool2D:
    def forward(self, x):
        # the four corners of every block as strided views; the max of the four, and a mask
        # that goes to the first corner (in reading order) equal to it
        n, c, h, w = x.shape
        H, W = h - h % 2, w - w % 2
        corners = [x[:, :, a:H:2, b:W:2] for a in (0, 1) for b in (0, 1)]
        top = np.maximum(np.maximum(corners[0], corners[1]), np.maximum(corners[2], corners[3]))
        mask = np.zeros(x.shape, dtype=x.dtype)
        taken = np.zeros(top.shape, dtype=bool)
        for (a, b), corner in zip([(0, 0), (0, 1), (1, 0), (1, 1)], corners):
            wins = (corner == top) & ~taken
            mask[:, :, a:H:2, b:W:2] = wins
            taken |= wins
        self.mask = mask
        return top

    def backward(self, grad_out):
        # each corner of the mask takes the output gradient through a strided assignment
        mask = self.mask
        H, W = 2 * grad_out.shape[2], 2 * grad_out.shape[3]
        grad_x = np.zeros(mask.shape, dtype=np.result_type(grad_out, mask))
        for a in (0, 1):
            for b in (0, 1):
                grad_x[:, :, a:H:2, b:W:2] = grad_out * mask[:, :, a:H:2, b:W:2]
        return grad_x


class AvgPool2D:
    def forward(self, x):
        # the sum of the four corner grids, times a quarter
        self.x_shape = x.shape
        h, w = x.shape[2], x.shape[3]
        H, W = h - h % 2, w - w % 2
        total = x[:, :, 0:H:2, 0:W:2] + x[:, :, 0:H:2, 1:W:2]
        total += x[:, :, 1:H:2, 0:W:2]
        total += x[:, :, 1:H:2, 1:W:2]
        total *= 0.25
        return total

    def backward(self, grad_out):
        # a quarter of each output gradient written to each corner grid; cropped edges stay 0
        quarter = grad_out * 0.25
        grad_x = np.zeros(self.x_shape, dtype=quarter.dtype)
        H, W = 2 * grad_out.shape[2], 2 * grad_out.shape[3]
        for a in (0, 1):
            for b in (0, 1):
                grad_x[:, :, a:H:2, b:W:2] = quarter
        return grad_x
