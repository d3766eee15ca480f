"""A submission costs a bounded time: a file that does not import is judged once for all its
checks, and calls that never finish share one budget."""

from __future__ import annotations

import time

import pytest

from grader.runner.student import FAILED_CALLS_BUDGET
from grader.sandbox import protocol
from grader.sandbox.outcome import interpret

from ..helpers import failed

READY = {"stage": "ready", "layers": {"rlimits": True}}
IMPORTED = {"stage": "imported"}
RESULT = {"stage": "result", "ok": True, "value": 1.0, "warnings": []}


def wire(*messages) -> list:
    return [protocol.decode(protocol.encode(m)) for m in messages]


@pytest.mark.parametrize("messages, failure, phase", [
    ((READY,), ("timeout", "it ran too long"), "import"),
    ((READY, IMPORTED), ("timeout", "it ran too long"), "call"),
    ((READY,), None, "import"),
    ((READY, IMPORTED), None, "call"),
    ((), ("timeout", "it ran too long"), None),
])
def test_a_child_that_never_answers_says_whether_it_got_past_the_import(messages, failure, phase):
    outcome = interpret(wire(*messages), False, failure)
    assert not outcome.ok and outcome.phase == phase


def test_the_imported_frame_is_accepted_once_and_a_forged_second_fails_closed():
    assert interpret(wire(READY, IMPORTED, RESULT), False, None).value == 1.0
    assert interpret(wire(READY, IMPORTED, IMPORTED, RESULT), False, None).status == "protocol"


def counting(grader, monkeypatch) -> list:
    calls = []
    real = grader.session.sandbox.call
    monkeypatch.setattr(grader.session.sandbox, "call", lambda *a: calls.append(1) or real(*a))
    return calls


@pytest.mark.sandbox
@pytest.mark.parametrize("top", ["import os\nos.kill(os.getpid(), 9)\n", "raise RuntimeError('nope')\n"])
def test_a_file_that_does_not_import_runs_one_child_for_all_its_checks(grader1, monkeypatch, top):
    calls = counting(grader1, monkeypatch)
    report = grader1.source(top + "def dydx(f, x0):\n    return 0.0\n")
    assert len(calls) == 1
    assert report.score == 0 and len(failed(report)) == len(report.tests) > 1
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("dydx.py" in t.message for t in visible)


@pytest.mark.slow
@pytest.mark.sandbox
def test_an_import_that_hangs_costs_one_wall_limit(grader1):
    started = time.monotonic()
    report = grader1.source("import time\ntime.sleep(1000)\n")
    took = time.monotonic() - started
    assert report.score == 0 and len(failed(report)) == len(report.tests)
    assert "did not finish importing" in failed(report)[0].message
    assert took < grader1.exercise.limits.wall_seconds + 5


@pytest.mark.slow
@pytest.mark.sandbox
def test_calls_that_hang_share_one_budget(grader1, monkeypatch):
    calls = counting(grader1, monkeypatch)
    report = grader1.source("import time\ndef dydx(f, x0):\n    time.sleep(1000)\n")
    assert len(calls) == FAILED_CALLS_BUDGET
    assert report.score == 0
    assert any("its whole budget" in t.message for t in report.tests)
