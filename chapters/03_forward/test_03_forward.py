"""Chapter 3, the forward pass: checks pass on correct code and name typical mistakes; the
public API refuses bad input with what was expected."""

import numpy as np
import pytest

from judging import assert_caught, mistake_cases
from scratchdl.activations import sigmoid
from scratchdl.layers import Activation, Dense
from scratchdl.network import Network



# --- 3.1 Dense.forward
def forward_with_w_transposed(self, x):
    self.x = x
    return x @ self.params["W"].T + self.params["b"]  # as if W were (fan_out, fan_in)


def forward_without_bias(self, x):
    self.x = x
    return x @ self.params["W"]


def forward_without_keeping_x(self, x):
    return x @ self.params["W"] + self.params["b"]


def forward_transposed(self, x):
    self.x = x
    return self.params["W"].T @ x.T  # one column per example: (fan_out, n)


def forward_with_bias_as_a_column(self, x):
    self.x = x
    return x @ self.params["W"] + self.params["b"].reshape(-1, 1)


def forward_keeping_the_output(self, x):
    self.x = x @ self.params["W"] + self.params["b"]
    return self.x


def forward_in_a_float64_loop(self, x):
    self.x = x
    out = np.zeros((len(x), self.fan_out))  # float64, whatever x is
    for i, row in enumerate(x):
        out[i] = row @ self.params["W"] + self.params["b"]
    return out


def forward_squeezed(self, x):
    self.x = x
    return np.squeeze(x @ self.params["W"] + self.params["b"])  # (4,) for a batch of one


# --- 3.2 Network.forward
def net_forward_not_passing_on(self, x):
    for layer in self.layers:
        layer(x)
    return x


def net_forward_returning_inside_the_loop(self, x):
    for layer in self.layers:
        x = layer(x)
        return x


def net_forward_returning_none(self, x):
    for layer in self.layers:
        x = layer(x)


def net_forward_skipping_the_last_layer(self, x):
    for i in range(len(self.layers) - 1):
        x = self.layers[i](x)
    return x


def net_forward_reversed(self, x):
    for layer in reversed(self.layers):
        x = layer(x)
    return x


def net_forward_returning_every_output(self, x):
    outputs = []
    for layer in self.layers:
        x = layer(x)
        outputs.append(x)
    return outputs


def net_forward_skipping_the_first_layer(self, x):
    for layer in self.layers[1:]:
        x = layer(x)
    return x


def net_forward_first_layer_only(self, x):
    return self.layers[0](x)


MISTAKES = [
    ("3.1", forward_with_w_transposed, r"you multiplied by W\.T.*drop the \.T"),
    ("3.1", forward_without_bias, r"forgot to add the bias"),
    ("3.1", forward_without_keeping_x, r"did not keep its input in self\.x"),
    ("3.1", forward_transposed, r"\(fan_out, n\).*Compute x @ W"),
    ("3.1", forward_with_bias_as_a_column, r"bias was made a column.*as it is"),
    ("3.1", forward_keeping_the_output, r"kept its output in self\.x.*self\.x = x"),
    ("3.1", forward_in_a_float64_loop, r"turned float32 input into float64.*np\.zeros"),
    ("3.1", forward_squeezed, r"dropped the batch axis"),
    ("3.2", net_forward_not_passing_on, r"not the output of layer 0.*x = layer\(x\)"),
    ("3.2", net_forward_returning_inside_the_loop, r"ran only layer 0.*`return` is inside the loop"),
    ("3.2", net_forward_returning_none, r"returned None; return the last layer's output"),
    ("3.2", net_forward_skipping_the_last_layer, r"last layer never ran.*stops one short"),
    ("3.2", net_forward_reversed, r"started at the last layer.*reversed\(\) belongs in backward"),
    ("3.2", net_forward_returning_every_output, r"returned a list of 3 items.*return only the last one"),
    ("3.2", net_forward_skipping_the_first_layer, r"started at layer 1.*skips layer 0"),
    ("3.2", net_forward_first_layer_only, r"ran only layer 0.*only self\.layers\[0\] is called"),
]


@pytest.mark.parametrize("exercise_id, wrong, pattern", mistake_cases(MISTAKES))
def test_check_names_the_mistake(exercise_id, wrong, pattern):
    assert_caught(exercise_id, wrong, pattern)


def test_dense_refuses_input_of_the_wrong_width_before_changing_anything():
    layer = Dense(3, 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"Dense\(3 → 4\) expects input of shape \(n, 3\); got shape \(5, 2\)"):
        layer(np.zeros((5, 2)))
    assert layer.x is None
    with pytest.raises(ValueError, match=r"expects input of shape \(n, 3\); got shape \(3,\)"):
        layer(np.zeros(3))
    with pytest.raises(TypeError, match=r"expects a numpy array; got list"):
        layer([[1.0, 2.0, 3.0]])


ARCHITECTURE = [
    {"input_dim": 2, "output_dim": 4, "activation": "relu"},
    {"input_dim": 4, "output_dim": 3, "activation": "tanh"},
    {"input_dim": 3, "output_dim": 2, "activation": "softmax"},
]


def test_a_list_of_dicts_and_layer_objects_give_the_same_network():
    from_dicts = Network.from_architecture(ARCHITECTURE, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    from_layers = Network([
        Dense(2, 4, rng, init="he_normal"), Activation("relu"),
        Dense(4, 3, rng, init="xavier_normal"), Activation("tanh"),
        Dense(3, 2, rng, init="xavier_normal"),
    ], loss="softmax_cross_entropy")
    assert [repr(layer) for layer in from_dicts.layers] == [repr(layer) for layer in from_layers.layers]
    for a, b in zip(from_dicts.parameters(), from_layers.parameters()):
        assert np.array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(6, 2))
    assert np.array_equal(from_dicts.forward(x), from_layers.forward(x))
    assert type(from_dicts.loss) is type(from_layers.loss)


@pytest.mark.parametrize(
    "architecture, message",
    [
        ([{"input_dim": 2, "output_dim": 4, "activation": "relu"}, {"input_dim": 5, "output_dim": 1, "activation": "sigmoid"}],
         r"layer 1: input_dim is 5, but layer 0 outputs 4 features"),
        ([{"input_dim": 2, "output_dim": 4, "activation": "swish"}], r"layer 0: unknown activation 'swish'; expected one of sigmoid"),
        ([{"input_dim": 2, "output_dim": 4}], r"layer 0: missing keys \['activation'\]"),
        ([{"input_dim": 2, "output_dim": 4, "activation": "relu", "units": 3}], r"unknown keys \['units'\]"),
        ([{"input_dim": 2, "output_dim": 4, "activation": "softmax"}, {"input_dim": 4, "output_dim": 1, "activation": "sigmoid"}],
         r"'softmax' can only be the last layer's activation"),
        ([], r"the architecture is empty"),
        ([(2, 4, "relu")], r"layer 0: expected a dict like"),
    ],
)
def test_a_bad_architecture_is_refused_with_what_was_expected(architecture, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Network.from_architecture(architecture, np.random.default_rng(0))


def test_the_loss_follows_the_last_activation():
    rng = np.random.default_rng(0)
    last = lambda activation: [{"input_dim": 2, "output_dim": 1, "activation": activation}]  # noqa: E731
    assert type(Network.from_architecture(last("sigmoid"), rng).loss).__name__ == "SigmoidCrossEntropy"
    assert type(Network.from_architecture(last("linear"), rng).loss).__name__ == "MeanSquaredError"
    assert type(Network.from_architecture(last("softmax"), rng).loss).__name__ == "SoftmaxCrossEntropy"


def test_a_last_sigmoid_goes_into_the_loss_unless_the_loss_is_the_two_step_one():
    rng = np.random.default_rng(0)
    architecture = [{"input_dim": 2, "output_dim": 3, "activation": "sigmoid"},
                    {"input_dim": 3, "output_dim": 1, "activation": "sigmoid"}]
    fused = Network.from_architecture(architecture, np.random.default_rng(0))
    assert [repr(layer) for layer in fused.layers] == ["Dense(2 → 3)", "Activation('sigmoid')", "Dense(3 → 1)"]
    two_step = Network.from_architecture(architecture, np.random.default_rng(0), loss="binary_cross_entropy")
    assert [repr(layer) for layer in two_step.layers][-1] == "Activation('sigmoid')"
    assert type(two_step.loss).__name__ == "BinaryCrossEntropy"
    x = rng.normal(size=(7, 2)) * 3
    assert np.array_equal(sigmoid(fused(x)), two_step(x)), "the same network: the sigmoid moved into the loss"
    assert np.array_equal(fused.predict_proba(x), two_step.predict_proba(x))
    assert np.array_equal(fused.predict(x), two_step.predict(x))
    y = (x[:, 0] > 0).astype(int)
    assert fused.evaluate(x, y)["accuracy"] == two_step.evaluate(x, y)["accuracy"]
    assert fused.evaluate(x, y)["loss"] == pytest.approx(two_step.evaluate(x, y)["loss"], rel=1e-12)
    # a logit of exactly 0 is p = 0.5: class 0 for both (predict asks for p > 0.5)
    fused.layers[-1].params["W"][...] = 0
    two_step.layers[-2].params["W"][...] = 0
    assert list(fused.predict(x)) == list(two_step.predict(x)) == [0] * 7


def test_save_and_load_round_trip_without_pickle(tmp_path):
    net = Network.from_architecture(ARCHITECTURE, np.random.default_rng(3))
    path = tmp_path / "weights.npz"
    net.save(path)
    other = Network.from_architecture(ARCHITECTURE, np.random.default_rng(4))
    references = other.parameters()
    other.load(path)
    x = np.random.default_rng(5).normal(size=(4, 2))
    assert np.array_equal(other.forward(x), net.forward(x))
    assert all(a is b for a, b in zip(references, other.parameters())), "loaded in place"
    with np.load(path, allow_pickle=False) as saved:
        assert sorted(saved.files) == sorted(name.replace(" ", "_") for name, _ in net.named_parameters())
    smaller = Network.from_architecture(ARCHITECTURE[:1] + [{"input_dim": 4, "output_dim": 2, "activation": "softmax"}],
                                        np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"holds parameters .* this network has"):
        smaller.load(path)
