"""``batch.json``: what one ``grade batch`` (or ``grade merge``) put in its ``--out``, and from what.

Trusted process, no grading. The manifest (schema ``grader/schemas/batch.schema.json``) records
everything the shards of one class must share (``SHARED``): the grader's version, the course's
fingerprint, the exercises, the seed, the course secret's key id (never the secret), the deadline,
the student release's fingerprint (``--template``), the number of shards and a digest of the full list of discovered submission ids, so that shards
built from a different class list are refused at merge. It also lists the ids this folder holds
reports for, which shard it is, and when it was started and finished.

A batch writes it when it starts (``finished`` null) and again at the end: a folder whose manifest
lists an id without a finished report is an interrupted batch.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import jsonschema

from grader import __version__, schemas
from grader.errors import UsageProblem

NAME = "batch.json"
SCHEMA_VERSION = "1.0"
# what every shard of one class must agree on, and how a refusal names it
SHARED = {"grader": "grader version", "course": "course (its exercise folders)", "exercises": "exercises",
          "seed": "seed", "secret": "course secret (key id)", "deadline": "deadline",
          "template": "student release (--template)", "class": "class list"}


class NotABatch(UsageProblem):
    """A folder given as a batch's output holds no valid ``batch.json``."""


def class_digest(ids: list[str]) -> str:
    """A digest of the whole class's submission ids (order-free; ids may hold any character)."""
    return hashlib.sha256(json.dumps(sorted(ids), ensure_ascii=True).encode()).hexdigest()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def describe(*, course: str, exercises, seed: int | None, secret_id: str | None, deadline: datetime | None,
             template: str | None = None, shard: dict | None, class_ids: list[str], ids: list[str], kind: str = "batch",
             merged: dict | None = None) -> dict:
    """A new manifest, started now and not finished."""
    return {
        "schema_version": SCHEMA_VERSION, "kind": kind, "grader": __version__, "course": course,
        "exercises": [e.id for e in exercises], "seed": seed, "secret": secret_id,
        "deadline": deadline.isoformat() if deadline else None, "template": template, "shard": shard,
        "class": {"submissions": len(class_ids), "digest": class_digest(class_ids)}, "ids": list(ids),
        "started": now(), "finished": None, "merged": merged,
    }


def finished(manifest: dict) -> dict:
    return {**manifest, "finished": now()}


def encode(manifest: dict) -> bytes:
    validate(manifest)
    return (json.dumps(manifest, indent=2, ensure_ascii=True) + "\n").encode()


def validate(manifest: dict) -> None:
    error = jsonschema.exceptions.best_match(validator().iter_errors(manifest))
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "the top level"
        raise ValueError(f"at {where}: {error.message}")


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.load("batch.schema.json"))


def read(folder: Path) -> dict:
    """The manifest of ``folder``, or ``NotABatch`` saying what is wrong with it."""
    path = folder / NAME
    if not folder.is_dir():
        raise NotABatch(f"{folder}: no such folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        validate(manifest)
    except FileNotFoundError:
        raise NotABatch(f"{folder} is not a batch's output: it has no {NAME} (grade batch writes one into "
                        f"--out)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, ValueError) as error:
        raise NotABatch(f"{folder}/{NAME} is not a batch manifest ({error}); give the --out folder of a "
                        f"grade batch") from None
    return manifest
