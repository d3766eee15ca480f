"""The human view (``--format text``, the default): a table per exercise (check, points, status,
feedback), a summary when there are several reports, and the isolation line.

Renders to text for the stream the CLI names (its encoding, width and colours); it never prints.
Every string taken from a report goes through ``sanitize`` as ``Text`` (never rich markup), so a
message shows its escape sequences, control characters and bidirectional overrides escaped: it
cannot clear the screen, move the cursor or paint a score. Wrapping makes new line starts, so the
rendered lines are defused of workflow commands once more (a CI log reads them). Where the
stream's encoding lacks the view's own glyphs (``·``, ``…``, box lines), ASCII stands in.
"""

from __future__ import annotations

import codecs
import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.formats import sanitize
from grader.formats.output import Output, Settings
from grader.report.model import HIDDEN_FAILURE, ExerciseReport

DESCRIPTION = "tables for a person at a terminal (the default)"
EXIT_ZERO_WHEN_WRITTEN = False
STATUS_STYLE = {"passed": "green", "failed": "red", "error": "yellow"}


def render(reports: list[ExerciseReport], versions: dict, bundle: bool, settings: Settings) -> Output:
    console, buffer = text_console(settings)
    glyphs = Glyphs(settings.encoding)
    if bundle and not settings.verbose:  # grade all: the course on one screen
        render_course(reports, console)
    else:
        for report in reports:
            render_one(report, console, settings.verbose, glyphs)
        if len(reports) > 1:
            render_summary(reports, console, glyphs)
    if reports:
        console.print(Text(isolation_line(reports[0]), style="dim"))
    return Output(finished(buffer.getvalue(), settings.encoding))


def render_renderables(renderables, settings: Settings) -> str:
    """The grader's own tables and lines (``grade list``, ``grade doctor``), rendered like the view."""
    console, buffer = text_console(settings)
    for renderable in renderables:
        console.print(renderable)
    return finished(buffer.getvalue(), settings.encoding)


ASCII_STANDINS = str.maketrans({"…": ".", "·": "-"})  # rich's own ellipsis too; one column each


def finished(text: str, encoding: str) -> str:
    """Rendered text, last touches: wrapping and folding make new line starts (``a ::b`` can wrap
    into a line ``::b``), so the lines themselves are defused, as a CI log reads them; and where the
    encoding lacks the view's glyphs, ASCII stands in (anything else is backslash-escaped on write)."""
    text = sanitize.defuse_rendered(text)
    if Glyphs(encoding).ellipsis != "…" or Glyphs(encoding).dot != "·":
        text = text.translate(ASCII_STANDINS)
    return text


def render_failure(error, settings: Settings) -> None:
    return None  # the one line on stderr says it all


class EncodedBuffer(io.StringIO):
    """A string buffer that tells rich which encoding the real stream has (rich picks ASCII
    boxes for an encoding that is not UTF)."""

    def __init__(self, encoding: str):
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str:
        return self._encoding


def text_console(settings: Settings) -> tuple[Console, io.StringIO]:
    buffer = EncodedBuffer(settings.encoding)
    console = Console(file=buffer, width=settings.width, color_system=settings.color,
                      force_terminal=settings.terminal, highlight=False, markup=False, emoji=False,
                      legacy_windows=False, soft_wrap=False)
    return console, buffer


class Glyphs:
    """The view's own characters, or ASCII where the encoding lacks them."""

    def __init__(self, encoding: str):
        def pick(glyph: str, fallback: str) -> str:
            try:
                glyph.encode(codecs.lookup(encoding).name)
                return glyph
            except (UnicodeEncodeError, LookupError):
                return fallback

        self.dot = pick("·", "-")
        self.ellipsis = pick("…", "...")


def render_summary(reports: list[ExerciseReport], console: Console, glyphs: Glyphs) -> None:
    """One row per report: what a class or a whole repository scored at a glance."""
    columns = {
        "submission": len({r.submission["path"] for r in reports}) > 1,
        "exercise": len({r.exercise["id"] for r in reports}) > 1,
    }
    table = Table(title="Summary", title_justify="left", pad_edge=False)
    for name, shown in columns.items():
        if shown:
            table.add_column(name, no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("first problem", overflow="fold", ratio=1)
    for report in reports:
        first = next((t for t in report.tests if t.status != "passed"), None)
        if report.error and first is None:
            problem = report.error["message"]
        elif first is None:
            problem = ""
        else:
            problem = (first.hint if first.message == HIDDEN_FAILURE else first.message) or first.status
        cells = {"submission": sanitize.one_line(report.submission["path"]),
                 "exercise": sanitize.one_line(report.exercise["id"])}
        table.add_row(*(Text(cells[name]) for name, shown in columns.items() if shown),
                      f"{report.score}/{report.max_score}", Text(shorten(problem, glyphs)))
    console.print()
    console.print(table)
    score = sum(r.score for r in reports)
    total = sum(r.max_score for r in reports)
    console.print(Text(f"Total: {score}/{total} points over {len(reports)} reports", style="bold"))


def render_course(reports: list[ExerciseReport], console: Console) -> None:
    """One student's exercises (``grade all``), one line each: the score and the first hint (or,
    where a failed check has none, its message), cut to the width; the details are one command away."""
    table = Table(pad_edge=False, box=None, show_edge=False)
    table.add_column("exercise", no_wrap=True, min_width=max(len(r.exercise["id"]) for r in reports))
    table.add_column("score", justify="right", no_wrap=True, min_width=7)
    table.add_column("first hint", no_wrap=True, overflow="ellipsis")
    for report in reports:
        failed = [t for t in report.tests if t.status != "passed"]
        hinted = next((t for t in failed if t.hint), None)
        if report.error and not failed:
            first = report.error["message"]
        elif hinted is not None:
            first = hinted.hint
        else:
            first = (failed[0].message or failed[0].status) if failed else ""
        score = Text(f"{report.score}/{report.max_score}",
                     style="green" if report.score == report.max_score and report.status == "graded" else "")
        table.add_row(Text(sanitize.one_line(report.exercise["id"])), score,
                      Text(sanitize.one_line(first.splitlines()[0] if first else "")))
    console.print()
    console.print(table)
    score = sum(r.score for r in reports)
    total = sum(r.max_score for r in reports)
    console.print(Text(f"Total: {score}/{total} points over {len(reports)} exercises", style="bold"))
    console.print(Text("grade EXERCISE: one exercise's checks; grade all --verbose: all of them.", style="dim"))


def render_one(report: ExerciseReport, console: Console, verbose: bool, glyphs: Glyphs) -> None:
    exercise = report.exercise
    console.print()
    console.print(Text.assemble(
        (sanitize.one_line(exercise["id"]), "bold"), f" {glyphs.dot} {sanitize.one_line(exercise['title'])}  ",
        (sanitize.one_line(report.submission["path"]), "dim"),
    ))
    if report.error:
        console.print(Text(f"  {sanitize.plain(report.error['message'])}", style="bold red"))
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("check", overflow="fold", max_width=36)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("feedback", overflow="fold", ratio=1)
    previous = None
    for test in report.tests:
        name = sanitize.one_line(test.title) + (" (hidden)" if test.visibility == "hidden" else "")
        feedback = Text()
        said = (sanitize.plain(test.message) if test.status != "passed" else "", sanitize.plain(test.hint))
        if said == previous and any(said):
            feedback.append("same as above", style="dim")
        else:
            if said[0]:
                feedback.append(said[0])
            if said[1]:
                feedback.append(("\n" if feedback else "") + "hint: ", style="bold cyan")
                feedback.append(said[1])
        previous = said
        if verbose and test.output:
            feedback.append(("\n" if feedback else "") + "output: ", style="dim")
            feedback.append(sanitize.plain(test.output.rstrip(), sanitize.OUTPUT_CHARS), style="dim")
        if verbose and test.staff:
            feedback.append(("\n" if feedback else "") + sanitize.plain(test.staff.rstrip(), sanitize.OUTPUT_CHARS),
                            style="dim")
        table.add_row(Text(name), f"{test.points}/{test.max_points}",
                      Text(test.status, style=STATUS_STYLE[test.status]), feedback)
    if report.tests:
        console.print(table)
    summary = Text(f"Score: {report.score}/{report.max_score}", style="bold")
    for flag in report.flags:
        summary.append(f"\n{sanitize.plain(flag)}", style="dim")
    console.print(summary)


def shorten(text: str, glyphs: Glyphs, limit: int = 70) -> str:
    """The first line of a message, made safe and cut to ``limit`` characters."""
    line = sanitize.one_line(text.splitlines()[0] if text else "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + glyphs.ellipsis


def isolation_line(report: ExerciseReport) -> str:
    """One line on how the student's code was isolated, printed once per run."""
    isolation = report.isolation
    on = [name for name, active in isolation["layers"].items() if active]
    if not isolation["isolated"]:
        return ("isolation: none: your code ran in a separate process without the sandbox "
                "(this platform cannot fork a confined child)")
    readable = "readable" if isolation["hidden_files_readable"] else "not readable"
    return (f"isolation: {isolation['level']} ({', '.join(on) or 'no layers'}; "
            f"other files {readable} from your code)")
