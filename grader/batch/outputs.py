"""What ``grade batch`` leaves in ``--out``; every file is written atomically (a temporary file
in the same folder, then a rename), so an interrupted batch leaves whole files or none.

    reports/<name>.json    one schema-valid bundle per submission (all its exercises)
    feedback/<name>.txt    the student's view of it, to hand back (no staff detail)
    gradebook.csv          one row per student, one column per exercise and the total (and
                           ``tampered`` with ``--template``)
    batch.json             the manifest: what was graded, from what, which shard (``manifest``)
    summary.html           the class at a glance (``page``)
    .resume/<name>.key     what the report was graded from (``--resume`` compares it)

``<name>`` is the submission's id made safe as a file name. The gradebook reads only finished
reports: a cell is the score, ``missing`` (no readable file for that exercise: the report says
why), or ``error`` (the grader failed; the report says how). Its second row holds the maximum
points. The ``tampered`` column (only when the reports carry a ``tampering`` record) is empty for a
clean submission, else the number of protected files changed (a number, so that sorting the
column puts the most changed first), or ``n/a`` when the submission could not be compared.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

from grader.batch import manifest as batch_manifest
from grader.report import model

UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")
SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run by spreadsheets
MISSING, ERROR = "missing", "error"
UNCHECKED = "n/a"


def file_name(submission_id: str) -> str:
    """A file name for a submission id: safe characters kept, a short digest against collisions
    whenever anything had to change."""
    safe = UNSAFE_NAME.sub("_", submission_id)[:100].lstrip(".") or "submission"
    if safe != submission_id:
        safe += "-" + hashlib.sha256(submission_id.encode(errors="surrogateescape")).hexdigest()[:8]
    return safe


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:  # no fsync: the rename is atomic against a killed
            stream.write(data)                      # batch, which is what --resume needs; an fsync
        os.replace(temporary, path)                 # per file cost 20 ms each here
    except BaseException:
        os.unlink(temporary)
        raise


def remove_partial_files(out: Path) -> None:
    """Remove what a killed batch left half-written (only ever its own ``.part`` files)."""
    for part in out.glob("*/.*.part"):
        part.unlink(missing_ok=True)


class Outputs:
    """The ``--out`` folder of one batch."""

    def __init__(self, out: Path):
        self.out = out
        for folder in ("reports", "feedback", ".resume"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        remove_partial_files(out)

    def report_path(self, name: str) -> Path:
        return self.out / "reports" / f"{name}.json"

    def key_path(self, name: str) -> Path:
        return self.out / ".resume" / f"{name}.key"

    def write(self, name: str, document: str, feedback: str | None, key: str) -> None:
        """The submission's report (JSON text that ``model.to_json`` made, so validated), its
        feedback, then its resume key: the key is written last, so it exists only beside a
        finished report."""
        self.key_path(name).unlink(missing_ok=True)
        write_atomically(self.report_path(name), document.encode())
        if feedback is not None:
            write_atomically(self.out / "feedback" / f"{name}.txt", feedback.encode())
        write_atomically(self.key_path(name), key.encode())

    def forget(self, name: str) -> None:
        """Remove what an earlier batch wrote for this submission (key first), so that a report in
        ``--out`` for an id this batch grades is always this batch's, even if it is interrupted."""
        self.key_path(name).unlink(missing_ok=True)
        self.report_path(name).unlink(missing_ok=True)
        (self.out / "feedback" / f"{name}.txt").unlink(missing_ok=True)

    def finished(self, name: str, key: str) -> dict | None:
        """The report already written for this submission from exactly ``key``, else None."""
        try:
            if self.key_path(name).read_text() != key:
                return None
            document = json.loads(self.report_path(name).read_text(encoding="utf-8"))
            model.validate(document)
            return document
        except (OSError, ValueError, model.ReportInvalid):
            return None

    def write_manifest(self, manifest: dict) -> None:
        write_atomically(self.out / batch_manifest.NAME, batch_manifest.encode(manifest))

    def write_gradebook(self, exercises, rows: list[tuple[str, dict]]) -> Path:
        """``rows``: (submission id, bundle document) in the batch's order."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        checked = any(document.get("tampering") is not None for _, document in rows)
        tampered = ["tampered"] if checked else []
        writer.writerow(["student", *(e.id for e in exercises), "total", *tampered, "commit"])
        writer.writerow(["max points", *(e.points for e in exercises), sum(e.points for e in exercises),
                         *([""] if checked else []), ""])
        for submission_id, document in rows:
            by_id = {r["exercise"]["id"]: r for r in document["reports"]}
            cells = [cell(by_id.get(e.id)) for e in exercises]
            commits = {r["submission"].get("commit") for r in document["reports"]} - {None}
            writer.writerow([spreadsheet_safe(submission_id), *cells, sum(c for c in cells if isinstance(c, int)),
                             *([tampered_cell(document)] if checked else []), ", ".join(sorted(commits))])
        path = self.out / "gradebook.csv"
        write_atomically(path, buffer.getvalue().encode())
        return path


def cell(report: dict | None) -> int | str:
    """A gradebook cell: the score, ``missing`` or ``error``."""
    if report is None or (report["error"] or {}).get("kind") in ("grader", "course"):
        return ERROR
    if all(digest is None for digest in report["submission"]["files"].values()):
        return MISSING
    return report["score"]


def tampered_cell(document: dict) -> int | str:
    """The gradebook's ``tampered`` cell: ``""`` (clean, or no ``--template``), the number of
    protected files changed, or ``n/a`` (not compared: the report's ``tampering.problem`` says why)."""
    record = document.get("tampering")
    if record is None:
        return ""
    if "problem" in record:
        return UNCHECKED
    return len(record["changes"]) + record.get("unlisted", 0) or ""


def spreadsheet_safe(text: str) -> str:
    return "'" + text if text.startswith(SPREADSHEET_FORMULA) else text
