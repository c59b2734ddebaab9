"""Your progress: every exercise, judged by its check on your own code, at a glance.

Totals first; then the chapter you are working on, one row per exercise with the file and line
to edit; then one line for each other chapter. In a notebook, `progress()` expands the chapter
whose notebook you opened; in a terminal, the first chapter that is not done (or the one given).
"""

import html
import json
from dataclasses import asdict, dataclass

from scratchdl.course import chapters
from scratchdl.course.checks import judge
from scratchdl.course.loader import load_exercises

SYMBOLS = {"passing": "✓", "failing": "✗", "cannot load": "!", "not started": "·"}
COLORS = {"passing": "#1a7f37", "failing": "#cf222e", "cannot load": "#bc4c00", "not started": "#6e7781"}


@dataclass
class Row:
    id: str
    chapter: int
    name: str
    state: str  # "not started", "failing", "cannot load" or "passing"
    detail: str  # why it fails or cannot load (the check's message); '' otherwise
    file: str  # the file to edit: "scratchdl/activations.py"
    line: int  # where its body is (or where the file's error is); None if unknown

    @property
    def where(self):
        return f"{self.file}:{self.line}" if self.line else self.file


class Progress:
    """The state of every exercise. Shows as a table in a notebook, as text in a terminal."""

    def __init__(self, rows, expand=None):
        self.rows = rows
        # Which chapters get a row per exercise: a set of numbers, or "all".
        self.expand = expand if expand is not None else self._in_hand()

    def _in_hand(self):
        numbers = {r.chapter for r in self.rows}
        if len(numbers) == 1:
            return numbers
        if chapters.current_chapter in numbers:
            return {chapters.current_chapter}
        unfinished = [r.chapter for r in self.rows if r.state != "passing"]
        return {min(unfinished)} if unfinished else set()

    def counts(self):
        return {state: sum(r.state == state for r in self.rows) for state in SYMBOLS}

    def totals(self):
        counts = self.counts()
        parts = [f"{counts['passing']} of {len(self.rows)} exercises passing"]
        parts += [f"{counts[state]} {state}" for state in ("failing", "cannot load", "not started") if counts[state]]
        return " · ".join(parts)

    def problems(self):
        """The reasons files do not load, once each."""
        return list(dict.fromkeys(r.detail.splitlines()[0] for r in self.rows if r.state == "cannot load"))

    def to_json(self):
        return json.dumps([asdict(r) for r in self.rows], indent=2)

    def _chapters(self):
        for ch in chapters.CHAPTERS:
            rows = [r for r in self.rows if r.chapter == ch.number]
            if rows:
                yield ch, rows, self.expand == "all" or ch.number in self.expand

    @staticmethod
    def _summary(rows):
        counts = {state: sum(r.state == state for r in rows) for state in SYMBOLS}
        text = f"{counts['passing']} of {len(rows)} passing"
        rest = [f"{counts[s]} {s}" for s in ("failing", "cannot load", "not started") if counts[s]]
        mark = "✓" if counts["passing"] == len(rows) else ("✗" if counts["failing"] or counts["cannot load"] else " ")
        return mark, text + (", " + ", ".join(rest) if rest else "")

    def __str__(self):
        lines = [self.totals()]
        lines += [f"! {problem}: fix it and save; nothing in the file was checked" for problem in self.problems()]
        lines.append("")
        width = max((len(r.name) for r in self.rows), default=10)
        where_width = max((len(r.where) for r in self.rows), default=10)
        others = []
        for ch, rows, expanded in self._chapters():
            if not expanded:
                mark, summary = self._summary(rows)
                others.append(f"  {mark} Chapter {ch.number} · {ch.title:<42} {summary}")
                continue
            lines.append(f"Chapter {ch.number} · {ch.title}  ({ch.notebook})")
            for r in rows:
                detail = "" if r.state == "passing" else f"  {r.state}"
                if r.detail and r.state == "failing":
                    detail += f": {r.detail.splitlines()[0]}"
                lines.append(f"  {SYMBOLS[r.state]} {r.id:<5} {r.name:<{width}}  {r.where:<{where_width}}{detail}")
            lines.append("")
        if others:
            lines.append("Other chapters:" if len(others) < len(self.rows) else "Chapters:")
            lines += others
        return "\n".join(lines).rstrip()

    __repr__ = __str__

    def _repr_html_(self):
        out = [f"<p><b>{html.escape(self.totals())}</b></p>"]
        out += [f"<p style='color:{COLORS['cannot load']}'>! {html.escape(problem)}: fix it and save; nothing "
                "in the file was checked</p>" for problem in self.problems()]
        others = []
        for ch, rows, expanded in self._chapters():
            if not expanded:
                mark, summary = self._summary(rows)
                others.append(f"<tr><td>{mark}</td><td style='text-align:left'>Chapter {ch.number} · "
                              f"{html.escape(ch.title)}</td><td style='text-align:left'>{summary}</td></tr>")
                continue
            out.append(f"<p>Chapter {ch.number} · {html.escape(ch.title)} "
                       f"(<code>{ch.notebook}</code>)</p><table>"
                       "<tr><th>exercise</th><th>name</th><th>state</th><th>file</th><th>detail</th></tr>")
            for r in rows:
                out.append(
                    f"<tr><td>{r.id}</td><td style='text-align:left'><code>{html.escape(r.name)}</code></td>"
                    f"<td style='color:{COLORS[r.state]};text-align:left'>{SYMBOLS[r.state]} {r.state}</td>"
                    f"<td style='text-align:left'><code>{html.escape(r.where)}</code></td>"
                    f"<td style='text-align:left'>{html.escape(r.detail.splitlines()[0] if r.state == 'failing' else '')}</td></tr>")
            out.append("</table>")
        if others:
            out.append("<table>" + "".join(others) + "</table>")
        return "".join(out)


def progress(chapter=None, expand=None):
    """Judge every exercise (or one chapter's) on your own code, whatever the current mode.

    progress()             totals, the chapter in hand exercise by exercise, one line per other chapter
    progress(2)            chapter 2 only
    progress(expand="all") every chapter exercise by exercise
    """
    if chapter is not None:
        chapter = chapters.chapter(chapter).number  # an unknown chapter is an error
    if expand not in (None, "all"):
        expand = {chapters.chapter(expand).number}
    registry = load_exercises()
    rows = []
    for ex in registry.values():
        if chapter is not None and ex.chapter != chapter:
            continue
        verdict = judge(ex.id)
        line = ex.error.line if ex.error is not None and ex.error.line else ex.line
        file = ex.error.path if ex.error is not None else ex.path
        detail = verdict.message if verdict.state in ("failing", "cannot load") else ""
        rows.append(Row(ex.id, ex.chapter, ex.name, verdict.state, detail, file, line))
    return Progress(rows, expand)
