"""Reference bodies for scratchdl/conv.py (chapter 8)."""

import numpy as np



def im2col(x, kh, kw):
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    patches = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # (n, c, oh, ow, kh, kw), no copy
    return patches.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, kh, kw):
    n, c, h, w = x_shape
    oh, ow = h - kh + 1, w - kw + 1
    slabs = cols.reshape(c, kh, kw, n, oh, ow)
    dx = np.zeros((c, n, h, w), dtype=cols.dtype)
    for u in range(kh):
        for v in range(kw):
            dx[:, :, u:u + oh, v:v + ow] += slabs[:, u, v]  # the patches' pixels at offset (u, v)
    return dx.transpose(1, 0, 2, 3)


class Conv2D:
    def forward(self, x):
        p = self.padding
        padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))) if p else x
        n, _, h, w = padded.shape
        oh, ow = h - self.k + 1, w - self.k + 1
        self.padded_shape = padded.shape
        self.cols = im2col(padded, self.k, self.k)
        W = self.params["W"].reshape(self.out_channels, -1)
        out = W @ self.cols  # (c_out, n * oh * ow)
        out += self.params["b"][:, None]
        return out.reshape(self.out_channels, n, oh, ow).transpose(1, 0, 2, 3)

    def backward(self, grad_out):
        G = grad_out.transpose(1, 0, 2, 3).reshape(self.out_channels, -1)  # (c_out, n * oh * ow)
        W = self.params["W"].reshape(self.out_channels, -1)
        self.grads["W"] = (G @ self.cols.T).reshape(self.params["W"].shape)
        self.grads["b"] = G.sum(axis=1)
        if not self.input_gradient:
            return None  # the images need no gradient: skip the most expensive part
        dpadded = col2im(W.T @ G, self.padded_shape, self.k, self.k)
        p = self.padding
        return dpadded[:, :, p:dpadded.shape[2] - p, p:dpadded.shape[3] - p] if p else dpadded


class MaxPool2D:
    def forward(self, x):
        n, c, h, w = x.shape
        # The four members of every 2 x 2 block, one strided slice each: (4, n, c, h // 2, w // 2).
        offsets = [(a, b) for a in (0, 1) for b in (0, 1)]  # reading order: the order of argmax's ties
        corners = np.stack([x[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] for a, b in offsets])
        winner = corners.argmax(axis=0)  # which of the four is the maximum (the first, if tied)
        self.mask = np.zeros_like(x)
        for k, (a, b) in enumerate(offsets):
            self.mask[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] = winner == k
        return corners.max(axis=0)

    def backward(self, grad_out):
        # Copy each output's gradient to the four inputs of its block; the mask keeps the winner's.
        spread = grad_out.repeat(2, axis=2).repeat(2, axis=3)
        dx = np.zeros_like(self.mask, dtype=grad_out.dtype)
        dx[:, :, :spread.shape[2], :spread.shape[3]] = spread  # cropped rows and columns stay 0
        return dx * self.mask


class AvgPool2D:
    def forward(self, x):
        n, c, h, w = x.shape
        self.x_shape = x.shape
        # The four members of every 2 x 2 block are four strided slices of x.
        return sum(x[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] for a in (0, 1) for b in (0, 1)) / 4

    def backward(self, grad_out):
        n, c, h, w = self.x_shape
        dx = np.zeros(self.x_shape, dtype=grad_out.dtype)
        for a in (0, 1):
            for b in (0, 1):
                dx[:, :, a:h // 2 * 2:2, b:w // 2 * 2:2] = grad_out / 4  # each input gave 1/4 of the output
        return dx
