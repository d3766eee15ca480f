"""Hidden inputs must not be learnable: what attempt k leaks is worth nothing in attempt k+1.

A student on a platform that shows results grades attempt k with a submission that leaks each
hidden check's input through every channel its code controls (the time it takes, what it prints,
its exception text, the answer it returns), reads everything the report shows, and builds attempt
k+1 from what it learned. Here attempt k+1 answers correctly only for inputs it learned (standing
in for answers worked out offline for those inputs) and returns the honest wrong answer otherwise:
on hidden checks it must score no more than the honest wrong answer does.

These run the real ``grade`` command as the instructor's run does (a course secret in the
environment), on exercise1, whose hidden checks hand dydx a plain x0.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import textwrap

import pytest

from ..conftest import run_cli

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SECRET = "course-secret-for-the-attack-tests"
SCALE = 0.5  # seconds of sleep per unit of x0
OFFSET = 2.5  # every x0 of exercise1 is above -OFFSET
TOLERANCE = 0.02  # how close a learned x0 must be for attempt k+1 to treat it as known
LEAK = re.compile(r"LEAK x0=(-?\d+(?:\.\d+)?(?:e-?\d+)?)")
NUMBER = re.compile(r"-?\d+\.\d+(?:e-?\d+)?")
VISIBLE_X0 = re.compile(r"x0=(-?\d+(?:\.\d+)?)")

LEAKER = """
import time

def dydx(f, x0):
    x0 = float(x0)
    channel = {CHANNEL}
    if channel == "time":
        time.sleep({SCALE} * (x0 + {OFFSET}))
    elif channel == "output":
        print(f"LEAK x0={x0!r}")
    elif channel == "error":
        raise ValueError(f"LEAK x0={x0!r}")
    elif channel == "answer":
        return 1000.0 + x0
    return 0.0
"""

EXPLOIT = """
import torch

LEARNED = {LEARNED}

def dydx(f, x0):
    if any(abs(float(x0) - known) < {TOLERANCE} for known in LEARNED):
        # stands for an answer worked out offline for an input learned in attempt k
        x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
        f(x).backward()
        return x.grad.item()
    return 0.0
"""

HONEST_WRONG = """
def dydx(f, x0):
    return 0.0
"""


def fill(template: str, **names) -> str:
    text = textwrap.dedent(template)
    for name, value in names.items():
        text = text.replace("{" + name + "}", repr(value))
    return text


def grade(tmp_path, name: str, text: str) -> dict:
    """The instructor's run of one attempt: the report JSON, as every view reads it."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "dydx.py").write_text(text)
    env = {**os.environ, "GRADER_SECRET": SECRET}
    env.pop("GRADER_SECRET_FILE", None)
    result = run_cli("exercise1", str(folder / "dydx.py"), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    return json.loads(result.stdout)


def strings(value):
    """Every string anywhere in plain data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def learn(report: dict) -> dict[str, list[float]]:
    """What a student can read off a report about each hidden check's x0, from every field.

    Text channels: a leak marker, or an answer of 1000 + x0 quoted back. Time: each check's
    duration, calibrated on the visible checks, whose messages quote their x0.
    """
    offsets = []
    for test in report["tests"]:
        match = VISIBLE_X0.search(test["message"] or "")
        if test["visibility"] == "visible" and match and isinstance(test.get("duration"), (int, float)):
            offsets.append(test["duration"] - SCALE * (float(match[1]) + OFFSET))
    offset = statistics.median(offsets) if offsets else 0.0
    learned = {}
    for test in report["tests"]:
        if test["visibility"] != "hidden":
            continue
        found = []
        for text in strings(test):
            found += [float(m) for m in LEAK.findall(text)]
            found += [float(n) - 1000.0 for n in NUMBER.findall(text) if 997.0 < float(n) < 1003.0]
        duration = test.get("duration")
        if isinstance(duration, (int, float)) and duration > 0:
            found.append((duration - offset) / SCALE - OFFSET)
        if found:
            learned[test["name"]] = found
    return learned


def hidden_score(report: dict) -> int:
    return sum(t["points"] for t in report["tests"] if t["visibility"] == "hidden")


@pytest.mark.parametrize("channel", ["time", "output", "error", "answer"])
def test_what_attempt_k_leaks_gains_nothing_in_attempt_k_plus_1(tmp_path, channel):
    leaked = grade(tmp_path, "attempt_k", fill(LEAKER, CHANNEL=channel, SCALE=SCALE, OFFSET=OFFSET))
    hidden = [t for t in leaked["tests"] if t["visibility"] == "hidden"]
    assert len(hidden) == 5
    learned = learn(leaked)
    values = sorted({round(x, 3) for xs in learned.values() for x in xs})

    exploit = grade(tmp_path, "attempt_k_plus_1", fill(EXPLOIT, LEARNED=values, TOLERANCE=TOLERANCE))
    honest = grade(tmp_path, "honest_wrong", HONEST_WRONG)
    print(f"channel {channel}: learned {learned}; hidden points: exploit {hidden_score(exploit)}, "
          f"honest wrong answer {hidden_score(honest)}")
    assert hidden_score(exploit) <= hidden_score(honest), (channel, learned)
    # No view carries a hidden check's time: its duration is withheld, and the report's total
    # counts the visible checks only (the leaker slept at least 0.25 s in each hidden check).
    for test in hidden:
        assert test.get("duration") is None, test
    visible_time = sum(t["duration"] for t in leaked["tests"] if t["visibility"] == "visible")
    assert leaked["duration"] <= visible_time + 0.01
