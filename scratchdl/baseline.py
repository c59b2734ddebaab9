"""Yours to write - chapter 7: 7.3 NearestMean.fit, 7.4 NearestMean.predict.

Chapter 7 - a baseline to beat: classify a digit by the nearest average digit.

Fit: average the training images of each class (ten "mean digits"). Predict: the class whose
mean is closest to the image, by the mean squared error over the pixels. No learning rate, no
epochs - and still most digits come out right. Any network must do better than this.
"""

import numpy as np

from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.metrics import one_hot


class NearestMean:
    """The nearest-mean (or "nearest centroid") classifier, with the squared error as distance."""

    def __init__(self, n_classes=10):
        self.n_classes = n_classes
        self.means = None  # (n_classes, n_features) after fit

    @exercise("7.3")
    def fit(self, X, y):
        """Store in self.means the average image of each class; return self.

        Flatten each image into a row first (X.reshape(len(X), -1)). With Y = one_hot(y,
        n_classes), Y.T @ X sums the images of each class in one matrix product, and Y.sum(axis=0)
        counts them.

        Args:
            X: float array of shape (n, ...) - n images of any shape.
            y: int array of shape (n,), labels in 0..n_classes-1.

        Returns:
            self, with self.means a float array of shape (n_classes, n_features).
        """
        raise ExerciseTodo("7.3")

    @exercise("7.4")
    def predict(self, X):
        """For each image, the class whose mean is nearest by the mean squared error.

            distance(x, m_k) = mean over pixels of (x - m_k)**2,   prediction = argmin over k

        Work one class at a time (a loop over the ten means), or expand the square: comparing
        every image with every mean at once by broadcasting needs n * 10 * 784 numbers in memory.

        Args:
            X: float array of shape (n, ...), images shaped like those given to fit.

        Returns:
            int array of shape (n,).
        """
        raise ExerciseTodo("7.4")
