"""The course's LeNet against PyTorch: same weights, same outputs and gradients; same recipe,
same accuracy. These run where PyTorch is installed (CI installs torch==2.13.0, a CPU build)."""

import json
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is optional; CI installs it for these tests")

from scratchdl.tools import compare  # noqa: E402
from scratchdl.tools.mnist import load_mnist  # noqa: E402
from scratchdl.tools.models import lenet5, mnist_mlp  # noqa: E402
from scratchdl.optimizers import Adam  # noqa: E402
from scratchdl.training import fit  # noqa: E402


@pytest.fixture(scope="module")
def data():
    return load_mnist(validation=0)


@pytest.mark.parametrize("build, flatten", [(lenet5, False), (mnist_mlp, True)], ids=["lenet5", "mlp"])
def test_same_weights_give_the_same_outputs_loss_and_gradients(data, build, flatten):
    model = build(np.random.default_rng(0))
    X = data.X_train[:64]
    X = X.reshape(64, -1) if flatten else X
    differences = compare.compare_one_batch(model, X, data.y_train[:64])
    assert differences["output"] < 1e-4
    assert differences["loss"] < 1e-5
    assert differences["gradients"] < 1e-4, "every gradient agrees to float32 precision"


def test_pytorch_in_its_own_process_gives_the_same_comparison_and_stays_out_of_this_one(data):
    # As the notebook runs it: a kernel that imported PyTorch would keep about 200 MB.
    script = """
import json, sys
import numpy as np
from scratchdl.tools import compare
from scratchdl.tools.mnist import load_mnist
from scratchdl.tools.models import lenet5
data = load_mnist(validation=0)
differences = compare.compare_one_batch(lenet5(np.random.default_rng(0)), data.X_train[:64], data.y_train[:64],
                                        separate_process=True)
print(json.dumps({"differences": differences, "torch imported": "torch" in sys.modules}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["torch imported"] is False
    here = compare.compare_one_batch(lenet5(np.random.default_rng(0)), data.X_train[:64], data.y_train[:64])
    assert result["differences"] == pytest.approx(here, abs=1e-12)
    assert result["differences"]["gradients"] < 1e-4


def test_the_same_recipe_reaches_the_same_accuracy(data):
    # One epoch of the chapter's recipe from the same weights, with the same batches in the same
    # order: the two runs differ only by float32 rounding, so their test accuracies agree closely.
    ours = lenet5(np.random.default_rng(1))
    theirs = compare.to_torch(ours)
    fit(ours, data.X_train, data.y_train, epochs=1, batch_size=128, optimizer=Adam(0.002),
             schedule="cosine", verbose=0, rng=5)
    compare.torch_fit(theirs, data.X_train, data.y_train, epochs=1, batch_size=128,
                      learning_rate=0.002, seed=5, cosine=True)
    ours_accuracy = ours.evaluate(data.X_test, data.y_test)["accuracy"]
    theirs_accuracy = compare.torch_accuracy(theirs, data.X_test, data.y_test)
    assert ours_accuracy > 0.97 and theirs_accuracy > 0.97
    assert abs(ours_accuracy - theirs_accuracy) < 0.004


def test_an_unknown_layer_has_no_counterpart():
    from scratchdl.layers import Layer
    from scratchdl.network import Network

    class Odd(Layer):
        pass

    with pytest.raises(TypeError, match=r"no PyTorch counterpart for"):
        compare.to_torch(Network([Odd()]))
