"""The seed rule (grader/seeds.py): pure functions, no sandbox."""

from __future__ import annotations

import hashlib
import hmac
import json
import zlib

import pytest

from grader import seeds
from grader.errors import UsageProblem

SECRET = b"s" * 32
DIGESTS = {"dydx.py": "ab" * 32}


def test_public_streams_keep_the_formula_exercises_were_written_against():
    assert seeds.stream_seed(1001, "test_polynomial") == 1001 * 1_000_003 + zlib.crc32(b"test_polynomial")


def test_keyed_seed_is_the_documented_hmac():
    message = json.dumps([seeds.DOMAIN, "exercise1", 7, "id", "test_x"]).encode()
    expected = int.from_bytes(hmac.new(SECRET, message, hashlib.sha256).digest()[:8], "big") >> 1
    assert seeds.keyed_seed(SECRET, "exercise1", 7, "id", "test_x") == expected
    assert 0 <= expected < 2**63


@pytest.mark.parametrize("name, other", [
    ("secret", b"t" * 32), ("exercise_id", "exercise2"), ("base", 8), ("submission_id", "id2"),
    ("stream", "test_y"),
])
def test_every_input_of_the_keyed_seed_changes_it(name, other):
    args = dict(secret=SECRET, exercise_id="exercise1", base=7, submission_id="id", stream="test_x")
    assert seeds.keyed_seed(**args) == seeds.keyed_seed(**args)
    assert seeds.keyed_seed(**args) != seeds.keyed_seed(**{**args, name: other})


def test_submission_id_follows_the_files():
    same = seeds.submission_id(dict(DIGESTS))
    assert same == seeds.submission_id(DIGESTS) and len(same) == 64
    assert same != seeds.submission_id({"dydx.py": "cd" * 32})
    assert seeds.submission_id({"dydx.py": None}) != same


def test_hidden_streams_are_keyed_only_with_a_secret():
    keyed = seeds.seeding("exercise1", 1001, True, DIGESTS, None, SECRET)
    assert (keyed.base, keyed.source) == (1001, "default")
    assert keyed.stream("test_a", hidden=False) == seeds.stream_seed(1001, "test_a")
    assert keyed.stream("test_a", hidden=True) == seeds.keyed_seed(
        SECRET, "exercise1", 1001, seeds.submission_id(DIGESTS), "test_a")
    given = seeds.seeding("exercise1", 1001, True, DIGESTS, 5, None)
    assert (given.base, given.source) == (5, "option")
    assert given.stream("test_a", hidden=True) == seeds.stream_seed(5, "test_a")


def test_without_secret_or_seed_hidden_checks_get_a_fresh_random_base():
    draws = {seeds.seeding("exercise1", 1001, True, DIGESTS, None, None).base for _ in range(5)}
    assert len(draws) > 1 and all(0 <= d < 2**31 for d in draws)
    assert seeds.seeding("exercise1", 1001, True, DIGESTS, None, None).source == "random"
    # A student's checkout has no hidden checks: the default stays.
    local = seeds.seeding("exercise1", 1001, False, DIGESTS, None, None)
    assert (local.base, local.source) == (1001, "default")


def test_the_record_names_the_key_but_never_holds_the_secret():
    keyed = seeds.seeding("exercise1", 1001, True, DIGESTS, 3, SECRET)
    record = keyed.record()
    assert record == {"source": "option", "hidden": "keyed", "submission": seeds.submission_id(DIGESTS),
                      "key": seeds.key_id(SECRET)}
    text = json.dumps(record) + repr(keyed) + str(keyed)
    assert SECRET.decode() not in text
    assert seeds.seeding("exercise1", 1001, True, DIGESTS, 3, None).record() == {
        "source": "option", "hidden": "base", "submission": None, "key": None}


def test_read_secret_from_the_environment_or_a_file(tmp_path):
    assert seeds.read_secret({}) is None
    assert seeds.read_secret({"GRADER_SECRET": "  " + "k" * 40 + "\n"}) == b"k" * 40
    path = tmp_path / "secret"
    path.write_bytes(b"f" * 40 + b"\n")
    assert seeds.read_secret({"GRADER_SECRET_FILE": str(path)}) == b"f" * 40


@pytest.mark.parametrize("environ, says", [
    ({"GRADER_SECRET": "tiny-key-9"}, "shorter than 32 bytes"),
    ({"GRADER_SECRET": ""}, "shorter than 32 bytes"),
    ({"GRADER_SECRET": "k" * 40, "GRADER_SECRET_FILE": "/x"}, "set only one"),
    ({"GRADER_SECRET_FILE": "/nonexistent/secret"}, "cannot read the secret file"),
])
def test_an_unusable_secret_is_a_usage_problem_that_does_not_quote_it(environ, says):
    with pytest.raises(UsageProblem, match=says) as raised:
        seeds.read_secret(environ)
    if environ.get("GRADER_SECRET"):
        assert environ["GRADER_SECRET"] not in str(raised.value)
