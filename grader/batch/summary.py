"""The class at a glance, from finished bundle documents: the score distribution per exercise and
the hints the class got most often. Pure: it returns data; ``progress`` renders it."""

from __future__ import annotations

import statistics
from collections import Counter

from grader.batch.outputs import ERROR, MISSING, UNCHECKED, cell, tampered_cell

TOP_HINTS = 5
HINT_CHARS = 120


def summarise(exercises, documents: list[dict]) -> dict:
    rows = []
    for exercise in exercises:
        cells = [cell(next((r for r in d["reports"] if r["exercise"]["id"] == exercise.id), None))
                 for d in documents]
        scores = [c for c in cells if isinstance(c, int)]
        rows.append({
            "exercise": exercise.id, "points": exercise.points, "graded": len(scores),
            "mean": round(statistics.fmean(scores), 2) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "full": sum(s == exercise.points for s in scores), "zero": sum(s == 0 for s in scores),
            "missing": cells.count(MISSING), "error": cells.count(ERROR),
        })
    hints = Counter()
    for document in documents:
        for report in document["reports"]:
            # one count per submission and hint: a hint repeated over one student's checks is one student's
            hints.update({first_line(t["hint"]) for t in report["tests"] if t["status"] != "passed" and t["hint"]})
    return {"submissions": len(documents), "exercises": rows,
            "hints": [{"hint": hint, "submissions": count} for hint, count in hints.most_common(TOP_HINTS)],
            "tampering": tampering(documents)}


def tampering(documents: list[dict]) -> dict | None:
    """How many submissions changed protected files, and how many could not be compared (``--template``;
    None without it). Each document's own ``tampering`` record says which files."""
    if all(d.get("tampering") is None for d in documents):
        return None
    cells = [tampered_cell(d) for d in documents]
    return {"changed": sum(isinstance(c, int) for c in cells), "unchecked": cells.count(UNCHECKED)}


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= HINT_CHARS else line[: HINT_CHARS - 1] + "…"
