"""Your progress: every exercise, chapter by chapter, judged by its check on your own code."""

import html
import json
from dataclasses import asdict, dataclass

from scratchdl.checks import judge
from scratchdl.course import CHAPTERS, load_exercises
from scratchdl.course import chapter as course_chapter

SYMBOLS = {"passing": "✓", "failing": "✗", "not started": "·"}


@dataclass
class Row:
    id: str
    chapter: int
    name: str
    state: str  # "not started", "failing" or "passing"
    detail: str  # why it fails (the first line of the check's message)


class Progress:
    """The state of every exercise. Shows as a table in a notebook, as text in a terminal."""

    def __init__(self, rows, chapter=None):
        self.rows = rows
        self.chapter = chapter  # None: the whole course

    def counts(self):
        return {state: sum(r.state == state for r in self.rows) for state in SYMBOLS}

    def to_json(self):
        return json.dumps([asdict(r) for r in self.rows], indent=2)

    def _chapters(self):
        for ch in CHAPTERS:
            if self.chapter is not None and ch.number != self.chapter:
                continue
            yield ch, [r for r in self.rows if r.chapter == ch.number]

    def __str__(self):
        lines = []
        width = max((len(r.name) for r in self.rows), default=10)
        for ch, rows in self._chapters():
            if not rows and ch.ready:
                continue
            label = f"Chapter {ch.number} · {ch.title}"
            lines.append(f"{label}  ({ch.notebook})" if ch.ready else f"{label}  (planned)")
            for r in rows:
                detail = f": {r.detail.splitlines()[0]}" if r.detail else ""
                lines.append(f"  {SYMBOLS[r.state]} {r.id:<5} {r.name:<{width}}  {r.state}{detail}")
        counts = self.counts()
        lines.append(
            f"{counts['passing']} of {len(self.rows)} exercises passing, {counts['failing']} "
            f"failing, {counts['not started']} not started."
        )
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        colours = {"passing": "#1a7f37", "failing": "#cf222e", "not started": "#6e7781"}
        out = ["<table><tr><th>exercise</th><th>name</th><th>state</th><th>detail</th></tr>"]
        for ch, rows in self._chapters():
            if not rows:
                continue
            out.append(f"<tr><th colspan='4' style='text-align:left'>Chapter {ch.number} · "
                       f"{html.escape(ch.title)}</th></tr>")
            for r in rows:
                out.append(
                    f"<tr><td>{r.id}</td><td><code>{html.escape(r.name)}</code></td>"
                    f"<td style='color:{colours[r.state]}'>{SYMBOLS[r.state]} {r.state}</td>"
                    f"<td style='text-align:left'>{html.escape(r.detail.splitlines()[0] if r.detail else '')}</td></tr>"
                )
        counts = self.counts()
        out.append(f"</table><p>{counts['passing']} of {len(self.rows)} exercises passing.</p>")
        return "".join(out)


def progress(chapter=None):
    """Judge every exercise (or one chapter's) on your own code, whatever the current mode."""
    registry = load_exercises()
    if chapter is not None:
        chapter = course_chapter(chapter).number  # an unknown chapter is an error
    rows = []
    for ex in registry.values():
        if chapter is not None and ex.chapter != chapter:
            continue
        state, detail = judge(ex.id)
        rows.append(Row(ex.id, ex.chapter, ex.name, state, detail))
    return Progress(rows, chapter)
