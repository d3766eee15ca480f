"""The report model: one ``ExerciseReport`` per submission and exercise.

Every output format is a view of these objects; none computes a score of its own. ``to_json``
validates against the shipped schema (``grader/schemas/report.schema.json``) before anything is
written, and encodes non-finite floats explicitly (``{"nonfinite": "nan"}``), since JSON parsers
such as the GitHub Classroom reporter's reject bare NaN and Infinity.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache

import jsonschema

from grader import schemas
from grader.errors import ReportInvalid

SCHEMA_VERSION = "2.0"
HIDDEN_FAILURE = "this hidden check failed"  # the whole message of a failed hidden check


@dataclass
class CheckResult:
    """One check (one pytest test, or one parametrised case of it)."""

    name: str
    title: str
    status: str  # passed | failed | error
    points: int
    max_points: int
    visibility: str  # visible | hidden
    message: str = ""
    hint: str | None = None
    duration: float | None = None  # seconds; None for a hidden check (its time is never reported)
    output: str | None = None  # the student's captured stdout/stderr: visible checks only
    details: dict = field(default_factory=dict)  # e.g. normwise error, worst index
    staff: str | None = None  # traceback or sandbox detail for staff, never hidden inputs


@dataclass
class ExerciseReport:
    exercise: dict  # id, slug, title
    submission: dict  # path, files (name -> sha256)
    status: str  # graded | error
    score: int
    max_score: int
    seed: int  # the base seed (``grader.seeds``)
    seeding: dict  # source, hidden (keyed | base), submission, key: how the inputs derive
    tests: list[CheckResult]
    limits: dict
    isolation: dict
    versions: dict
    flags: list[str] = field(default_factory=list)
    error: dict | None = None  # {kind, message} when the submission or grading itself failed
    duration: float = 0.0  # seconds of the visible checks only
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict:
        return finite(asdict(self))


def bundle(reports: list[ExerciseReport], versions: dict) -> dict:
    """Several exercise reports as one JSON document (``grade all --json``, several files)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "bundle",
        "score": sum(r.score for r in reports),
        "max_score": sum(r.max_score for r in reports),
        "versions": versions,
        "reports": [r.to_dict() for r in reports],
    }


def finite(value):
    """Replace non-finite floats, anywhere in plain data, by an explicit marker object."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"nonfinite": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def to_json(document: dict, indent: int | None = 2) -> str:
    """Validate a report or bundle document and serialise it (never with NaN or Infinity), as text
    that UTF-8 can encode (``ReportInvalid`` otherwise: a lone surrogate cannot be written)."""
    validate(document)
    text = json.dumps(document, indent=indent, allow_nan=False, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ReportInvalid(f"report holds a character UTF-8 cannot encode, at offset {error.start}") from None
    return text


def validate(document: dict) -> None:
    error = jsonschema.exceptions.best_match(report_validator().iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ReportInvalid(f"report does not match its schema at {where}: {error.message}")


@cache
def report_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.load("report.schema.json"))
