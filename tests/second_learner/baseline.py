"""Second learner's bodies for scratchdl/baseline.py (chapter 7): class means by boolean masks,
nearest mean by expanding the square."""

import numpy as np


class NearestMean:
    def fit(self, X, y):
        # one boolean mask per class; the mean of the selected rows, accumulated in float64
        rows = np.asarray(X).reshape(len(X), -1)
        labels = np.asarray(y)
        self.means = np.stack([rows[labels == k].mean(axis=0, dtype=np.float64)
                               for k in range(self.n_classes)])
        return self

    def predict(self, X):
        # |x - m|^2 = |x|^2 - 2 x.m + |m|^2; |x|^2 is the same for every class, so drop it
        rows = np.asarray(X).reshape(len(X), -1)
        centres = self.means
        score = np.einsum("kd,kd->k", centres, centres)[None, :] - 2.0 * (rows @ centres.T)
        return np.argmin(score, axis=1)
