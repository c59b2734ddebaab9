"""Draw a digit with the mouse and watch your networks classify it (chapters 7 and 8).

    draw_digit({"your MLP": mlp_probabilities, "your LeNet": lenet.predict_proba})

Each model is given as a function from images of shape (n, 1, 28, 28), pixels from 0 to 1,
to class probabilities of shape (n, 10). A drawing is prepared the way MNIST's digits were
(LeCun et al.): the ink is cut out, scaled so that its longer side is 20 pixels, and placed in a
28 x 28 image with its centre of mass in the middle. Skip that, and a digit drawn small or in a
corner looks like nothing the network has seen.
"""

import base64

import anywidget
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import traitlets

SIDE, BOX = 28, 20  # MNIST: 28 x 28 images, the digit scaled to fit 20 x 20


# --- preparing a drawing like an MNIST digit ------------------------------------------------


def box_weights(n_in, n_out):
    """The matrix that resizes n_in pixels to n_out by averaging the pixels each new one covers.

    Output pixel i covers the interval [i, i+1) * n_in / n_out of the input; its value is the
    average of the input pixels under it, each weighted by how much of it is covered.

    Returns:
        float array of shape (n_out, n_in) whose rows sum to 1.
    """
    edges = np.arange(n_out + 1) * n_in / n_out
    left, right = edges[:-1, None], edges[1:, None]  # (n_out, 1): each output pixel's interval
    pixel = np.arange(n_in)[None, :]  # (1, n_in): input pixel j covers [j, j+1)
    overlap = np.clip(np.minimum(right, pixel + 1) - np.maximum(left, pixel), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def resize(image, height, width):
    """Area-averaging resize of a 2-D array (h, w) to (height, width): R_h @ image @ R_w.T."""
    return box_weights(image.shape[0], height) @ image @ box_weights(image.shape[1], width).T


def prepare_drawing(canvas):
    """A drawing -> a 28 x 28 image prepared like MNIST's, or None if there is no ink.

    Args:
        canvas: array of shape (h, w), ink from 0 (paper) to 1.

    Returns:
        float32 array of shape (1, 1, 28, 28): the digit scaled to fit 20 x 20 (keeping its
        proportions), with its centre of mass at the centre of the image.
    """
    canvas = np.asarray(canvas, dtype=np.float64)
    if canvas.ndim != 2:
        raise ValueError(f"a drawing is a 2-D array (height, width); got shape {canvas.shape}")
    rows, cols = np.nonzero(canvas > 0)
    if len(rows) == 0:
        return None
    ink = canvas[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    scale = BOX / max(ink.shape)
    h, w = max(1, round(ink.shape[0] * scale)), max(1, round(ink.shape[1] * scale))
    digit = resize(ink, h, w)
    # Centre of mass of the scaled digit, then the shift that moves it to the image's centre.
    ys, xs = np.indices(digit.shape)
    cy, cx = (ys * digit).sum() / digit.sum(), (xs * digit).sum() / digit.sum()
    top = int(np.clip(round(SIDE / 2 - cy), 0, SIDE - h))
    left = int(np.clip(round(SIDE / 2 - cx), 0, SIDE - w))
    image = np.zeros((SIDE, SIDE))
    image[top:top + h, left:left + w] = digit
    return np.clip(image, 0, 1).astype(np.float32)[None, None]


def classify(models, image):
    """{name: class probabilities, shape (10,)} for one prepared image (1, 1, 28, 28)."""
    return {name: np.asarray(probabilities(image))[0] for name, probabilities in models.items()}


def plot_drawing(image, probabilities):
    """The prepared 28 x 28 image and each model's probabilities side by side; returns the figure."""
    fig, axes = plt.subplots(1, 1 + len(probabilities), figsize=(3 + 3.2 * len(probabilities), 2.8))
    axes[0].imshow(image.reshape(SIDE, SIDE), cmap="gray_r", vmin=0, vmax=1)
    axes[0].set_title("what the networks see")
    axes[0].set_xlabel("28 pixels")
    axes[0].set_ylabel("28 pixels")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for ax, (name, p) in zip(axes[1:], probabilities.items()):
        best = int(np.argmax(p))
        ax.bar(range(10), p, color=["tab:orange" if k == best else "tab:blue" for k in range(10)])
        ax.set_xticks(range(10))
        ax.set_ylim(0, 1)
        ax.set_title(f"{name}: {best} ({p[best]:.0%})")
        ax.set_xlabel("digit")
        ax.set_ylabel("probability")
    fig.tight_layout()
    return fig


# --- the widget -----------------------------------------------------------------------------

# The drawing happens in the browser; only the finished drawing (one byte per pixel, base64)
# is sent to Python, when the mouse button is released.
CANVAS_JS = """
function render({ model, el }) {
  const size = model.get("size");
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  canvas.className = "scratchdl-canvas";
  canvas.style.cssText = "border:1px solid #888; touch-action:none; cursor:crosshair";
  const ctx = canvas.getContext("2d");
  const clear = () => {
    ctx.fillStyle = "black";
    ctx.fillRect(0, 0, size, size);
    ctx.beginPath();
  };
  clear();
  ctx.strokeStyle = "white";
  ctx.lineWidth = size / 12;
  ctx.lineCap = ctx.lineJoin = "round";
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height];
  };
  let drawing = false;
  canvas.addEventListener("pointerdown", (e) => {
    drawing = true;
    canvas.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    ctx.beginPath(); ctx.moveTo(x, y); ctx.lineTo(x, y); ctx.stroke();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const [x, y] = at(e);
    ctx.lineTo(x, y); ctx.stroke();
  });
  const finish = () => {
    if (!drawing) return;
    drawing = false;
    const rgba = ctx.getImageData(0, 0, size, size).data;
    let bytes = "";
    for (let i = 0; i < size * size; i++) bytes += String.fromCharCode(rgba[4 * i]);
    model.set("pixels", btoa(bytes));
    model.save_changes();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  const button = document.createElement("button");
  button.textContent = "Clear";
  button.onclick = () => { clear(); model.set("pixels", ""); model.save_changes(); };
  el.append(canvas, document.createElement("br"), button);
}
export default { render };
"""


class DigitCanvas(anywidget.AnyWidget):
    """A square canvas to draw on; `pixels` holds the drawing (base64, one byte per pixel)."""

    _esm = CANVAS_JS
    size = traitlets.Int(224).tag(sync=True)
    pixels = traitlets.Unicode("").tag(sync=True)

    def drawing(self):
        """The drawing as an array (size, size), ink from 0 to 1; all 0 when cleared."""
        if not self.pixels:
            return np.zeros((self.size, self.size))
        data = np.frombuffer(base64.b64decode(self.pixels), dtype=np.uint8)
        return data.reshape(self.size, self.size) / 255.0


def draw_digit(models):
    """The canvas and, beside it, what each model makes of the drawing.

    Args:
        models: {name: function from images (n, 1, 28, 28) to probabilities (n, 10)}.

    Returns:
        the widget (shown when it is the last thing in a cell). Its `.canvas` is the
        DigitCanvas, its `.result` the latest {name: probabilities}, or None.
    """
    canvas = DigitCanvas()
    output = widgets.Output(layout={"min_height": "220px"})
    view = widgets.HBox([canvas, output])
    view.canvas, view.result = canvas, None

    def update(change=None):
        image = prepare_drawing(canvas.drawing())
        output.clear_output(wait=True)
        with output:
            if image is None:
                print("Draw a digit in the black square (one stroke or several), then let go.")
                view.result = None
                return
            view.result = classify(models, image)
            plot_drawing(image, view.result)
            plt.show()

    canvas.observe(update, names="pixels")
    update()
    return view
