"""The class at a glance, from finished bundle documents: the score distribution per exercise,
the hints the class got most often (overall and per exercise), the students who need attention
and the isolation the reports were graded under. Pure: it returns data; ``progress`` and ``page``
render it.

Who needs attention, and why (one reason per exercise and kind; a student may have several):

    missing    no readable file for an exercise (the report's submission error says why)
    error      the grader failed, or the submission was stopped (its budget), with the message
    zero       a file was handed in and scored 0: the first failing check's message says why
               (a file that does not import, a stub, a crash)
    review     the checks flagged something for a reviewer (never a deduction)
    tampering  the bundle's ``tampering.changes`` is not empty (``grade batch --template``)

Texts here are whole but capped (``DETAIL_CHARS``); each view escapes them for its reader.
"""

from __future__ import annotations

import statistics
from collections import Counter

from grader.batch.outputs import ERROR, MISSING, UNCHECKED, cell, tampered_cell
from grader.sandbox.isolation import LEVELS

TOP_HINTS = 5
HINT_CHARS = 120
DETAIL_CHARS = 300
# The one flag that is no reviewer's business: a student's own run saying hidden checks exist.
NOT_FOR_REVIEW = "public checks only"
ATTENTION_KINDS = ("missing", "error", "zero", "review", "tampering")


def summarise(exercises, documents: list[dict], ids: list[str] | None = None) -> dict:
    """``documents``: the batch's bundle documents; ``ids``: their submission ids in the same
    order (without them a student is named by the report's submission path)."""
    rows, by_exercise = [], {}
    for exercise in exercises:
        reports = [report_for(d, exercise.id) for d in documents]
        cells = [cell(r) for r in reports]
        scores = [c for c in cells if isinstance(c, int)]
        hints = Counter()
        for report in filter(None, reports):
            hints.update(hints_of(report))  # one count per submission and hint
        by_exercise[exercise.id] = hints
        rows.append({
            "exercise": exercise.id, "points": exercise.points, "graded": len(scores),
            "mean": round(statistics.fmean(scores), 2) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "full": sum(s == exercise.points for s in scores), "zero": sum(s == 0 for s in scores),
            "missing": cells.count(MISSING), "error": cells.count(ERROR),
            "hints": counted(hints),
        })
    everywhere = sum(by_exercise.values(), Counter())
    names = ids if ids is not None else [name_of(d) for d in documents]
    return {"submissions": len(documents), "exercises": rows, "hints": counted(everywhere),
            "attention": [entry for name, d in zip(names, documents) if (entry := attention(name, d))],
            "isolation": isolation_levels(documents), "tampering": tampering(documents)}


def report_for(document: dict, exercise_id: str) -> dict | None:
    return next((r for r in document["reports"] if r["exercise"]["id"] == exercise_id), None)


def hints_of(report: dict) -> set[str]:
    return {first_line(t["hint"]) for t in report["tests"] if t["status"] != "passed" and t["hint"]}


def counted(hints: Counter) -> list[dict]:
    return [{"hint": hint, "submissions": count} for hint, count in hints.most_common(TOP_HINTS)]


def attention(name: str, document: dict) -> dict | None:
    """Why this student needs an instructor's look (see the module docstring), or None."""
    reasons = []
    nothing = len(document["reports"]) > 1 and all(cell(r) == MISSING for r in document["reports"])
    if nothing:
        reasons.append(reason("missing", None, f"no file for any of the {len(document['reports'])} exercises"))
    for report in document["reports"]:
        exercise, error, score = report["exercise"]["id"], report["error"] or {}, cell(report)
        if score == MISSING:
            if not nothing:
                reasons.append(reason("missing", exercise, error.get("message") or "no file handed in"))
        elif error:
            reasons.append(reason("error", exercise, f"{error['kind']} error: {error['message']}"))
        elif score == 0:
            failed = next((t for t in report["tests"] if t["status"] != "passed"), None)
            reasons.append(reason("zero", exercise, failed["message"] if failed else "no check passed"))
        flags = [f for f in report["flags"] if not f.startswith(NOT_FOR_REVIEW)]
        if flags:
            reasons.append(reason("review", exercise, "; ".join(flags)))
    record = document.get("tampering") or {}
    changes, unlisted = record.get("changes") or [], record.get("unlisted", 0)
    if changes:
        reasons.append({**reason("tampering", None, f"{len(changes) + unlisted} protected file(s) changed"),
                        "changes": [{"path": c["path"], "change": c["change"]} for c in changes],
                        "unlisted": unlisted})
    return {"submission": name, "reasons": reasons} if reasons else None


def reason(kind: str, exercise: str | None, detail: str) -> dict:
    return {"kind": kind, "exercise": exercise, "detail": capped(detail, DETAIL_CHARS)}


def ran_student_code(report: dict) -> bool:
    """Whether a sandboxed child ran this report's student code (so its isolation level counts)."""
    return report["status"] == "graded" and (report["error"] or {}).get("kind") != "submission"


def isolation_levels(documents: list[dict]) -> dict:
    """Reports at each isolation level, strongest first, among those where student code ran;
    ``not_run`` counts the others (a missing file, a submission stopped before grading)."""
    levels = Counter(r["isolation"]["level"] for d in documents for r in d["reports"] if ran_student_code(r))
    not_run = sum(not ran_student_code(r) for d in documents for r in d["reports"])
    return {"levels": {level: levels[level] for level in reversed(LEVELS) if levels[level]}, "not_run": not_run}


def name_of(document: dict) -> str:
    return document["reports"][0]["submission"]["path"] if document["reports"] else "?"


def tampering(documents: list[dict]) -> dict | None:
    """How many submissions changed protected files, and how many could not be compared (``--template``;
    None without it). Each document's own ``tampering`` record says which files."""
    if all(d.get("tampering") is None for d in documents):
        return None
    cells = [tampered_cell(d) for d in documents]
    return {"changed": sum(isinstance(c, int) for c in cells), "unchecked": cells.count(UNCHECKED)}


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return capped(line, HINT_CHARS)


def capped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
