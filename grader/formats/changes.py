"""The compact view ``grade watch`` prints after each re-grade: score, what changed, the first hint.

Reads finished reports (this one and the previous one of the same exercise) and returns lines of
text; it never prints. Every string a report holds goes through ``sanitize`` first: a message or
a title may quote what the student's code chose.

    [14:02:31] exercise1 6/7 in 0.21 s
      stopped passing: the same (f, x0) three times in a row gives the same answer
      first failing: the same (f, x0) three times in a row gives the same answer: this hidden check failed
      hint: Your answers grow from one call to the next: ...
"""

from __future__ import annotations

from grader.formats import sanitize
from grader.report.model import ExerciseReport

LINE_CHARS = 300  # each line of the compact view, at most


def lines(report: ExerciseReport, previous: ExerciseReport | None, seconds: float, clock: str) -> list[str]:
    """The compact view of ``report`` against ``previous`` (None on the first run)."""
    head = (f"[{clock}] {sanitize.one_line(report.exercise['id'])} {report.score}/{report.max_score} "
            f"in {seconds:.2f} s")
    out = [head]
    if report.error:
        out.append(f"  {sanitize.one_line(report.error['message'], LINE_CHARS)}")
        return out
    if previous is not None and not previous.error:
        before = {t.name: t.status == "passed" for t in previous.tests}
        started = [t.title for t in report.tests if t.status == "passed" and before.get(t.name) is False]
        stopped = [t.title for t in report.tests if t.status != "passed" and before.get(t.name) is True]
        out += [f"  now passing: {sanitize.one_line(title, LINE_CHARS)}" for title in started]
        out += [f"  stopped passing: {sanitize.one_line(title, LINE_CHARS)}" for title in stopped]
    failing = [t for t in report.tests if t.status != "passed"]
    if failing:
        first = failing[0]
        more = f" (and {len(failing) - 1} more)" if len(failing) > 1 else ""
        out.append(f"  first failing{more}: {sanitize.one_line(f'{first.title}: {first.message}', LINE_CHARS)}")
        hint = next((t.hint for t in failing if t.hint), None)
        if hint:
            out.append(f"  hint: {sanitize.one_line(hint, LINE_CHARS)}")
    elif report.tests:
        out.append("  every check passes")
    return out
