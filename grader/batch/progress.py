"""How a batch shows its progress: reporters the engine calls, which print and never grade.

``bar`` (rich, on stderr): done and total, failed count, ETA, the slowest submissions so far;
``jsonl``: one JSON object per line on stdout, for scripts (``start``, ``graded`` per submission,
``summary``); ``quiet``: nothing. Every id a student can choose (a zip's name) is shown as
``Text``, never as markup, made harmless by ``sanitize``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from grader.batch.page import PAGE_NAME
from grader.formats import sanitize

SLOWEST_SHOWN = 3
MODES = ("bar", "jsonl", "quiet")


@dataclass
class Graded:
    """One submission done: what a reporter may show of it."""

    id: str
    seconds: float
    score: int
    max_score: int
    failed: bool  # the grader failed on it (the gradebook's ``error``)
    resumed: bool = False


def reporter(mode: str):
    return {"bar": BarReporter, "jsonl": JsonLinesReporter, "quiet": QuietReporter}[mode]()


def shown(text: str) -> str:
    return sanitize.one_line(text, sanitize.NAME_CHARS)


class QuietReporter:
    def start(self, total: int, resumed: int) -> None: ...

    def graded(self, item: Graded) -> None: ...

    def finish(self, summary: dict, out: str) -> None: ...

    def close(self) -> None: ...


class JsonLinesReporter(QuietReporter):
    def emit(self, **event) -> None:
        sys.stdout.write(json.dumps(event, ensure_ascii=True) + "\n")
        sys.stdout.flush()

    def start(self, total: int, resumed: int) -> None:
        self.emit(event="start", total=total, resumed=resumed)

    def graded(self, item: Graded) -> None:
        self.emit(event="graded", id=item.id, seconds=round(item.seconds, 3), score=item.score,
                  max_score=item.max_score, failed=item.failed, resumed=item.resumed)

    def finish(self, summary: dict, out: str) -> None:
        self.emit(event="summary", out=out, **summary)


class BarReporter(QuietReporter):
    def __init__(self):
        self.console = Console(stderr=True)
        self.progress = Progress(
            TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[failed]} failed"),
            TextColumn("{task.fields[slowest]}", markup=False), console=self.console, transient=False)
        self.slowest: list[Graded] = []
        self.failed = 0
        self.task = None

    def start(self, total: int, resumed: int) -> None:
        self.progress.start()
        self.task = self.progress.add_task("grading", total=total, completed=resumed, failed=0, slowest="")

    def graded(self, item: Graded) -> None:
        self.failed += item.failed
        if not item.resumed:
            self.slowest = sorted([*self.slowest, item], key=lambda g: -g.seconds)[:SLOWEST_SHOWN]
        slowest = ", ".join(f"{shown(g.id)} {g.seconds:.1f} s" for g in self.slowest)
        self.progress.update(self.task, advance=0 if item.resumed else 1, failed=self.failed,
                             slowest=f"slowest: {slowest}" if slowest else "")

    def close(self) -> None:
        self.progress.stop()

    def finish(self, summary: dict, out: str) -> None:
        table = Table(title=f"{summary['submissions']} submissions", pad_edge=False)
        for column in ("exercise", "points", "graded", "mean", "median", "full", "zero", "missing", "error"):
            table.add_column(column, justify="left" if column == "exercise" else "right")
        for row in summary["exercises"]:
            table.add_row(row["exercise"], *(str("-" if row[k] is None else row[k]) for k in
                                              ("points", "graded", "mean", "median", "full", "zero", "missing", "error")))
        lines = [Text("most frequent hints (submissions):", style="bold")] if summary["hints"] else []
        lines += [Text(f"{h['submissions']:>5}  {shown(h['hint'])}") for h in summary["hints"]]
        lines += [tampering_line(summary["tampering"])] if summary.get("tampering") else []
        Console().print(Group(table, *lines, Text(f"reports, feedback and gradebook.csv in {shown(out)}; "
                                                  f"the class at a glance: {shown(str(Path(out) / PAGE_NAME))}")))


def tampering_line(counts: dict) -> Text:
    """``--template``: how many submissions changed protected files (and how many were not compared)."""
    changed, unchecked = counts["changed"], counts["unchecked"]
    line = f"{changed} submission{'s' if changed != 1 else ''} changed protected files"
    line += " (tampering in their reports)" if changed else ""
    line += f"; {unchecked} could not be compared (n/a in gradebook.csv)" if unchecked else ""
    return Text(line, style="bold red" if changed else "")
