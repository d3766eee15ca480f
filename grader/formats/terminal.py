"""The human view of finished reports: a table per exercise (check, points, status, feedback)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.report.model import HIDDEN_FAILURE, ExerciseReport

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "yellow"}


def render(reports: list[ExerciseReport], console: Console, verbose: bool = False) -> None:
    for report in reports:
        render_one(report, console, verbose)
    if len(reports) > 1:
        render_summary(reports, console)


def render_summary(reports: list[ExerciseReport], console: Console) -> None:
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
        problem = "" if first is None else (first.hint if first.message == HIDDEN_FAILURE else first.message) or first.status
        cells = {"submission": report.submission["path"], "exercise": report.exercise["id"]}
        table.add_row(*(cells[name] for name, shown in columns.items() if shown),
                      f"{report.score}/{report.max_score}", shorten(problem))
    console.print()
    console.print(table)
    score = sum(r.score for r in reports)
    total = sum(r.max_score for r in reports)
    console.print(Text(f"Total: {score}/{total} points over {len(reports)} reports", style="bold"))


def render_one(report: ExerciseReport, console: Console, verbose: bool) -> None:
    exercise = report.exercise
    console.print()
    console.print(Text.assemble(
        (f"{exercise['id']}", "bold"), f" · {exercise['title']}  ", (report.submission["path"], "dim"),
    ))
    if report.error:
        console.print(Text(f"  {report.error['message']}", style="bold red"))
    table = Table(show_lines=False, expand=False, pad_edge=False)
    table.add_column("check", overflow="fold", max_width=36)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("feedback", overflow="fold", ratio=1)
    previous = None
    for test in report.tests:
        name = test.title + (" (hidden)" if test.visibility == "hidden" else "")
        feedback = Text()
        said = (test.message if test.status != "passed" else "", test.hint)
        if said == previous and any(said):
            feedback.append("same as above", style="dim")
        else:
            if said[0]:
                feedback.append(said[0])
            if test.hint:
                feedback.append(("\n" if feedback else "") + "hint: ", style="bold cyan")
                feedback.append(test.hint)
        previous = said
        if verbose and test.output:
            feedback.append(("\n" if feedback else "") + "output: ", style="dim")
            feedback.append(test.output.rstrip(), style="dim")
        if verbose and test.staff:
            feedback.append(("\n" if feedback else "") + test.staff.rstrip(), style="dim")
        table.add_row(Text(name), f"{test.points}/{test.max_points}",
                      Text(test.status, style=STATUS_STYLE[test.status]), feedback)
    console.print(table)
    summary = Text(f"Score: {report.score}/{report.max_score}", style="bold")
    for flag in report.flags:
        summary.append(f"\n{flag}", style="dim")
    console.print(summary)


def shorten(text: str, limit: int = 70) -> str:
    """The first line of a message, cut to ``limit`` characters."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


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
