"""The live training view: what it shows in a notebook, its plain-text fallback, and its cost."""

import base64
import io
import re

import numpy as np

from scratchdl.tools import datasets
from scratchdl.tools.live import LiveView, in_notebook, layer_table
from scratchdl.tools.monitor import layer_statistics
from scratchdl.network import Network
from scratchdl.optimizers import Adam
from scratchdl.training import fit


def moons_model():
    X, y = datasets.two_moons(400, 0.2, np.random.default_rng(0))
    model = Network.from_architecture(
        [{"input_dim": 2, "output_dim": 16, "activation": "relu"}, {"input_dim": 16, "output_dim": 2, "activation": "softmax"}],
        np.random.default_rng(0),
    )
    return model, X, y


def test_outside_a_notebook_fit_live_prints_one_plain_line_per_epoch(capsys):
    assert not in_notebook()  # pytest is not a Jupyter kernel
    model, X, y = moons_model()
    fit(model, X, y, epochs=4, batch_size=32, optimizer=Adam(0.01), validation_data=(X[:100], y[:100]), live=True)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("epoch")]
    assert [line.split()[1] for line in lines] == ["1/4", "2/4", "3/4", "4/4"]
    for line in lines:
        assert re.search(r"loss \d\.\d{4}  accuracy \d\.\d{4}  val_loss \d\.\d{4}  val_accuracy \d\.\d{4}", line)
        assert re.search(r"dead ReLUs: layer 1 \d+%", line) and "s left" in line
    assert "<" not in "".join(lines)  # no HTML in a terminal


def test_in_a_notebook_one_view_shows_progress_curves_and_layer_statistics():
    model, X, y = moons_model()
    shown = []
    view = LiveView(X[:128], rich=True, show=shown.append)
    history = fit(model, X, y, epochs=3, batch_size=32, optimizer=Adam(0.01), validation_data=(X[:100], y[:100]),
                        callbacks=[view], verbose=0)
    last = shown[-1]
    assert "<progress value='1.0000'" in last and "epoch 3/3, batch 13/13" in last
    assert f"val_accuracy <b>{history['val_accuracy'][-1]:.4f}</b>" in last
    png = base64.b64decode(re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", last).group(1))
    assert png.startswith(b"\x89PNG")
    for row in layer_statistics(model, X[:128]):
        assert f"<td>{row['index']}</td><td>{row['layer']}</td>" in last.replace("&#x27;", "'")


def test_the_figure_is_redrawn_only_within_its_time_budget():
    model, X, y = moons_model()  # an epoch takes milliseconds, a redraw about a tenth of a second
    shown = []
    view = LiveView(X[:128], rich=True, show=shown.append, budget=0.05)
    fit(model, X, y, epochs=30, batch_size=32, optimizer=Adam(0.01), callbacks=[view], verbose=0)
    images = {re.search(r"base64,([^']+)", markup).group(1) for markup in shown if "base64," in markup}
    assert len(images) <= 2  # the budget allows at most the first redraw and the final one
    assert view.image and "epoch 30/30" in shown[-1]


def test_the_layer_table_shows_the_dead_share_only_for_relu_layers():
    model, X, _ = moons_model()
    model.layers[0].params["b"][:8] = -100.0  # 8 of the 16 units can never fire
    table = layer_table(layer_statistics(model, X))
    rows = re.findall(r"<tr><td>(\d)</td><td>([^<]+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)
    assert [(index, dead) for index, _, _, _, dead in rows] == [("0", ""), ("1", "50%"), ("2", "")]  # softmax is in the loss
    assert rows[0][2] == f"{model.layers[0].params['W'].std():.3g}"  # the weights' spread of Dense 2 -> 16


def test_text_mode_goes_to_the_stream_it_is_given():
    model, X, y = moons_model()
    stream = io.StringIO()
    fit(model, X, y, epochs=2, optimizer=Adam(0.01), callbacks=[LiveView(None, rich=False, stream=stream)], verbose=0)
    assert stream.getvalue().count("\n") == 2 and "dead ReLUs" not in stream.getvalue()  # no sample, no statistics


# --- what a fit leaves in a saved notebook ---------------------------------------------------

KERNEL_SETUP = """
import numpy as np
from scratchdl.tools import datasets
from scratchdl.tools.callbacks import ProgressBar
from scratchdl.network import Network
from scratchdl.optimizers import Adam
from scratchdl.training import fit
X, y = datasets.two_moons(400, 0.2, np.random.default_rng(0))
def model():
    return Network.from_architecture([{"input_dim": 2, "output_dim": 16, "activation": "relu"},
                                      {"input_dim": 16, "output_dim": 2, "activation": "softmax"}],
                                     np.random.default_rng(0))
fit(model(), X, y, epochs=1, optimizer=Adam(0.01), verbose=0);  # the mode's one-off notice lands here, not below
"""
# quiet_for=0: the bar is drawn at every epoch's end and every 0.2 s; in a terminal each of those
# draws is a write to stdout, and in a notebook each write would be an output of its own.
BAR_CELL = "fit(model(), X, y, epochs=20, optimizer=Adam(0.01), verbose=0, callbacks=[ProgressBar(quiet_for=0)]);"
LIVE_CELL = "fit(model(), X, y, epochs=20, optimizer=Adam(0.01), verbose=0, validation_data=(X[:100], y[:100]), live=True);"


def test_in_a_real_kernel_a_20_epoch_fit_leaves_one_output_in_the_notebook():
    import nbformat
    from nbclient import NotebookClient

    from scratchdl.course.exercises import COURSE_DIR

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in (KERNEL_SETUP, BAR_CELL, LIVE_CELL)])
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(COURSE_DIR)}}).execute()
    bar, live = nb.cells[1].outputs, nb.cells[2].outputs
    assert [o.output_type for o in bar] == ["display_data"], "one display, updated in place: no stream outputs"
    assert re.fullmatch(r"epoch 20/20 \[=+\] loss \d\.\d{4}  accuracy \d\.\d{4}  \d+\.\ds, 0\.0s left",
                        bar[0].data["text/plain"])
    assert "<progress value='1.0000'" in bar[0].data["text/html"]
    assert [o.output_type for o in live] == ["display_data"]
    assert "epoch 20/20, batch 13/13" in live[0].data["text/html"] and "data:image/png;base64," in live[0].data["text/html"]


def test_in_a_terminal_the_progress_bar_is_one_line_rewritten_with_carriage_returns(capsys):
    from scratchdl.tools.callbacks import ProgressBar

    model, X, y = moons_model()
    bar = ProgressBar(quiet_for=0)
    assert not bar.rich  # pytest is not a notebook
    fit(model, X, y, epochs=5, optimizer=Adam(0.01), verbose=0, callbacks=[bar])
    out = capsys.readouterr().out
    assert out.startswith("\repoch ") and out.count("\n") == 1 and out.endswith("\n")
    assert out.count("\r") >= 5 and "epoch 5/5 [" + "=" * 24 + "]" in out.split("\r")[-1]
