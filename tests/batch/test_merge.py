"""``grade merge``: the shards of one class join into what one batch writes, and anything else is
refused in one line naming the folder and what differs. The shard folders here are built without
grading (stand-in reports, edited manifests); ``test_shard_cli`` grades real shards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.batch import class_files, manifest, merge
from grader.batch.engine import course_fingerprint, failure_document
from grader.batch.outputs import Outputs, file_name
from grader.batch.shard import Shard
from grader.exercises import load_course
from grader.report.model import to_json
from grader.submission import Submission

from ..conftest import REPO, run_cli

CLASS = ["alice", "bob", "carol", "dave", "erin", "=frank"]


def fake_shard(out: Path, course, shard: str, class_ids=CLASS, **changes) -> Path:
    """A shard's --out as ``grade batch --shard`` leaves it, with stand-in reports (one per id, a
    score of 0), and manifest fields replaced by ``changes``."""
    exercise = course.resolve("exercise1")
    part = Shard.parse(shard)
    ids = part.select(sorted(class_ids))
    outputs, rows = Outputs(out), []
    for submission_id in ids:
        document = failure_document([Submission(exercise, submission_id)], "a stand-in", "submission", 5, None)
        outputs.write(file_name(submission_id), to_json(document), f"feedback for {submission_id}\n", "key")
        rows.append((submission_id, document))
    described = manifest.describe(course=course_fingerprint([exercise]), exercises=[exercise], seed=5,
                                  secret_id=None, deadline=None, shard=part.as_dict(), class_ids=list(class_ids),
                                  ids=ids)
    class_files.write(outputs, [exercise], rows, {**described, **changes})
    return out


@pytest.fixture
def shards(tmp_path, course):
    return [fake_shard(tmp_path / f"shard{i}", course, f"{i}/3") for i in (1, 2, 3)]


def test_three_shards_merge_into_what_one_batch_writes(tmp_path, course, shards):
    whole = fake_shard(tmp_path / "whole", course, "1/1")
    merged = merge.merge(course, shards, tmp_path / "merged")
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (whole / "gradebook.csv").read_bytes()
    for folder in ("reports", "feedback"):
        assert sorted(p.name for p in (tmp_path / "merged" / folder).iterdir()) == \
            sorted(p.name for p in (whole / folder).iterdir())
    written = json.loads((tmp_path / "merged" / "batch.json").read_text())
    assert written == merged.manifest | {"finished": written["finished"]} and written["finished"]
    assert written["kind"] == "merge" and written["ids"] == sorted(CLASS)
    assert written["merged"]["count"] == 3 and written["merged"]["missing"] == []
    assert [s["index"] for s in written["merged"]["shards"]] == [1, 2, 3]
    page = (tmp_path / "merged" / "summary.html").read_text()
    assert "made by: grade merge" in page and "shards: 3 of 3 merged" in page and "=frank" in page


def test_one_unsharded_batch_merges_into_a_copy(tmp_path, course):
    whole = fake_shard(tmp_path / "whole", course, "1/1")
    merge.merge(course, [whole], tmp_path / "merged")
    assert (tmp_path / "merged" / "gradebook.csv").read_bytes() == (whole / "gradebook.csv").read_bytes()


@pytest.mark.parametrize("key, value, named", [
    ("grader", "0.0.1", "grader version"), ("course", "0" * 64, "course"), ("seed", 6, "seed"),
    ("secret", "0123456789abcdef", "course secret"), ("deadline", "2026-12-01T23:59:00+00:00", "deadline"),
    ("exercises", ["exercise1", "exercise8"], "exercises"),
    ("class", {"submissions": 7, "digest": manifest.class_digest([*CLASS, "mallory"])}, "class list"),
    ("template", "ab" * 32, "student release"),
])
def test_a_shard_graded_differently_is_refused_naming_it_and_what_differs(tmp_path, course, shards, key, value,
                                                                           named):
    other = json.loads((shards[1] / "batch.json").read_text()) | {key: value}
    (shards[1] / "batch.json").write_text(json.dumps(other))
    with pytest.raises(merge.MergeRefused, match=rf"{shards[1]} \(shard 2/3\) was graded with a different {named}"):
        merge.merge(course, shards, tmp_path / "merged")
    assert not (tmp_path / "merged").exists()


def test_shards_cut_in_different_numbers_are_refused(tmp_path, course, shards):
    halves = fake_shard(tmp_path / "half", course, "2/2")
    with pytest.raises(merge.MergeRefused, match="different numbers of shards"):
        merge.merge(course, [*shards[:2], halves], tmp_path / "merged")


def test_the_same_shard_twice_is_refused(tmp_path, course, shards):
    again = shutil.copytree(shards[0], tmp_path / "again")
    with pytest.raises(merge.MergeRefused, match=r"are both shard 1/3; give each shard once"):
        merge.merge(course, [*shards, again], tmp_path / "merged")


def test_a_missing_shard_is_named_and_allow_partial_records_it(tmp_path, course, shards):
    with pytest.raises(merge.MergeRefused, match=r"missing shard\(s\) 2/3: .*--allow-partial"):
        merge.merge(course, [shards[0], shards[2]], tmp_path / "merged")
    merged = merge.merge(course, [shards[0], shards[2]], tmp_path / "merged", allow_partial=True)
    assert merged.missing == [2]
    written = json.loads((tmp_path / "merged" / "batch.json").read_text())
    assert written["merged"]["missing"] == [2] and written["ids"] == sorted(Shard(1, 3).select(sorted(CLASS)) +
                                                                            Shard(3, 3).select(sorted(CLASS)))
    # once the late shard is in, merging again into the same folder completes it
    merge.merge(course, shards, tmp_path / "merged")
    assert json.loads((tmp_path / "merged" / "batch.json").read_text())["merged"]["missing"] == []


def test_an_interrupted_shard_is_refused_with_the_ids_it_lacks(tmp_path, course, shards):
    lacking = Shard(2, 3).select(sorted(CLASS))
    (shards[1] / "reports" / f"{lacking[0]}.json").unlink()
    (shards[1] / "reports" / f"{lacking[1]}.json").write_text("{\"half\": ")
    with pytest.raises(merge.MergeRefused, match=rf"shard 2/3\) was interrupted: 2 of its 2 submissions have no "
                                                 rf"finished report \('{lacking[0]}', '{lacking[1]}'\)"):
        merge.merge(course, shards, tmp_path / "merged")


@pytest.mark.parametrize("damage", ["none", "not json", "not a manifest"])
def test_a_folder_that_is_not_a_batch_output_is_refused(tmp_path, course, shards, damage):
    if damage == "none":
        (shards[2] / "batch.json").unlink()
    else:
        (shards[2] / "batch.json").write_text("{" if damage == "not json" else '{"kind": "batch"}')
    with pytest.raises(manifest.NotABatch, match=rf"{shards[2]}.* (not a batch|no batch.json)"):
        merge.merge(course, shards, tmp_path / "merged")


def test_a_merge_is_not_a_shard_and_out_is_not_overwritten_unless_it_is_a_merge(tmp_path, course, shards):
    merge.merge(course, shards, tmp_path / "merged")
    with pytest.raises(merge.MergeRefused, match="is already a merge"):
        merge.merge(course, [tmp_path / "merged"], tmp_path / "again")
    with pytest.raises(merge.MergeRefused, match="is one of the shards"):
        merge.merge(course, shards, shards[0])
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("mine")
    with pytest.raises(merge.MergeRefused, match="not an earlier merge"):
        merge.merge(course, shards, tmp_path / "notes")


def test_a_merge_with_another_course_than_the_shards_is_refused(tmp_path, course, shards):
    shutil.copytree(REPO / "exercises" / "exercise1", tmp_path / "course" / "exercises" / "exercise1")
    with (tmp_path / "course" / "exercises" / "exercise1" / "README.md").open("a") as statement:
        statement.write("\nOne more sentence.\n")
    with pytest.raises(merge.MergeRefused, match="graded with another course"):
        merge.merge(load_course(tmp_path / "course"), shards, tmp_path / "merged")


def test_the_command_prints_the_summary_or_one_line_and_exit_2(tmp_path, shards):
    result = run_cli("merge", *map(str, shards), "--out", str(tmp_path / "merged"))
    assert result.returncode == 0, result.stderr
    assert "6 submissions" in result.stdout and "exercise1" in result.stdout
    result = run_cli("merge", str(shards[0]), str(shards[0]), "--out", str(tmp_path / "again"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("grade: error: ") and "both shard 1/3" in result.stderr
    partial = run_cli("merge", str(shards[0]), "--out", str(tmp_path / "partial"), "--allow-partial")
    assert partial.returncode == 0 and "missing shards (not in the gradebook): 2/3, 3/3" in partial.stdout


@pytest.mark.parametrize("change", [{"shard": None}, {"kind": "merge"}, {"shard": {"index": 4, "count": 3}}])
def test_a_manifest_that_contradicts_itself_is_not_a_batch(tmp_path, course, shards, change):
    edited = json.loads((shards[0] / "batch.json").read_text()) | change
    (shards[0] / "batch.json").write_text(json.dumps(edited))
    with pytest.raises(merge.MergeRefused, match="shard 4/3, which no batch grades") if "index" in str(change) \
            else pytest.raises(manifest.NotABatch, match="is not a batch manifest"):
        merge.merge(course, shards, tmp_path / "merged")
