"""Hidden inputs must not be learnable: what attempt k leaks is worth nothing in attempt k+1.

A student on a platform that shows results grades attempt k with a submission that leaks each
hidden check's input through every channel its code controls (the time it takes, what it prints,
its exception text, the answer it returns), reads everything the report shows, and builds attempt
k+1 from what it learned. Here attempt k+1 answers correctly only for inputs it learned (standing
in for answers worked out offline for those inputs) and returns the honest wrong answer otherwise:
on hidden checks it must score no more than the honest wrong answer does.

The attack runs the real ``grade`` command as the instructor's run does (a course secret in the
environment), on exercise1, whose hidden checks hand dydx a plain x0. The tests after it look at
the inputs themselves, recorded on the trusted side as each check hands them to the sandbox: a
re-grade reproduces them, another attempt redraws them all, and even a perfect leak of attempt
k's inputs is worth nothing in attempt k+1.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import textwrap

import pytest
import torch

from grader.runner.student import Student
from grader.submission import load_submission

from ..conftest import SOLUTIONS, Grader, run_cli

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
    report = json.loads(result.stdout)
    assert report["seeding"]["hidden"] == "keyed"
    return report


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


# ----------------------------------------------------------------------------- the inputs themselves


@pytest.fixture
def record_inputs(monkeypatch):
    """Every call's inputs as the trusted side hands them to the sandbox, tagged hidden or not."""
    calls = []
    original = Student.outcome

    def recording(self, entry, **args):
        current = os.environ.get("PYTEST_CURRENT_TEST", "")
        calls.append(("/hidden/" in current, current.split(" ")[0], plain(args)))
        return original(self, entry, **args)

    monkeypatch.setattr(Student, "outcome", recording)
    return calls


def plain(value):
    if isinstance(value, torch.Tensor):
        return (str(value.dtype), value.tolist())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def inputs(calls, hidden: bool) -> list:
    return [(name, args) for is_hidden, name, args in calls if is_hidden == hidden]


@pytest.fixture(scope="module")
def keyed1(course, tmp_path_factory):
    grader = Grader(course, "exercise1", tmp_path_factory.mktemp("keyed1"), secret=SECRET.encode())
    yield grader
    grader.close()


def test_a_regrade_reproduces_the_hidden_inputs_and_a_new_attempt_redraws_them(keyed1, record_inputs):
    solution = (SOLUTIONS / "exercise1.py").read_text()
    first = keyed1.source(solution)
    first_calls = list(record_inputs)
    record_inputs.clear()
    again = keyed1.source(solution)  # the same files: a re-grade
    again_calls = list(record_inputs)
    record_inputs.clear()
    edited = keyed1.source(solution + "\n# attempt 2\n")
    edited_calls = list(record_inputs)

    assert first.seeding == again.seeding == {"source": "option", "hidden": "keyed",
                                              "submission": first.seeding["submission"],
                                              "key": first.seeding["key"]}
    assert len(inputs(first_calls, hidden=True)) == 5
    assert inputs(again_calls, hidden=True) == inputs(first_calls, hidden=True)
    assert inputs(again_calls, hidden=False) == inputs(first_calls, hidden=False)
    # Another attempt: every hidden input changes; the public ones are the student's own practice.
    assert edited.seeding["submission"] != first.seeding["submission"]
    assert edited.seeding["key"] == first.seeding["key"]
    for (name, old), (same_name, new) in zip(inputs(first_calls, True), inputs(edited_calls, True), strict=True):
        assert name == same_name and old != new, name
    assert inputs(edited_calls, hidden=False) == inputs(first_calls, hidden=False)
    for report in (first, again, edited):
        assert (report.score, report.max_score) == (7, 7)
        assert SECRET not in json.dumps(report.to_dict())


def test_even_a_perfect_leak_of_attempt_k_is_worth_nothing_in_attempt_k_plus_1(keyed1, record_inputs):
    """Attempt k leaks nothing through the report now; suppose it had leaked every hidden x0
    exactly. Attempt k+1 (a new file) is handed new ones."""
    keyed1.source(HONEST_WRONG)
    leaked = sorted({args["x0"] for _, args in inputs(record_inputs, hidden=True)})
    assert len(leaked) == 5
    exploit = keyed1.source(fill(EXPLOIT, LEARNED=leaked, TOLERANCE=1e-9))
    honest = keyed1.source(HONEST_WRONG + "\n# attempt k+1\n")
    hidden = [t.points for t in exploit.tests if t.visibility == "hidden"]
    assert sum(hidden) <= sum(t.points for t in honest.tests if t.visibility == "hidden") == 0


def test_another_secret_draws_other_inputs(course, tmp_path, record_inputs, keyed1):
    mine = keyed1.source(HONEST_WRONG)
    mine_inputs = inputs(record_inputs, hidden=True)
    record_inputs.clear()
    other = Grader(course, "exercise1", tmp_path, secret=b"another-course-secret-of-32-bytes!")
    try:
        theirs = other.source(HONEST_WRONG)
    finally:
        other.close()
    assert theirs.seeding["submission"] == mine.seeding["submission"]
    assert theirs.seeding["key"] != mine.seeding["key"]
    theirs_inputs = inputs(record_inputs, hidden=True)
    assert all(a != b for (_, a), (_, b) in zip(mine_inputs, theirs_inputs, strict=True))


def test_without_a_secret_hidden_inputs_are_random_per_run_and_seed_reproduces_them(grader1, record_inputs):
    """An instructor's copy graded without its secret: nothing reproducible to learn, and the
    report's seed, passed back as --seed, re-draws the very same inputs."""
    path = SOLUTIONS / "exercise1.py"
    grader1.session.seed = None
    runs = []
    for _ in range(2):
        record_inputs.clear()
        report = grader1.session.grade([load_submission(grader1.exercise, [path])])[0]
        runs.append((report, inputs(record_inputs, hidden=True)))
    (first, first_inputs), (second, second_inputs) = runs
    assert first.seeding == {"source": "random", "hidden": "base", "submission": None, "key": None}
    assert first.seed != second.seed and first_inputs != second_inputs
    record_inputs.clear()
    replay = grader1.file(path, seed=first.seed)
    assert replay.seeding["source"] == "option"
    assert inputs(record_inputs, hidden=True) == first_inputs
    assert (first.score, replay.score) == (7, 7)


def test_a_hidden_checks_flags_quote_nothing_the_answer_chose(course, tmp_path):
    """exercise6 flags answers that look like finite differences with the error measured; the
    error is the student's to choose (an answer off by a chosen amount carries a number out), so
    a hidden case's flag is its fixed brief."""
    variants = SOLUTIONS.parent / "exercises" / "exercise6" / "variants"
    grader = Grader(course, "exercise6", tmp_path, secret=SECRET.encode())
    try:
        report = grader.file(variants / "finite_differences.py")
    finally:
        grader.close()
    assert report.score == 24
    public_labels = ("N=4, sizes 3-5-4-3,", "N=3, sizes 2-3-4-5,")  # exercise6's public cases
    hidden = [f for f in report.flags if "finite differences" in f and not f.startswith(public_labels)]
    public = [f for f in report.flags if "finite differences" in f and f not in hidden]
    assert hidden and public
    assert all("normwise error" not in f and not NUMBER.search(f) for f in hidden), hidden
    assert all("normwise error" in f for f in public), public
