"""``--shard I/N``: the same slice on every machine, each submission in exactly one shard, balanced;
a value that names no shard is one line and exit 2 (no sandbox)."""

from __future__ import annotations

import random

import pytest

from grader.batch.shard import BadShard, Shard

from ..conftest import run_cli


@pytest.mark.parametrize("size", [0, 1, 2, 7, 30, 301])
@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_the_shards_cover_each_submission_once_and_differ_by_at_most_one(size, count):
    ids = sorted(f"student{n}" for n in range(size))
    slices = [Shard(index, count).select(ids) for index in range(1, count + 1)]
    assert sorted(i for part in slices for i in part) == ids
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_a_slice_depends_on_the_ids_alone_not_the_order_they_were_found_in():
    ids = [f"s{n:03}" for n in range(50)]
    shuffled = random.Random(1).sample(ids, len(ids))
    assert Shard(2, 3).select(sorted(shuffled)) == Shard(2, 3).select(ids) == ids[1::3]


@pytest.mark.parametrize("text, shard", [("1/1", Shard(1, 1)), ("2/3", Shard(2, 3)), (" 3 / 3 ", Shard(3, 3))])
def test_a_shard_is_written_i_slash_n(text, shard):
    assert Shard.parse(text) == shard and str(shard) == text.replace(" ", "")


@pytest.mark.parametrize("text", ["0/3", "4/3", "x", "1/0", "-1/3", "2", "1/3/3", ""])
def test_a_value_naming_no_shard_is_refused(text):
    with pytest.raises(BadShard, match="I/N"):
        Shard.parse(text)


@pytest.mark.parametrize("text", ["0/3", "4/3", "x"])
def test_the_command_refuses_it_in_one_line_before_grading(tmp_path, text):
    result = run_cli("batch", str(tmp_path), "--shard", text, "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("grade: error: --shard"), result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
