"""A failed check may keep partial credit it names itself, never its full points."""

from types import SimpleNamespace

import pytest

from grader.checks.failures import CheckFailed, StudentCallFailed
from grader.runner.plugin import partial_credit


def call(error, when="call"):
    return SimpleNamespace(excinfo=None if error is None else SimpleNamespace(value=error), when=when)


@pytest.mark.parametrize("error, when, points, expected", [
    (CheckFailed("x", points=3), "call", 10, 3),
    (CheckFailed("x", points=10), "call", 10, 9),  # a failed check never earns its full points
    (CheckFailed("x", points=-2), "call", 10, 0),
    (CheckFailed("x", points=2.5), "call", 10, 0),
    (CheckFailed("x", points=3), "setup", 10, 0),
    (StudentCallFailed("raised"), "call", 10, 0),
    (AssertionError("plain"), "call", 10, 0),
    (None, "call", 10, 0),
    (CheckFailed("x", points=1), "call", 1, 0),
])
def test_partial_credit(error, when, points, expected):
    assert partial_credit(call(error, when), points) == expected
