"""A class graded in three real shards (``grade batch --shard I/3``) and merged gives what one
unsharded batch gives: the same gradebook byte for byte, the same reports with the same scores."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from grader.seeds import key_id

from ..conftest import REPO, run_cli
from .test_batch_cli import make_class

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

SECRET = "a course secret for the sharding test, 32+ bytes long"


def graded(out) -> dict:
    """Each report's scores, by file: what must not depend on the shard that graded it."""
    reports = {}
    for path in sorted((out / "reports").glob("*.json")):
        document = json.loads(path.read_text())
        reports[path.name] = [(r["exercise"]["id"], r["score"], r["seed"], [t["status"] for t in r["tests"]])
                              for r in document["reports"]]
    return reports


def test_three_shards_merged_give_the_unsharded_gradebook(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(REPO / "exercises" / "exercise1", course / "exercises" / "exercise1")
    students = make_class(tmp_path / "class")
    env = {**os.environ, "GRADER_SECRET": SECRET}

    def batch(out, *extra):
        result = run_cli("batch", str(students), "--course", str(course), "--out", str(out), "--seed", "5",
                         "--jobs", "2", "--quiet", *extra, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        return json.loads((out / "batch.json").read_text())

    whole = batch(tmp_path / "whole")
    shards = [batch(tmp_path / f"shard{i}", "--shard", f"{i}/3") for i in (1, 2, 3)]
    assert sorted(i for s in shards for i in s["ids"]) == whole["ids"]
    assert all(s["class"] == whole["class"] and s["secret"] == key_id(SECRET.encode()) for s in shards)
    assert SECRET not in (tmp_path / "shard1" / "batch.json").read_text()

    result = run_cli("merge", *(str(tmp_path / f"shard{i}") for i in (3, 1, 2)), "--out", str(tmp_path / "merged"),
                     "--course", str(course), env=env)
    assert result.returncode == 0, result.stderr
    assert "5 submissions" in result.stdout
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (tmp_path / "whole" / "gradebook.csv").read_bytes()
    assert graded(tmp_path / "merged") == graded(tmp_path / "whole")
    assert sorted(p.name for p in (tmp_path / "merged" / "feedback").iterdir()) == \
        sorted(p.name for p in (tmp_path / "whole" / "feedback").iterdir())
