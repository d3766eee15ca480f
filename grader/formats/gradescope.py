"""Gradescope (``--format gradescope``): ``results.json`` as the autograder specification reads it.

``run_autograder`` writes it with ``--output /autograder/results/results.json``; a run that graded
nothing still writes one (``render_failure``), since Gradescope shows "The autograder failed to
execute correctly" when the file is missing.

- ``score``: the reports' score (Gradescope would also sum the tests' scores: the same number);
  ``execution_time``: seconds of the visible checks only (a hidden check's time is never
  reported); ``output``: the student-visible summary, in Markdown, every report string escaped;
  ``stdout_visibility: hidden`` (the grader's own log is for staff); ``extra_data``: the isolation
  level and layers, seeds and versions, for staff.
- One test per check: ``score``/``max_score`` its integer points, ``status`` passed or failed,
  ``output`` what the student may see (the message when it did not pass, the hint, and for a
  visible check the student's own printed output), as plain text.
- Hidden checks get the visibility the course chooses (``--hidden-visibility``, default
  ``after_published``: the student sees them, and their points, once grades are published).
  ``hidden`` keeps them from the student for good, and Gradescope then also hides the student's
  total score until it is published; ``after_due_date``; ``visible`` shows them at once.
"""

from __future__ import annotations

import json

from grader.errors import ReportInvalid
from grader.formats import sanitize
from grader.formats.output import Labels, Output, Settings
from grader.report.model import ExerciseReport

DESCRIPTION = "Gradescope's results.json (write it with --output /autograder/results/results.json)"
EXIT_ZERO_WHEN_WRITTEN = False
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_published"
MAX_BYTES = 1 << 20  # a whole results.json: messages are cut to keep it under this


def render(reports: list[ExerciseReport], versions: dict, bundle: bool, settings: Settings) -> Output:
    visibility = settings.hidden_visibility
    if visibility not in VISIBILITIES:
        raise ReportInvalid(f"unknown Gradescope visibility {visibility!r}")
    data = fitted(lambda limit: document(reports, versions, visibility, limit))
    return Output(data)


def render_failure(error, settings: Settings) -> Output:
    """results.json for a run that graded nothing: score 0 and the reason, for staff to rerun."""
    return Output(fitted(lambda limit: {
        "score": 0,
        "output": f"Grading failed, so this is not your grade: {sanitize.plain(str(error), limit)}",
        "output_format": "text",
        "stdout_visibility": "hidden",
        "extra_data": {"error": sanitize.plain(str(error), limit)},
        "tests": [],
    }))


def document(reports: list[ExerciseReport], versions: dict, hidden_visibility: str, limit: int) -> dict:
    label = Labels(reports)
    tests = []
    for number, report in enumerate(reports, start=1):
        for index, check in enumerate(report.tests, start=1):
            hidden = check.visibility == "hidden"
            entry = {
                "score": check.points,
                "max_score": check.max_points,
                "status": "passed" if check.status == "passed" else "failed",
                "name": label(report, check.title),
                "number": f"{number}.{index}",
                "output": test_output(check, limit),
                "output_format": "text",
                "tags": [sanitize.one_line(report.exercise["id"])] + (["hidden"] if hidden else []),
                "visibility": hidden_visibility if hidden else "visible",
                "extra_data": {"check": sanitize.one_line(check.name), "status": check.status},
            }
            if not hidden and check.duration is not None:
                entry["extra_data"]["duration"] = check.duration
            tests.append(entry)
        if not report.tests:
            reason = report.error["message"] if report.error else "no checks ran"
            tests.append({
                "score": 0, "max_score": report.max_score, "status": "failed",
                "name": label(report, "grading"), "number": f"{number}.0",
                "output": sanitize.plain(reason, limit), "output_format": "text",
                "tags": [sanitize.one_line(report.exercise["id"])], "visibility": "visible",
            })
    return {
        "score": sum(r.score for r in reports),
        "execution_time": round(sum(r.duration for r in reports), 3),
        "output": summary(reports, limit),
        "output_format": "md",
        "stdout_visibility": "hidden",
        "extra_data": {
            "isolation": sorted({r.isolation["level"] for r in reports}, key=LEVELS.index)[0] if reports else "none",
            "reports": [staff_record(r) for r in reports],
            "versions": versions,
        },
        "tests": tests,
    }


LEVELS = ["none", "weak", "partial", "strong"]  # weakest first: the run's level is its weakest


def staff_record(report: ExerciseReport) -> dict:
    return {
        "exercise": report.exercise["id"],
        "submission": sanitize.one_line(report.submission["path"]),
        "status": report.status,
        "seed": report.seed,
        "seeding": report.seeding,
        "isolation": report.isolation,
        "error": None if report.error is None else {"kind": report.error["kind"],
                                                    "message": sanitize.plain(report.error["message"])},
    }


def test_output(check, limit: int) -> str:
    parts = [sanitize.plain(check.message, limit)] if check.status != "passed" and check.message else []
    if check.hint:
        parts.append("hint: " + sanitize.plain(check.hint, limit))
    if check.visibility == "visible" and check.output:
        parts.append("your code printed:\n" + sanitize.plain(check.output, min(limit, sanitize.OUTPUT_CHARS)))
    return "\n".join(parts)


def summary(reports: list[ExerciseReport], limit: int) -> str:
    """The student-visible text at the top of the results, in Markdown (every report string escaped)."""
    lines = []
    several = len({r.submission["path"] for r in reports}) > 1
    for report in reports:
        title = sanitize.markdown(f"{report.exercise['id']}: {report.exercise['title']}", sanitize.NAME_CHARS, None)
        where = f" ({sanitize.markdown(report.submission['path'], sanitize.NAME_CHARS, None)})" if several else ""
        lines.append(f"**{title}**{where}  ")
        if report.error:
            lines.append(sanitize.markdown(report.error["message"], limit) + "  ")
        lines.extend(sanitize.markdown(flag, limit) + "  " for flag in report.flags)
        lines.append("")
    levels = sorted({r.isolation["level"] for r in reports}, key=LEVELS.index)
    if levels:
        lines.append(sanitize.markdown(f"Isolation of your code while it was graded: {levels[0]}.", limit))
    return "\n".join(lines)


def fitted(build) -> bytes:
    try:
        return sanitize.fit(lambda limit: (json.dumps(build(limit), indent=2, ensure_ascii=False,
                                                      allow_nan=False) + "\n").encode("utf-8"), MAX_BYTES)
    except ValueError as error:
        raise ReportInvalid(f"results.json cannot be kept under {MAX_BYTES} bytes: {error}") from None
