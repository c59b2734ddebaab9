"""The gradebook as files: a CSV for a spreadsheet, an HTML summary and a picture for a projector.

CSV, one row per learner: learner, source, handed in (UTC), passing (how many exercises),
exercises (how many there are), problems (what went wrong with the submission as a whole:
a crash, the time running out, an archive that could not be read); then one column per exercise
("2.1") holding passing / failing / timed out / cannot load / not started; then one column per
exercise ("2.1 message") with the first line of why it does not pass. The states side by side
make a grid a spreadsheet can colour; the messages, further right, are there to read.

JSON (--json): every verdict with its whole message, for scripts.

HTML: how many learners pass each exercise and, for each, its three most common failures; one
line per learner; and the picture (also saved beside it as a .png): learners on rows, exercises on
columns, one colour per state, chapters separated, in fonts large enough for a projector.
"""

import base64
import collections
import csv
import html
import io
import json
from pathlib import Path

from scratchdl.course.archive import write_atomically
from scratchdl.course.progress import COLORS

# The picture's colours: progress's, with "not started" pale (it is the background of a class
# that has just begun) and a colour of its own for a check stopped by its time limit.
PICTURE_COLORS = {"passing": COLORS["passing"], "failing": COLORS["failing"], "timed out": "#8250df",
                  "cannot load": COLORS["cannot load"], "not started": "#e1e6eb"}
MARKS = {"failing": "✗", "timed out": "∞", "cannot load": "!"}  # a shape too, not colour alone


def first_line(exercise, verdict):
    """The first line of a verdict's message without the 'Exercise 2.1 sigmoid: ' it starts with."""
    line = verdict.first_line
    prefix = f"Exercise {exercise.id} {exercise.name}: "
    return line[len(prefix):] if line.startswith(prefix) else line


def rows(book):
    """The CSV's rows, header first."""
    ids = [ex.id for ex in book.exercises]
    header = ["learner", "source", "handed in", "passing", "exercises", "problems"]
    header += ids + [f"{exercise_id} message" for exercise_id in ids]
    out = [header]
    for result in book.results:
        verdicts = [result.verdicts[ex.id] for ex in book.exercises]
        out.append([result.name, str(result.source), result.when, result.count("passing"), len(ids),
                    "; ".join(result.problems)]
                   + [v.state for v in verdicts]
                   + [first_line(ex, v) for ex, v in zip(book.exercises, verdicts)])
    return out


def write_json(book, path):
    """Every verdict with its whole message, for scripts: {"exercises": [...], "learners": [...]}."""
    data = {
        "seconds": round(book.seconds, 1),
        "exercises": [{"id": ex.id, "chapter": ex.chapter, "name": ex.name} for ex in book.exercises],
        "learners": [{"name": r.name, "source": str(r.source), "handed_in": r.when, "problems": r.problems,
                      "verdicts": {i: {"state": v.state, "message": v.message} for i, v in r.verdicts.items()}}
                     for r in book.results],
    }
    write_atomically(path, json.dumps(data, indent=1).encode("utf-8"))
    return Path(path)


def write_csv(book, path):
    """Write the CSV (see the module's docstring); returns its Path."""
    text = io.StringIO()
    csv.writer(text).writerows(rows(book))
    write_atomically(path, text.getvalue().encode("utf-8-sig"))  # the BOM: spreadsheets then read UTF-8
    return Path(path)


# --- the summary ------------------------------------------------------------------------------


def exercise_summary(book, common=3):
    """Per exercise: (Exercise, {state: how many learners}, [(first line, how many), ...])."""
    summary = []
    for ex in book.exercises:
        verdicts = [result.verdicts[ex.id] for result in book.results]
        counts = collections.Counter(v.state for v in verdicts)
        failures = collections.Counter(first_line(ex, v) for v in verdicts
                                       if v.state in ("failing", "timed out", "cannot load") and v.message)
        summary.append((ex, counts, failures.most_common(common)))
    return summary


def _chapter_edges(book):
    """[(chapter, first column, last column)] of the picture."""
    edges = []
    for column, ex in enumerate(book.exercises):
        if edges and edges[-1][0] == ex.chapter:
            edges[-1][2] = column
        else:
            edges.append([ex.chapter, column, column])
    return edges


def picture(book):
    """A matplotlib Figure: learners x exercises, one colour (and mark) per state."""
    # A Figure of its own, not pyplot's: no backend is chosen, nothing shows up in a notebook.
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n_learners, n_exercises = len(book.results), len(book.exercises)
    grid = [[list(PICTURE_COLORS).index(result.verdicts[ex.id].state) for ex in book.exercises]
            for result in book.results]
    label_size = 15 if n_learners <= 30 else max(7, 15 - (n_learners - 30) // 6)
    figure = Figure(figsize=(max(12, 0.3 * n_exercises + 4), max(4, 0.45 * n_learners + 3)), dpi=100,
                    layout="constrained")
    axes = figure.add_subplot()
    axes.imshow(grid, cmap=ListedColormap(list(PICTURE_COLORS.values())), vmin=-0.5,
                vmax=len(PICTURE_COLORS) - 0.5, aspect="auto", interpolation="nearest")
    for row, result in enumerate(book.results):
        for column, ex in enumerate(book.exercises):
            mark = MARKS.get(result.verdicts[ex.id].state)
            if mark:
                axes.text(column, row, mark, ha="center", va="center", color="white", fontsize=12, fontweight="bold")
    for row in range(1, n_learners):
        axes.axhline(row - 0.5, color="white", linewidth=1)
    for _, first, last in _chapter_edges(book)[1:]:
        axes.axvline(first - 0.5, color="black", linewidth=3)
    axes.set_xticks(range(n_exercises), [ex.id for ex in book.exercises], rotation=90, fontsize=11)
    axes.set_yticks(range(n_learners), [f"{r.name}  {r.count('passing')}/{n_exercises}" for r in book.results],
                    fontsize=label_size)
    top = axes.secondary_xaxis("top")
    edges = _chapter_edges(book)
    top.set_xticks([(first + last) / 2 for _, first, last in edges], [f"ch. {chapter}" for chapter, _, _ in edges],
                   fontsize=14)
    top.tick_params(length=0)
    axes.set_xlabel("exercise", fontsize=16)
    axes.set_ylabel("learner (exercises passing)", fontsize=16)
    axes.set_title(f"Gradebook: {n_learners} learners × {n_exercises} exercises", fontsize=20, pad=12)
    legend = [Patch(facecolor=color, edgecolor="black",
                    label=f"{MARKS.get(state, '')} {state} ({sum(r.count(state) for r in book.results)})".strip())
              for state, color in PICTURE_COLORS.items()]
    figure.legend(handles=legend, loc="outside lower center", ncol=len(legend), fontsize=15, frameon=False)
    return figure


def save_picture(book, path):
    picture(book).savefig(path, format="png")
    return Path(path)


def html_page(book, png):
    """The gradebook as one HTML page, the picture (PNG bytes) embedded."""
    n = len(book.results)
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>scratchdl gradebook</title><style>"
           "body{font-family:sans-serif;margin:2em} table{border-collapse:collapse;margin:1em 0}"
           "td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
           "td.n{text-align:right} img{max-width:100%}</style></head><body>",
           f"<h1>Gradebook: {n} learners, {len(book.exercises)} exercises</h1>",
           f"<p>Graded in {book.seconds:.0f} s, each check limited to {book.limits.check_seconds:g} s, each "
           f"submission to {book.limits.submission_seconds:g} s and {book.limits.megabytes} MB; "
           + ("each could change files only in its own temporary folder (Landlock).</p>" if book.landlock else
              "<b>nothing kept the submissions from changing files outside their folders (no Landlock here)</b>.</p>"),
           f"<img alt='learners by exercises' src='data:image/png;base64,{base64.b64encode(png).decode()}'>",
           "<h2>Exercises</h2><table><tr><th>exercise</th><th>name</th><th>passing</th><th>failing</th>"
           "<th>timed out</th><th>cannot load</th><th>not started</th><th>most common failures</th></tr>"]
    for ex, counts, failures in exercise_summary(book):
        common = "<br>".join(f"{count} × {html.escape(line)}" for line, count in failures)
        out.append(f"<tr><td>{ex.id}</td><td><code>{html.escape(ex.name)}</code></td>"
                   f"<td class='n'><b>{counts['passing']}</b> of {n}</td>"
                   + "".join(f"<td class='n'>{counts[state] or ''}</td>" for state in
                             ("failing", "timed out", "cannot load", "not started"))
                   + f"<td>{common}</td></tr>")
    out.append("</table><h2>Learners</h2><table><tr><th>learner</th><th>passing</th><th>handed in</th>"
               "<th>problems</th><th>source</th></tr>")
    for result in book.results:
        out.append(f"<tr><td>{html.escape(result.name)}</td><td class='n'>{result.count('passing')} of "
                   f"{len(book.exercises)}</td><td>{html.escape(result.when)}</td>"
                   f"<td>{html.escape('; '.join(result.problems))}</td><td>{html.escape(str(result.source))}</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def write_html(book, path):
    """Write the HTML page and, beside it, its picture as a .png; returns both Paths."""
    path = Path(path)
    buffer = io.BytesIO()
    picture(book).savefig(buffer, format="png")
    png = buffer.getvalue()
    image = path.with_suffix(".png")
    write_atomically(image, png)
    write_atomically(path, html_page(book, png).encode("utf-8"))
    return [path, image]
