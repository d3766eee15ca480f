"""``summary.html``: the class at a glance, one self-contained page per batch, for an instructor.

Trusted process; it reads finished bundle documents and grades nothing. What the page shows:
the summary table (mean, median, full, zero, missing, error per exercise), the score distribution
of each exercise as a histogram (points axis from 0 to the exercise's maximum), the most frequent
hints per exercise with the share of the class that got each, the students who need attention and
why (``summary.attention``: missing files, errors, zeros, review flags, tampering with the changed
paths), and the isolation levels the reports were graded under.

Safe to open whatever the students wrote:

- no JavaScript and nothing fetched: the first element of ``<head>`` is a Content Security Policy
  (``CSP``) that allows only inline styles and ``data:`` images, and the plots are PNGs embedded as
  ``data:`` URIs, so the page views offline, from a mail attachment or a CI artifact;
- every string from a report (submission ids, paths, messages, hints, flags; and the course's own
  names) goes through ``grader.formats.sanitize`` (control and bidirectional characters shown
  escaped, length capped) and then ``html.escape(quote=True)``: it can only ever be text. The
  markup is this module's alone: ``TAGS`` and ``ATTRIBUTES`` list every element and attribute it
  writes, and the browser test holds the rendered page to them.

The plots come from matplotlib (Agg, drawn to PNG in memory): the ubiquitous, well-kept plotting
library of the Python world, fully offline, with static output that needs no JavaScript (unlike
plotly or bokeh) and no display. It is imported only when a page is drawn and is an optional
dependency (the ``instructor`` extra; students never need it): without it the page is still
written, with a one-line note where the plots would be (``PLOTS_MISSING``). Rendering is
deterministic for the same documents and ``context``: the default style whatever the machine's
matplotlibrc, no timestamps or software version in the PNGs.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from grader.batch import summary
from grader.batch.outputs import cell, write_atomically
from grader.formats import sanitize

PAGE_NAME = "summary.html"
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
PLOTS_MISSING = ("plots left out: matplotlib is not installed "
                 "(pip install 'autograd-grader[instructor]', or pip install matplotlib)")
TAGS = frozenset({"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
                  "section", "div", "table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption",
                  "img", "ul", "li", "code", "span", "footer"})
ATTRIBUTES = frozenset({"lang", "http-equiv", "content", "charset", "class", "src", "alt", "width", "height"})

NAME_CHARS = 120  # a submission id, a path, an exercise id in the page
TEXT_CHARS = 300  # a message, a hint, a flag
MAX_CHANGES = 20  # tampered paths shown per student; the rest are counted
FIGURE_INCHES = (3.6, 2.1)
FIGURE_DPI = 90
MARGINS = {"left": 0.15, "right": 0.97, "bottom": 0.2, "top": 0.95}  # room for the axes' labels
MOST_BINS = 20  # an exercise worth more points gets this many bins, else one per point
LEVEL_MEANING = {
    "strong": "hidden files unreadable, network cut, seccomp",
    "partial": "hidden files unreadable",
    "weak": "a confined child that could read the hidden files",
    "none": "no confined child",
}
KIND_LABEL = {"missing": "missing", "error": "error", "zero": "scored 0", "review": "for review",
              "tampering": "tampering"}

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2328; margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1200px; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .25rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
.meta, .note, footer { color: #59636e; }
table { border-collapse: collapse; }
th, td { padding: .3rem .7rem; border-bottom: 1px solid #e5e8eb; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: flex; flex-wrap: wrap; gap: .8rem; }
figure { margin: 0; border: 1px solid #e5e8eb; border-radius: 6px; padding: .3rem; }
figcaption { font-size: .85rem; color: #59636e; text-align: center; }
.share { white-space: nowrap; }
.detail { white-space: pre-line; overflow-wrap: anywhere; }
td.id { overflow-wrap: anywhere; max-width: 16rem; }
ul { margin: 0; padding-left: 1.1rem; }
.kind { display: inline-block; min-width: 5.5rem; font-weight: 600; }
.kind-missing { color: #9a6700; } .kind-error { color: #cf222e; } .kind-zero { color: #bc4c00; }
.kind-review { color: #0969da; } .kind-tampering { color: #8250df; }
code { font-size: .85rem; background: #f6f8fa; padding: 0 .2rem; border-radius: 3px; overflow-wrap: anywhere; }
"""


def render(exercises, rows: list[tuple[str, dict]], context: dict) -> str:
    """The page for ``rows`` ((submission id, bundle document), in the batch's order).

    ``context``: batch facts the documents do not hold, shown in the header in the order given
    (e.g. ``{"made by": "grade batch", "grader": "0.1.0", "generated": "2026-12-02 08:00 UTC"}``)."""
    facts = summary.summarise(exercises, [d for _, d in rows], [i for i, _ in rows])
    scores = {e.id: [c for c in (cell(summary.report_for(d, e.id)) for _, d in rows) if isinstance(c, int)]
              for e in exercises}
    meta = [f"{facts['submissions']} submissions", f"{len(facts['exercises'])} exercises",
            *(f"{key}: {value}" for key, value in context.items())]
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(CSP, quote=True)}">',
        '<meta charset="utf-8">',
        "<title>Class summary</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f'<header><h1>Class summary</h1><p class="meta">{" · ".join(name(m) for m in meta)}</p></header>',
        score_table(facts),
        distributions(exercises, facts, scores),
        hints(facts),
        attention(facts),
        isolation(facts),
        "<footer><p>No script runs on this page and nothing is fetched: every student's text is shown "
        "as text.</p></footer>",
        "</body>",
        "</html>",
        "",
    ])


def write(out: Path, exercises, rows: list[tuple[str, dict]], context: dict) -> Path:
    """Write ``summary.html`` into ``out`` (atomically) and return its path."""
    path = out / PAGE_NAME
    write_atomically(path, render(exercises, rows, context).encode())
    return path


def plotting_available() -> bool:
    return load_figure() is not None


def name(text) -> str:
    """A short untrusted string (an id, a path, a name) as HTML text on one line."""
    return html.escape(sanitize.one_line(str(text), NAME_CHARS), quote=True)


def text(value) -> str:
    """A longer untrusted string (a message, a hint) as HTML text; line breaks kept by the CSS."""
    return html.escape(sanitize.plain(str(value), TEXT_CHARS, lines=6), quote=True)


def share(count: int, total: int) -> str:
    return f"{round(100 * count / total) if total else 0}% ({count} of {total})"


def score_table(facts: dict) -> str:
    columns = ("points", "graded", "mean", "median", "full", "zero", "missing", "error")
    head = "".join(f'<th class="num">{c}</th>' for c in columns)
    body = "".join(
        f"<tr><td>{name(row['exercise'])}</td>"
        + "".join(f'<td class="num">{number(row[c])}</td>' for c in columns) + "</tr>"
        for row in facts["exercises"])
    return (f'<section><h2>Scores</h2><table class="scores"><thead><tr><th>exercise</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></section>")


def number(value) -> str:
    return "-" if value is None else f"{value:g}"


def distributions(exercises, facts: dict, scores: dict[str, list[int]]) -> str:
    figure = load_figure()
    if figure is None:
        return f'<section><h2>Score distribution</h2><p class="note">{name(PLOTS_MISSING)}</p></section>'
    figures = []
    for exercise, row in zip(exercises, facts["exercises"]):
        png = histogram(figure, scores[exercise.id], exercise.points)
        caption = (f"{exercise.id}: {row['graded']} graded of {facts['submissions']}, "
                   f"0 to {exercise.points} points")
        figures.append(f'<figure><img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                       f'alt="{name("score distribution of " + exercise.id)}" width="{png_width()}" '
                       f'height="{png_height()}"><figcaption>{name(caption)}</figcaption></figure>')
    return f'<section><h2>Score distribution</h2><div class="grid">{"".join(figures)}</div></section>'


def png_width() -> int:
    return round(FIGURE_INCHES[0] * FIGURE_DPI)


def png_height() -> int:
    return round(FIGURE_INCHES[1] * FIGURE_DPI)


def load_figure():
    """matplotlib's ``Figure`` class, or None when matplotlib is not installed."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def histogram(figure_class, scores: list[int], points: int) -> bytes:
    """A PNG: how many students got each score (one bin per point up to ``MOST_BINS`` points)."""
    import matplotlib
    import matplotlib.style
    from matplotlib.ticker import MaxNLocator

    with matplotlib.style.context("default"), matplotlib.rc_context({"font.size": 8}):
        figure = figure_class(figsize=FIGURE_INCHES, dpi=FIGURE_DPI)
        figure.subplots_adjust(**MARGINS)  # fixed: a layout engine would double the drawing time
        axes = figure.subplots()
        if points <= MOST_BINS:
            edges, limits = [b - 0.5 for b in range(points + 2)], (-0.5, points + 0.5)
        else:
            edges, limits = [points * b / MOST_BINS for b in range(MOST_BINS + 1)], (0, points)
        axes.hist(scores, bins=edges, color="#4c78a8", edgecolor="white", linewidth=0.5)
        axes.set_xlim(*limits)
        axes.xaxis.set_major_locator(MaxNLocator(nbins=8, integer=True, steps=[1, 2, 2.5, 5, 10]))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        axes.set_ylim(bottom=0, top=None if scores else 1)
        axes.set_xlabel("points")
        axes.set_ylabel("students")
        axes.spines[["top", "right"]].set_visible(False)
        if not scores:
            axes.text(0.5, 0.5, "nothing graded", transform=axes.transAxes, ha="center", color="#59636e")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def hints(facts: dict) -> str:
    total = facts["submissions"]
    parts = []
    for row in facts["exercises"]:
        if not row["hints"]:
            continue
        lines = "".join(f'<tr><td class="share num">{share(h["submissions"], total)}</td>'
                        f'<td class="detail">{text(h["hint"])}</td></tr>' for h in row["hints"])
        parts.append(f"<h3>{name(row['exercise'])}</h3><table><tbody>{lines}</tbody></table>")
    body = "".join(parts) or '<p class="note">No hints: every failed check was without one, or nothing failed.</p>'
    return (f"<section><h2>Most frequent hints</h2><p class=\"meta\">What the class got wrong: per exercise, "
            f"the share of the {total} submissions that got each hint.</p>{body}</section>")


def attention(facts: dict) -> str:
    entries = facts["attention"]
    if not entries:
        return (f'<section><h2>Needs attention</h2>{tampering(facts)}<p class="note">Nobody: no missing files, '
                "errors, zeros, review flags or tampering.</p></section>")
    rows = "".join(f'<tr><td class="id">{name(e["submission"])}</td><td><ul>'
                   f'{"".join(map(reason, e["reasons"]))}</ul></td></tr>' for e in entries)
    return (f"<section><h2>Needs attention ({len(entries)} of {facts['submissions']})</h2>{tampering(facts)}"
            f"<table><thead><tr><th>submission</th><th>why</th></tr></thead><tbody>{rows}</tbody></table></section>")


def tampering(facts: dict) -> str:
    """With ``--template``: how many submissions changed protected files, how many were not compared."""
    counts = facts.get("tampering")
    if not counts:
        return ""
    line = f"Compared with the student release: {counts['changed']} of {facts['submissions']} submissions " \
           f"changed protected files"
    if counts["unchecked"]:
        line += f"; {counts['unchecked']} could not be compared (n/a in gradebook.csv, the report says why)"
    return f'<p class="meta">{text(line)}.</p>'


def reason(item: dict) -> str:
    where = f"{name(item['exercise'])}: " if item["exercise"] else ""
    changes = item.get("changes") or []
    listed = "".join(f"<li>{name(c['change'])} <code>{name(c['path'])}</code></li>" for c in changes[:MAX_CHANGES])
    more = max(0, len(changes) - MAX_CHANGES) + item.get("unlisted", 0)
    if more:
        listed += f"<li>and {more} more</li>"
    return (f'<li><span class="kind kind-{item["kind"]}">{KIND_LABEL[item["kind"]]}</span> {where}'
            f'<span class="detail">{text(item["detail"])}</span>{f"<ul>{listed}</ul>" if listed else ""}</li>')


def isolation(facts: dict) -> str:
    seen = facts["isolation"]
    rows = "".join(f'<tr><td>{name(level)}</td><td class="num">{count}</td><td>{name(LEVEL_MEANING.get(level, ""))}</td></tr>'
                   for level, count in seen["levels"].items())
    table = (f'<table><thead><tr><th>level</th><th class="num">reports</th><th>meaning</th></tr></thead>'
             f"<tbody>{rows}</tbody></table>" if rows else '<p class="note">No student code ran.</p>')
    not_run = (f'<p class="note">{seen["not_run"]} more reports ran no student code (a missing file, or a '
               f"submission stopped before grading).</p>" if seen["not_run"] else "")
    return f"<section><h2>Isolation</h2>{table}{not_run}</section>"
