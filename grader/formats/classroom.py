"""GitHub Classroom (``--format classroom``): the payload ``autograding-grading-reporter`` reads.

The reporter reads, per runner (a workflow step id), the environment variable
``<STEP ID>_RESULTS``: base64 of a compact JSON document

    {"version": 1, "status": "pass"|"fail"|"error", "max_score": N,
     "tests": [{"name", "status": "pass"|"fail"|"error", "score", "message", "test_code",
                "filename", "line_no", "duration"}, ...]}

and sends Classroom the sum of ``tests[].score`` over the sum of ``max_score``. This view prints
that JSON on one line and, when ``$GITHUB_OUTPUT`` names a file, appends ``result=<base64>`` to it,
so the workflow maps ``${{ steps.<id>.outputs.result }}`` to the variable with no shell plumbing.

- One test per check that ran, its ``score`` the check's integer points: the scores sum to the
  reports' score, and ``max_score`` is the reports' ``max_score`` (the points of the checks that
  ran: in a student's checkout, the public ones). A report that could not be graded at all gives
  one test, ``status: error``, score 0, carrying the reason: ``tests`` is never missing or empty.
- ``status``: ``error`` if grading itself failed for any report, else ``fail`` if any check did
  not pass, else ``pass``. The reporter fails the job on ``fail`` and ``error``.
- A run whose checks are all worth 0 points has ``max_score: 0``: the reporter then skips this
  runner entirely and Classroom records nothing (the view adds a note on stderr saying so).
- Size: the reporter gets the payload through one environment variable, and Linux refuses a
  ``NAME=value`` of 128 KiB or more; the base64 is kept under ``MAX_BASE64`` by cutting messages
  shorter, never by dropping a test.
- Text: student-visible only (a check's message and hint; a hidden check's fixed brief), through
  ``sanitize``: the reporter prints names and messages into the job's log, so no line may carry a
  workflow command. A hidden check reports no time (``duration: null``).
"""

from __future__ import annotations

import base64
import json

from grader.errors import ReportInvalid
from grader.formats import sanitize
from grader.formats.output import FileWrite, Labels, Output, Settings
from grader.report.model import ExerciseReport

DESCRIPTION = "GitHub Classroom's reporter payload (and result=<base64> in $GITHUB_OUTPUT)"
EXIT_ZERO_WHEN_WRITTEN = True
MAX_BASE64 = 120 * 1024  # of the 128 KiB Linux allows one NAME=value, leaving room for any step id
STATUS = {"passed": "pass", "failed": "fail", "error": "error"}
ZERO_POINTS_NOTE = ("these checks are worth 0 points: GitHub Classroom's reporter records nothing "
                    "for a runner whose max_score is 0")


def render(reports: list[ExerciseReport], versions: dict, bundle: bool, settings: Settings) -> Output:
    for report in reports:
        if sum(t.points for t in report.tests) != report.score:  # a view never rescores; it refuses
            raise ReportInvalid(f"{report.exercise['id']}: the checks' points do not add up to the score")
    label = Labels(reports)
    payload = fitted(lambda limit: document(reports, label, limit))
    notes = [ZERO_POINTS_NOTE] if payload["max_score"] == 0 else []
    return deliverable(payload, settings, notes)


def render_failure(error, settings: Settings) -> Output:
    """A payload for a run that graded nothing: one errored test that says why, max_score 0."""
    payload = fitted(lambda limit: {
        "version": 1, "status": "error", "max_score": 0,
        "tests": [test_entry("grading", "error", 0, sanitize.plain(str(error), limit), "", None)],
    })
    return deliverable(payload, settings, [])


def deliverable(payload: dict, settings: Settings, notes: list[str]) -> Output:
    text = compact(payload)
    files = []
    if settings.github_output:
        files.append(FileWrite(settings.github_output, b"result=" + encode(text) + b"\n", append=True))
    return Output(text.encode("utf-8") + b"\n", files, notes)


def document(reports: list[ExerciseReport], label: Labels, limit: int) -> dict:
    tests = []
    for report in reports:
        filename = sanitize.one_line(report.submission["path"])
        for check in report.tests:
            name = label(report, check.title + (" (hidden)" if check.visibility == "hidden" else ""))
            tests.append(test_entry(name, STATUS[check.status], check.points, message(check, limit),
                                    filename, check.duration if check.visibility == "visible" else None,
                                    code=sanitize.one_line(check.name)))
        if not report.tests:
            reason = report.error["message"] if report.error else "no checks ran"
            tests.append(test_entry(label(report, "grading"), "error", 0, sanitize.plain(reason, limit),
                                    filename, None))
    failed = any(t["status"] != "pass" for t in tests)
    status = "error" if any(r.status == "error" for r in reports) else ("fail" if failed else "pass")
    return {"version": 1, "status": status, "max_score": sum(r.max_score for r in reports), "tests": tests}


def message(check, limit: int) -> str:
    """What the student may see of a check: its message when it did not pass, and its hint."""
    parts = [check.message] if check.status != "passed" and check.message else []
    parts += [f"hint: {check.hint}"] if check.hint else []
    return sanitize.plain("\n".join(parts), limit)


def test_entry(name: str, status: str, score: int, message: str, filename: str, duration: float | None,
               code: str = "") -> dict:
    return {"name": name, "status": status, "score": score, "message": message, "test_code": code,
            "filename": filename, "line_no": 0, "duration": duration}


def compact(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode(text: str) -> bytes:
    """base64 of the UTF-8 JSON, on one line (``b64encode`` never wraps)."""
    return base64.b64encode(text.encode("utf-8"))


def fitted(build) -> dict:
    """The payload from ``build(limit)`` with messages cut until its base64 fits ``MAX_BASE64``."""
    try:
        text = sanitize.fit(lambda limit: encode(compact(build(limit))), MAX_BASE64)
    except ValueError as error:
        raise ReportInvalid(f"the Classroom payload cannot fit an environment variable: {error}") from None
    return json.loads(base64.b64decode(text))
