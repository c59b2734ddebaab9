"""Yours to write - chapter 3: 3.2 Network.forward; chapter 5: 5.4 Network.backward.

A network: a list of layers and a loss (forward in chapter 3, backward in chapter 5).

    model = Network([Dense(2, 16, rng), Activation("tanh"), Dense(16, 1, rng)], loss="sigmoid_cross_entropy")
    history = fit(model, X, y, epochs=100, batch_size=32, optimizer=Adam(0.01))   (scratchdl.training)
    model.predict(X), model.predict_proba(X), model.evaluate(X, y)

The last layer outputs the logit z, and the loss applies the sigmoid (chapter 4: computed together,
nothing overflows); predict_proba applies it too. The two steps as layers, Dense(16, 1, rng),
Activation("sigmoid") with loss="binary_cross_entropy", work as well. The same network as the
first, from the "architecture as a list of dicts" that many tutorials use:

    model = Network.from_architecture([
        {"input_dim": 2, "output_dim": 16, "activation": "tanh"},
        {"input_dim": 16, "output_dim": 1, "activation": "sigmoid"},
    ], rng)
"""

import os

import numpy as np

from scratchdl.activations import sigmoid, softmax
from scratchdl.course.exercises import ExerciseTodo, exercise
from scratchdl.layers import Activation, Dense
from scratchdl.losses import BinaryCrossEntropy, MeanSquaredError, SigmoidCrossEntropy, SoftmaxCrossEntropy, get_loss
from scratchdl.tools.architecture import check_architecture
from scratchdl.tools.inputs import inputs, targets


class Network:
    """A sequential network: each layer's output is the next layer's input."""

    def __init__(self, layers, loss="softmax_cross_entropy"):
        self.layers = list(layers)
        self.loss = get_loss(loss)
        self.training = True

    def train(self, mode=True):
        """Training mode (True) or evaluation mode (False) for every layer (chapter 10: dropout
        drops and batch norm uses the batch's statistics only while training). Returns the network."""
        self.training = bool(mode)
        for layer in self.layers:
            layer.training = self.training
        return self

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        return f"Network([\n    {inner},\n], loss={self.loss!r})"

    def __call__(self, x):
        return self.forward(x)

    @exercise("3.2")
    def forward(self, x):
        """Run a batch through every layer in order; return the last layer's output.

        Call each layer as layer(x): that checks the input, then runs the layer's forward,
        which keeps what its backward will need. Nothing else needs to be stored here.

        Args:
            x: float array of shape (n, n_features).

        Returns:
            float array of shape (n, n_outputs): the output of the last layer.
        """
        raise ExerciseTodo("3.2")

    @exercise("5.4")
    def backward(self, grad_out):
        """Backpropagation: pass the gradient through the layers in reverse order.

        Each layer's backward takes the gradient with respect to its output, stores the
        gradients of its parameters, and returns the gradient with respect to its input -
        which is the gradient with respect to the output of the layer before it.

        Args:
            grad_out: float array of shape (n, n_outputs), the gradient of the loss with
                respect to the network's output (from loss.backward()).

        Returns:
            float array of shape (n, n_features): the gradient with respect to the input.
        """
        raise ExerciseTodo("5.4")

    # --- parameters ----------------------------------------------------------------------

    def named_parameters(self):
        """[("layer 0 W", W), ...] in a fixed order; gradients() uses the same order."""
        return [(f"layer {i} {name}", value) for i, layer in enumerate(self.layers)
                for name, value in layer.params.items()]

    def parameters(self):
        return [value for _, value in self.named_parameters()]

    def gradients(self):
        return [layer.grads[name] for layer in self.layers for name in layer.params]

    def count_parameters(self):
        return int(sum(p.size for p in self.parameters()))

    @property
    def dtype(self):
        params = self.parameters()
        return params[0].dtype if params else np.dtype(np.float64)

    # --- one training step's worth of work --------------------------------------------

    def loss_and_gradients(self, x, y, regularizer=None):
        """Forward, loss, backward: returns (loss value, network output); fills every layer's grads.
        A regularizer (chapter 10's L2) adds its term's gradient to them and its value to the loss."""
        out = self.forward(x)
        value = self.loss(out, y)
        self.backward(self.loss.backward())
        if regularizer is not None:
            value = value + regularizer(self)
        return value, out

    # --- using a trained network ----------------------------------------------------------

    def output(self, x, batch_size=256):
        """The network's raw output for x, 256 examples at a time: a convolution of 2,048 images at once
        would need hundreds of MB for its im2col columns."""
        x = inputs(x, "x", self.dtype)  # numbers, one row per example, no NaN: else a clear error
        mode = self.training
        self.train(False)  # evaluation mode: nothing dropped, batch norm's running statistics
        try:
            return np.concatenate([self.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
        finally:
            self.train(mode)

    def predict_proba(self, x):
        """Class probabilities, shape (n, n_classes) (two columns, 1 - p and p, for a sigmoid output)."""
        out = self.output(x)
        if isinstance(self.loss, SoftmaxCrossEntropy):
            return softmax(out)  # the output is the logits: softmax is in the loss
        if isinstance(self.loss, SigmoidCrossEntropy):
            out = sigmoid(out)  # the output is the logit: the sigmoid is in the loss
        if isinstance(self.loss, (BinaryCrossEntropy, SigmoidCrossEntropy)):
            return np.hstack([1 - out, out])
        raise ValueError(f"predict_proba needs a classifier; this network's loss is {self.loss!r}")

    def predict(self, x):
        """Class labels (shape (n,)) for a classifier, outputs for a regression network."""
        if isinstance(self.loss, MeanSquaredError):
            return self.output(x)
        return scores_to_labels(self.loss, self.output(x))

    def evaluate(self, x, y):
        """{"loss": ..., "accuracy": ...} on the data (no accuracy for regression)."""
        out = self.output(x)
        result = {"loss": float(self.loss(out, targets(y, "y", len(out), "x")))}
        if not isinstance(self.loss, MeanSquaredError):
            result["accuracy"] = float(np.mean(scores_to_labels(self.loss, out) == np.ravel(y)))
        return result

    # --- building from a list of dicts ----------------------------------------------------

    @classmethod
    def from_architecture(cls, architecture, rng, loss=None, dtype=np.float64):
        """Build from [{"input_dim": 2, "output_dim": 4, "activation": "relu"}, ...].

        Each dict becomes Dense(input_dim, output_dim) followed by its activation, initialised
        with He for ReLU-like activations and Xavier otherwise (or the dict's "init"). Without
        `loss`, it follows from the last activation: softmax -> softmax_cross_entropy,
        sigmoid -> sigmoid_cross_entropy, anything else -> mse. Those two losses apply the last
        activation themselves, from the logits, so it is left out of the layers: the network
        outputs logits (predict_proba turns them into probabilities). With
        loss="binary_cross_entropy" a last sigmoid stays a layer, and the network outputs p.
        """
        architecture = check_architecture(architecture)  # a clear error for a malformed list
        if loss is None:
            loss = {"softmax": "softmax_cross_entropy", "sigmoid": "sigmoid_cross_entropy"}.get(
                architecture[-1]["activation"], "mse")
        loss = get_loss(loss)
        layers = []
        for i, spec in enumerate(architecture):
            init = spec.get("init", "he_normal" if "relu" in spec["activation"] else "xavier_normal")
            layers.append(Dense(spec["input_dim"], spec["output_dim"], rng, init=init, dtype=dtype))
            in_the_loss = spec["activation"] == "softmax" or (  # computed with the loss, from the logits
                i == len(architecture) - 1 and spec["activation"] == "sigmoid" and isinstance(loss, SigmoidCrossEntropy))
            if not in_the_loss:
                layers.append(Activation(spec["activation"]))
        return cls(layers, loss=loss)

    # --- saving and loading (.npz, no pickle) -------------------------------------------

    def named_state(self):
        """[("layer 1 running_mean", array), ...]: what layers keep that is not trained (chapter 10)."""
        return [(f"layer {i} {name}", value) for i, layer in enumerate(self.layers)
                for name, value in getattr(layer, "state", {}).items()]

    def save(self, path):
        """Save every parameter (and batch norm's running statistics) to a .npz file (plain arrays, no pickle)."""
        np.savez(path, **{name.replace(" ", "_"): value for name, value in self.named_parameters() + self.named_state()})

    def load(self, path):
        """Load parameters saved by save() into this network, which must have the same shapes.
        Every array is checked before any is copied: a file that does not fit changes nothing."""
        if not os.path.isfile(path):
            raise FileNotFoundError(f"there is no file {str(path)!r} to load parameters from")
        try:
            archive = np.load(path, allow_pickle=False)
        except (ValueError, OSError):  # not .npz or .npy at all (numpy then suspects a pickle)
            raise ValueError(f"{path} is not a file saved by Network.save (a .npz of arrays)") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError(f"{path} holds a single array; Network.save writes a .npz with one array per parameter")
        with archive as saved:
            wanted = {name.replace(" ", "_"): value for name, value in self.named_parameters() + self.named_state()}
            if set(saved.files) != set(wanted):
                raise ValueError(f"{path} holds parameters {sorted(saved.files)}; this network has {sorted(wanted)}")
            for name, value in wanted.items():
                if saved[name].shape != value.shape:
                    raise ValueError(f"{path}: {name} has shape {saved[name].shape}; this network needs {value.shape}")
            for name, value in wanted.items():
                value[...] = saved[name]  # in place: optimizers and layers keep their references
        return self


def scores_to_labels(loss, out):
    """Class labels from a classifier's output: argmax of logits, probability > 0.5, or a
    sigmoid's logit > 0 (the same as sigmoid(z) > 0.5)."""
    if isinstance(loss, BinaryCrossEntropy):
        return (out[:, 0] > 0.5).astype(np.int64)
    if isinstance(loss, SigmoidCrossEntropy):
        return (out[:, 0] > 0).astype(np.int64)
    return out.argmax(axis=1)
