"""Chapter 4, losses: checks pass on correct code and name typical mistakes; bad targets are refused."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy, get_loss



def keep(self, **values):
    self.__dict__.update(values)


# --- 4.1 MeanSquaredError.forward
def mse_sum(self, y_pred, y):
    keep(self, diff=y_pred - y)
    return float(np.sum((y_pred - y) ** 2))


def mse_rows(self, y_pred, y):
    keep(self, diff=y_pred - y)
    return float(np.sum((y_pred - y) ** 2) / len(y))


def mse_per_column(self, y_pred, y):
    keep(self, diff=y_pred - y)
    return np.mean((y_pred - y) ** 2, axis=0)


def mse_mean_then_square(self, y_pred, y):
    keep(self, diff=y_pred - y)
    return float(np.mean(y_pred - y) ** 2)


def mse_root(self, y_pred, y):
    keep(self, diff=y_pred - y)
    return float(np.sqrt(np.mean((y_pred - y) ** 2)))


def mse_subtracting_in_place(self, y_pred, y):
    y_pred -= y  # saves an array, but it is the caller's y_pred
    keep(self, diff=y_pred)
    return float(np.mean(y_pred**2))


# --- 4.2 MeanSquaredError.backward
def mse_grad_without_two(self):
    return self.diff / self.diff.size


def mse_grad_not_averaged(self):
    return 2 * self.diff


def mse_grad_wrong_sign(self):
    return -2 * self.diff / self.diff.size


def mse_grad_over_rows(self):
    return 2 * self.diff / len(self.diff)


def mse_grad_in_place(self):
    self.diff *= 2 / self.diff.size  # scales forward's kept difference itself
    return self.diff


def mse_grad_summed(self):
    return float(np.sum(2 * self.diff / self.diff.size))


def mse_grad_dividing_by_np_prod(self):
    return 2 * self.diff / np.prod(self.diff.shape)  # an np.int64: float32 / int64 is float64


# --- 4.3 BinaryCrossEntropy.forward
def bce_unclipped(self, p, y):
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_summed(self, p, y):
    p = np.clip(p, self.EPS, 1 - self.EPS)
    keep(self, p=p, y=y)
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_no_minus(self, p, y):
    p = np.clip(p, self.EPS, 1 - self.EPS)
    keep(self, p=p, y=y)
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_clipped_only_below(self, p, y):
    p = np.maximum(p, self.EPS)
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_labels_swapped(self, p, y):
    p = np.clip(p, self.EPS, 1 - self.EPS)
    keep(self, p=p, y=y)
    return float(-np.mean((1 - y) * np.log(p) + y * np.log(1 - p)))


def bce_only_the_positive_term(self, p, y):
    p = np.clip(p, self.EPS, 1 - self.EPS)
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(p)))  # the categorical formula, one class only


def bce_clipping_in_place(self, p, y):
    np.clip(p, self.EPS, 1 - self.EPS, out=p)  # clips the caller's array
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


# --- 4.4 BinaryCrossEntropy.backward
def bce_grad_wrt_logits(self):
    return (self.p - self.y) / len(self.y)


def bce_grad_not_averaged(self):
    return (self.p - self.y) / (self.p * (1 - self.p))


def bce_grad_wrong_sign(self):
    return (self.y - self.p) / (self.p * (1 - self.p)) / len(self.y)


def bce_grad_second_term_sign(self):
    return (-self.y / self.p - (1 - self.y) / (1 - self.p)) / len(self.y)


def bce_grad_in_place(self):
    grad = self.p  # the same array as forward's p
    grad -= self.y
    grad /= self.p * (1 - self.p) * len(self.y)
    return grad


def bce_grad_averaged_to_a_number(self):
    return float(np.mean((self.p - self.y) / (self.p * (1 - self.p))))


def bce_grad_in_a_loop(self):
    n = len(self.y)
    grad = np.zeros((n, 1))  # float64, whatever self.p is
    for i in range(n):
        p, y = self.p[i, 0], self.y[i, 0]
        grad[i, 0] = (p - y) / (p * (1 - p)) / n
    return grad


# --- 4.5 SoftmaxCrossEntropy.forward
def sce_textbook(self, logits, y):
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    keep(self, probs=probs, y=y)
    return float(-np.log(probs[np.arange(len(y)), y]).mean())


def sce_log_of_softmax(self, logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    keep(self, probs=probs, y=y)
    return float(-np.log(probs[np.arange(len(y)), y]).mean())


def _log_probs(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def sce_every_label(self, logits, y):
    lp = _log_probs(logits)
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[:, y].mean())


def sce_without_keepdims(self, logits, y):
    shifted = logits - logits.max(axis=1)  # (n, k) minus (n,)
    lp = shifted - np.log(np.exp(shifted).sum(axis=1))
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[np.arange(len(y)), y].mean())


def sce_maximum_of_each_column(self, logits, y):
    shifted = logits - logits.max(axis=0, keepdims=True)  # the wrong axis
    lp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[np.arange(len(y)), y].mean())


def sce_shifting_in_place(self, logits, y):
    logits -= logits.max(axis=1, keepdims=True)  # shifts the caller's logits
    lp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[np.arange(len(y)), y].mean())


def sce_max_not_added_back(self, logits, y):
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    keep(self, probs=e / e.sum(axis=1, keepdims=True), y=y)
    log_sum_exp = np.log(e.sum(axis=1))  # logsumexp(z) would be m + this
    return float(np.mean(log_sum_exp - logits[np.arange(len(y)), y]))


def sce_summed(self, logits, y):
    lp = _log_probs(logits)
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[np.arange(len(y)), y].sum())


def sce_epsilon_in_the_log(self, logits, y):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    keep(self, probs=probs, y=y)
    return float(-np.log(probs[np.arange(len(y)), y] + 1e-12).mean())  # caps the loss at 27.6


def sce_one_maximum_for_the_batch(self, logits, y):
    shifted = logits - np.max(logits)
    lp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    keep(self, probs=np.exp(lp), y=y)
    return float(-lp[np.arange(len(y)), y].mean())


# --- 4.6 SoftmaxCrossEntropy.backward
def sce_grad_every_column(self):
    g = self.probs.copy()
    g[:, self.y] -= 1
    return g / len(self.y)


def sce_grad_in_place(self):
    g = self.probs
    g[np.arange(len(self.y)), self.y] -= 1
    return g / len(self.y)


def sce_grad_not_averaged(self):
    g = self.probs.copy()
    g[np.arange(len(self.y)), self.y] -= 1
    return g


def sce_grad_wrong_sign(self):
    g = self.probs.copy()
    g[np.arange(len(self.y)), self.y] -= 1
    return -g / len(self.y)


def sce_grad_with_a_float64_one_hot(self):
    one_hot = np.eye(self.probs.shape[1])[self.y]  # np.eye is float64
    return (self.probs - one_hot) / len(self.y)


def sce_grad_over_classes(self):
    n, k = self.probs.shape
    g = self.probs.copy()
    g[np.arange(n), self.y] -= 1
    return g / k


def sce_grad_minus_one_everywhere(self):
    return (self.probs - 1) / len(self.y)


# --- 4.7 SigmoidCrossEntropy.forward
def _sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _softplus_of_minus_abs(z):
    return np.log1p(np.exp(-np.abs(z)))


def sigce_log_of_sigmoid(self, z, y):
    p = _sigmoid(z)
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))  # log(0) once p rounds to 0 or 1


def sigce_clipped_probability(self, z, y):
    p = _sigmoid(z)
    keep(self, p=p, y=y)
    pc = np.clip(p, 1e-7, 1 - 1e-7)  # BinaryCrossEntropy's way: finite, but capped at 16.1
    return float(-np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc)))


def sigce_summed(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.sum(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


def sigce_plus_y_z(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(np.maximum(z, 0) + y * z + _softplus_of_minus_abs(z)))


def sigce_z_for_max(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(z - y * z + _softplus_of_minus_abs(z)))


def sigce_exp_without_abs(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-z))))  # exp(800) for z = -800


def sigce_other_class(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(np.maximum(z, 0) - (1 - y) * z + _softplus_of_minus_abs(z)))


def sigce_without_the_log(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(np.maximum(z, 0) - y * z))


def sigce_labels_flattened(self, z, y):
    y = y.ravel()  # as SoftmaxCrossEntropy's labels: (n,) against (n, 1) broadcasts to (n, n)
    keep(self, p=_sigmoid(z), y=y)
    return float(np.mean(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


def sigce_sigmoid_with_where(self, z, y):
    keep(self, p=np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))), y=y)
    return float(np.mean(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


def sigce_textbook_sigmoid(self, z, y):
    keep(self, p=1 / (1 + np.exp(-z)), y=y)  # exp(800) for z = -800
    return float(np.mean(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


def sigce_per_example(self, z, y):
    keep(self, p=_sigmoid(z), y=y)
    return np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)


# --- 4.8 SigmoidCrossEntropy.backward
def sigce_grad_not_averaged(self):
    return self.p - self.y


def sigce_grad_wrong_sign(self):
    return (self.y - self.p) / len(self.y)


def sigce_grad_of_bce(self):
    return (self.p - self.y) / (self.p * (1 - self.p)) / len(self.y)  # chapter 4's dL/dp


def sigce_grad_through_the_sigmoid_again(self):
    return (self.p - self.y) * self.p * (1 - self.p) / len(self.y)


def sigce_grad_sigmoid_of_p(self):
    return (_sigmoid(self.p) - self.y) / len(self.y)  # as if self.p were the logit


def sigce_grad_in_place(self):
    grad = self.p  # forward's array itself
    grad -= self.y
    return grad / len(self.y)


def sigce_grad_dividing_by_np_prod(self):
    return (self.p - self.y) / np.prod(self.y.shape)  # an np.int64: float32 / int64 is float64


def sigce_grad_averaged_to_a_number(self):
    return float(np.mean(self.p - self.y))


MISTAKES = [
    ("4.1", mse_sum, r"you summed the squares"),
    ("4.1", mse_rows, r"divided by the number of rows n"),
    ("4.1", mse_per_column, r"one mean per column \(axis=0\).*np\.mean with no axis"),
    ("4.1", mse_mean_then_square, r"mean was taken before squaring.*square each difference first"),
    ("4.1", mse_root, r"drop the square root"),
    ("4.1", mse_subtracting_in_place, r"argument y_pred\) changed its input array in place.*self\.diff = y_pred - y"),
    ("4.2", mse_grad_without_two, r"factor 2 is missing"),
    ("4.2", mse_grad_not_averaged, r"forgot the 1 / N"),
    ("4.2", mse_grad_wrong_sign, r"wrong sign"),
    ("4.2", mse_grad_over_rows, r"not by n rows"),
    ("4.2", mse_grad_in_place, r"changed self\.diff in place.*compute a new array"),
    ("4.2", mse_grad_summed, r"returned one number.*summed or averaged away"),
    # numpy 2 makes float32 / np.int64 float64; numpy 1's value-based casting kept float32.
    *([("4.2", mse_grad_dividing_by_np_prod, r"turned float32 input into float64.*np\.prod")]
      if int(np.__version__.split(".")[0]) >= 2 else []),
    ("4.3", bce_unclipped, r"log\(0\) is -inf.*np\.clip"),
    ("4.3", bce_summed, r"you summed over the batch"),
    ("4.3", bce_no_minus, r"minus sign is missing"),
    ("4.3", bce_clipped_only_below, r"kept away from 0 but not from 1.*clip it at both ends"),
    ("4.3", bce_labels_swapped, r"y and 1 - y are swapped"),
    ("4.3", bce_only_the_positive_term, r"\(1 - y\) \* log\(1 - p\) term is missing"),
    ("4.3", bce_clipping_in_place, r"argument p\) changed its input array in place.*out=p.*in a new array"),
    ("4.4", bce_grad_wrt_logits, r"gradient with respect to the sigmoid's input z"),
    ("4.4", bce_grad_not_averaged, r"forgot the 1 / n"),
    ("4.4", bce_grad_wrong_sign, r"wrong sign"),
    ("4.4", bce_grad_second_term_sign, r"sign of the second term"),
    ("4.4", bce_grad_in_place, r"changed self\.p in place.*compute a new array"),
    ("4.4", bce_grad_averaged_to_a_number, r"returned one number.*summed or averaged away"),
    ("4.4", bce_grad_in_a_loop, r"turned float32 input into float64.*np\.zeros"),
    ("4.5", sce_textbook, r"exp\(1000\) overflows"),
    ("4.5", sce_log_of_softmax, r"divide by zero encountered in log.*instead of taking the log of softmax"),
    ("4.5", sce_every_label, r"np\.arange\(n\), y\]"),
    ("4.5", sce_without_keepdims, r"keepdims=True"),
    ("4.5", sce_maximum_of_each_column, r"maximum was taken down the columns \(axis=0\).*axis=1"),
    ("4.5", sce_shifting_in_place, r"argument logits\) changed its input array in place.*shifted = logits - logits\.max"),
    ("4.5", sce_max_not_added_back, r"log-sum-exp lost its maximum.*add m back"),
    ("4.5", sce_summed, r"summed over the batch"),
    ("4.5", sce_epsilon_in_the_log, r"epsilon.*caps each example's loss"),
    ("4.5", sce_one_maximum_for_the_batch, r"one maximum for the whole batch.*each row's own"),
    ("4.6", sce_grad_every_column, r"grad\[:, y\] -= 1 subtracts 1 in every row.*grad\[np\.arange\(n\), y\]"),
    ("4.6", sce_grad_in_place, r"changed self\.probs in place.*self\.probs\.copy\(\)"),
    ("4.6", sce_grad_not_averaged, r"forgot to divide by n"),
    ("4.6", sce_grad_wrong_sign, r"wrong sign"),
    ("4.6", sce_grad_with_a_float64_one_hot, r"turned float32 input into float64.*np\.eye\(k\).*dtype=self\.probs\.dtype"),
    ("4.6", sce_grad_over_classes, r"divided by the number of classes k"),
    ("4.6", sce_grad_minus_one_everywhere, r"1 was subtracted from every entry"),
    ("4.7", sigce_log_of_sigmoid, r"divide by zero.*do not take the log of a probability"),
    ("4.7", sigce_clipped_probability, r"kept away from 0 and 1 with a clip.*caps each example's loss"),
    ("4.7", sigce_summed, r"you summed over the batch"),
    ("4.7", sigce_plus_y_z, r"the sign of y \* z"),
    ("4.7", sigce_z_for_max, r"z where max\(z, 0\) belongs"),
    ("4.7", sigce_exp_without_abs, r"exp\(-z\) where exp\(-\|z\|\) belongs"),
    ("4.7", sigce_other_class, r"the loss of the other class"),
    ("4.7", sigce_without_the_log, r"log\(1 \+ exp\(-\|z\|\)\) term is missing"),
    ("4.7", sigce_labels_flattened, r"labels of shape \(n,\) against logits of shape \(n, 1\) broadcast to an \(n, n\)"),
    ("4.7", sigce_sigmoid_with_where, r"np\.where evaluates both of its branches"),
    ("4.7", sigce_textbook_sigmoid, r"1 / \(1 \+ np\.exp\(-z\)\) cannot give self\.p.*sigmoid\(z\), your chapter 2 sigmoid"),
    ("4.7", sigce_per_example, r"per-example losses were returned"),
    ("4.8", sigce_grad_not_averaged, r"forgot the 1 / n"),
    ("4.8", sigce_grad_wrong_sign, r"wrong sign"),
    ("4.8", sigce_grad_of_bce, r"BinaryCrossEntropy's gradient with respect to p"),
    ("4.8", sigce_grad_through_the_sigmoid_again, r"sigmoid's derivative p \(1 - p\) was applied again"),
    ("4.8", sigce_grad_sigmoid_of_p, r"self\.p is already sigmoid\(z\)"),
    ("4.8", sigce_grad_in_place, r"changed self\.p in place.*\(self\.p - self\.y\) / n"),
    # numpy 2 makes float32 / np.int64 float64; numpy 1's value-based casting kept float32.
    *([("4.8", sigce_grad_dividing_by_np_prod, r"turned float32 input into float64.*np\.prod\(self\.y\.shape\)")]
      if int(np.__version__.split(".")[0]) >= 2 else []),
    ("4.8", sigce_grad_averaged_to_a_number, r"returned one number.*summed or averaged away"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


# --- what forward keeps for backward (the contract in forward's docstring)
def mse_keeping_nothing(self, y_pred, y):
    return float(np.mean((y_pred - y) ** 2))


def mse_keeping_the_other_sign(self, y_pred, y):
    keep(self, diff=y - y_pred)
    return float(np.mean((y_pred - y) ** 2))


def bce_keeping_unclipped(self, p, y):
    clipped = np.clip(p, self.EPS, 1 - self.EPS)
    keep(self, p=p, y=y)
    return float(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)))


def sce_keeping_log_probs(self, logits, y):
    lp = _log_probs(logits)
    keep(self, probs=lp, y=y)
    return float(-lp[np.arange(len(y)), y].mean())


def sce_keeping_probabilities_under_another_name(self, logits, y):
    lp = _log_probs(logits)
    keep(self, softmax=np.exp(lp), labels=y)
    return float(-lp[np.arange(len(y)), y].mean())


def sigce_keeping_the_logit(self, z, y):
    keep(self, p=z, y=y)  # backward would then need the sigmoid
    return float(np.mean(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


def sigce_keeping_nothing(self, z, y):
    return float(np.mean(np.maximum(z, 0) - y * z + _softplus_of_minus_abs(z)))


CONTRACT_MISTAKES = [
    ("4.1", mse_keeping_nothing, r"did not keep self\.diff; backward reads it"),
    ("4.1", mse_keeping_the_other_sign, r"self\.diff must be y_pred - y"),
    ("4.3", bce_keeping_unclipped, r"keep the clipped p in self\.p"),
    ("4.5", sce_keeping_log_probs, r"not their logarithms"),
    ("4.5", sce_keeping_probabilities_under_another_name, r"did not keep self\.probs"),
    ("4.7", sigce_keeping_the_logit, r"self\.p must hold the probabilities sigmoid\(z\), not the logits"),
    ("4.7", sigce_keeping_nothing, r"did not keep self\.p; backward reads it"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(CONTRACT_MISTAKES))
def test_a_forward_that_does_not_keep_what_its_docstring_names_is_caught(exercise_id, wrong, pattern):
    # Any correct backward reads exactly these attributes: a forward that keeps something else
    # would break the reference backward in fill mode (and the learner's own, written later).
    assert_caught(exercise_id, wrong, pattern)


@pytest.mark.parametrize(
    "loss, y_pred, y, message",
    [
        (SoftmaxCrossEntropy(), np.zeros((3, 4)), np.array([0, 1, 4]), r"class labels must be in 0\.\.3 for 4 logits; got values from 0 to 4"),
        (SoftmaxCrossEntropy(), np.zeros((3, 4)), np.array([0, -1, 2]), r"must be in 0\.\.3"),
        (SoftmaxCrossEntropy(), np.zeros((3, 4)), np.eye(4)[[0, 1, 2]], r"expected 3 integer class labels, shape \(3,\); got shape \(3, 4\) \(one-hot rows\? pass y\.argmax\(axis=1\)\)"),
        (SoftmaxCrossEntropy(), np.zeros((3, 4)), np.array([0, 1]), r"expected 3 integer class labels"),
        (SoftmaxCrossEntropy(), np.zeros((3, 4)), np.array([0.5, 1, 2]), r"class labels must be integers"),
        (BinaryCrossEntropy(), np.full((3, 1), 0.5), np.array([0, 1, 2]), r"labels must be 0 or 1"),
        (BinaryCrossEntropy(), np.full((3, 1), 0.5), np.zeros((2, 1)), r"labels of shape \(2, 1\) do not match probabilities of shape \(3, 1\)"),
        (SigmoidCrossEntropy(), np.zeros((3, 1)), np.array([0, 1, 2]), r"labels must be 0 or 1; got values \[0 1 2\]"),
        (SigmoidCrossEntropy(), np.zeros((3, 1)), np.zeros((2, 1)), r"labels of shape \(2, 1\) do not match logits of shape \(3, 1\)"),
        (SigmoidCrossEntropy(), np.zeros((3, 2)), np.zeros((3, 2)), r"one logit per example, shape \(n, 1\); got shape \(3, 2\) \(for k classes, use SoftmaxCrossEntropy\)"),
        (MeanSquaredError(), np.zeros((3, 2)), np.zeros((3, 3)), r"targets of shape \(3, 3\) do not match predictions of shape \(3, 2\)"),
    ],
)
def test_bad_targets_are_refused_with_what_was_expected(loss, y_pred, y, message):
    with pytest.raises(ValueError, match=message):
        loss(y_pred, y)
    assert all(getattr(loss, name, None) is None for name in ("y", "diff", "p", "probs")), "nothing was stored"


def test_targets_in_a_convenient_form_are_accepted():
    assert BinaryCrossEntropy().check_targets(np.full((3, 1), 0.5), [0, 1, 1]).shape == (3, 1)
    assert MeanSquaredError().check_targets(np.zeros((3, 1)), np.zeros(3)).shape == (3, 1)
    assert SoftmaxCrossEntropy().check_targets(np.zeros((2, 3)), np.array([0.0, 2.0])).dtype.kind == "i"
    assert SigmoidCrossEntropy().check_targets(np.zeros((3, 1), np.float32), [0, 1, 1]).dtype == np.float32
    # labels of shape (n,) are made (n, 1): against (n, 1) logits they would broadcast to (n, n)
    assert SigmoidCrossEntropy().check_targets(np.zeros((3, 1)), np.array([0, 1, 1])).shape == (3, 1)
    assert get_loss("sigmoid_cross_entropy").__class__ is SigmoidCrossEntropy
    with pytest.raises(ValueError, match=r"unknown loss 'hinge'; expected one of mse"):
        get_loss("hinge")
