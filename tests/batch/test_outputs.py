"""The batch's files: names safe whatever a student called their zip, a gradebook that tells a 0
from a missing file and a grader error, and writes that are whole or absent (no sandbox)."""

from __future__ import annotations

import csv

import pytest

from grader.batch import summary
from grader.batch.outputs import Outputs, file_name, write_atomically


def report(exercise_id: str, score: int, *, digest: str | None = "ab" * 32, error: dict | None = None,
           hint: str | None = None) -> dict:
    return {"exercise": {"id": exercise_id}, "score": score, "error": error, "status": "graded", "flags": [],
            "isolation": {"level": "strong"}, "submission": {"path": "x", "files": {"f.py": digest}},
            "tests": [{"status": "failed" if hint else "passed", "hint": hint, "message": ""}]}


@pytest.mark.parametrize("name", ["../../etc/passwd", ".hidden", "a/b", "x\ny", "é", "", "=cmd|' /C calc'!A0"])
def test_a_file_name_never_leaves_its_folder_and_two_ids_never_share_one(name):
    made = file_name(name)
    assert "/" not in made and not made.startswith(".") and made
    assert made != file_name(name + "_")


def test_the_gradebook_tells_zero_from_missing_from_error_and_has_a_max_row(course, tmp_path):
    ex1, ex8 = course.resolve("exercise1"), course.resolve("exercise8")
    rows = [
        ("student1", {"reports": [report("exercise1", 0), report("exercise8", 100)]}),
        ("student2", {"reports": [report("exercise1", 0, digest=None,
                                    error={"kind": "submission", "message": "dydx.py is missing"}),
                             report("exercise8", 0, error={"kind": "grader", "message": "worker died"})]}),
        ("=HYPERLINK(\"http://x\")", {"reports": [report("exercise1", 7), report("exercise8", 5)]}),
    ]
    path = Outputs(tmp_path).write_gradebook([ex1, ex8], rows)
    with open(path, newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["student", "exercise1", "exercise8", "total", "commit"]
    assert table[1] == ["max points", "7", "100", "107", ""]
    assert table[2] == ["student1", "0", "100", "100", ""]
    assert table[3] == ["student2", "missing", "error", "0", ""]
    assert table[4][0].startswith("'=")


def test_the_summary_counts_each_hint_once_per_submission(course):
    ex1 = course.resolve("exercise1")
    documents = [{"reports": [report("exercise1", 3, hint="accumulates\nmore")]} for _ in range(3)]
    documents[0]["reports"][0]["tests"] *= 4
    result = summary.summarise([ex1], documents)
    assert result["hints"] == [{"hint": "accumulates", "submissions": 3}]
    assert result["exercises"][0]["median"] == 3 and result["exercises"][0]["full"] == 0


def test_a_failed_write_leaves_the_old_file_and_no_part_file(tmp_path, monkeypatch):
    target = tmp_path / "reports" / "a.json"
    write_atomically(target, b"old")

    def broken(*_):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OSError):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]


def test_a_report_is_resumed_only_with_its_own_key(tmp_path):
    outputs = Outputs(tmp_path)
    (tmp_path / "reports" / "a.json").write_text("{}")
    (tmp_path / ".resume" / "a.key").write_text("k1")
    assert outputs.finished("a", "k2") is None
    assert outputs.finished("a", "k1") is None  # not a valid report: graded again
