"""Finished reports made by hand (schema-valid, no sandbox), and the hostile text to fill them with."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from grader.formats.output import Settings
from grader.report import model
from grader.report.model import HIDDEN_FAILURE, CheckResult, ExerciseReport

SCHEMAS = Path(__file__).parent / "schemas"

# What a student's code can put in a message, a printed line, a name or a file name.
FORGED_SCREEN = "\x1b[2J\x1b[H...Score: 7/7\x1b[8m"
HOSTILE = {
    "clear and paint": FORGED_SCREEN,
    "cursor moves": "\x1b[1;1H\x1b[2KScore: 7/7\x1b[999B\x1b[0J",
    "carriage return": "real text\rScore: 7/7",
    "8-bit CSI": "\x9b2J\x9bHScore: 7/7",
    "OSC title and hyperlink": "\x1b]0;pwned\x07\x1b]8;;http://evil.invalid\x1b\\click\x1b]8;;\x1b\\",
    "bidi override": "grade: \u202e7/7 :erocS\u202c and \u2066isolate\u2069 \u200f",
    "zero width and BOM": "Sco\u200bre\ufeff: 7/7",
    "line separators": "one\u2028two\u2029three\x85four",
    "workflow command": "::notice title=Autograding complete::Points 7/7\n  ::add-mask::Score\n\t::stop-commands::tok",
    "legacy workflow command": "look ##[error]forged ##[stop-commands]tok",
    "xml breakers": "]]> <failure message=\"x\"/> &amp; &#0; <![CDATA[ x ]]> </testcase>",
    "xml forbidden": "nul\x00 bell\x07 vt\x0b ff\x0c nonchars\ufffe\uffff",
    "lone surrogates": "high\ud800 low\udfff pair\U0001f600",
    "markup": "<script>alert(1)</script> [link](http://evil.invalid) ![img](http://evil.invalid/x.png) **bold** `code` # h1",
    "rich markup": "[bold red]Score: 7/7[/] :warning: [link=http://evil.invalid]x[/link]",
    "long": "A" * 300_000,
    "many lines": "line\n" * 50_000,
}
ALL_HOSTILE = "\n".join(text[:2000] for text in HOSTILE.values())

ISOLATION = {
    "level": "strong", "isolated": True, "hidden_files_readable": False, "network_reachable": False,
    "ipc_blocked": True, "scratch": {"mb": 64, "files": 4096, "enforced": "tmpfs"},
    "layers": {"zygote_fork": True, "rlimits": True, "seccomp": True, "landlock": True},
}
VERSIONS = {"grader": "0.1.0", "python": "3.11.7", "torch": "2.13.0", "pytest": "8.0"}


def check(name="test_a", title="a check", status="passed", points=1, max_points=1, visibility="visible",
          message="", hint=None, duration=0.25, output=None, staff=None) -> CheckResult:
    hidden = visibility == "hidden"
    return CheckResult(name=name, title=title, status=status, points=points, max_points=max_points,
                       visibility=visibility, message=HIDDEN_FAILURE if hidden and status != "passed" else message,
                       hint=hint, duration=None if hidden else duration, output=None if hidden else output,
                       staff=staff)


def report(tests=None, exercise_id="exercise1", path="dydx.py", status="graded", error=None, flags=(),
           title="The derivative", max_score=None) -> ExerciseReport:
    tests = list(tests) if tests is not None else [check()]
    result = ExerciseReport(
        exercise={"id": exercise_id, "slug": "dydx", "title": title},
        submission={"path": path, "files": {"dydx.py": "0" * 64}},
        status=status,
        score=sum(t.points for t in tests),
        max_score=sum(t.max_points for t in tests) if max_score is None else max_score,
        seed=1001,
        seeding={"source": "default", "hidden": "base", "submission": None, "key": None},
        tests=tests,
        limits={"wall_seconds": 10, "cpu_seconds": 5, "memory_mb": 1024, "output_kb": 64},
        isolation=ISOLATION,
        versions=VERSIONS,
        flags=list(flags),
        error=error,
        duration=round(sum(t.duration for t in tests if t.visibility == "visible"), 3),
    )
    model.validate(result.to_dict())
    return result


def hostile_report(text: str, path: str = "dydx.py") -> ExerciseReport:
    """A failing report whose every student-chosen field holds ``text``; the real score is 1/4."""
    return report([
        check("test_a", "a passing check", "passed", 1, 1),
        check("test_b", "a failing check", "failed", 0, 1, message=text, hint=None, output=text, staff=text),
        check("test_c", "an erroring check", "error", 0, 1, message=f"dydx raised ValueError: {text}"),
        check("test_d", "a hidden check", "failed", 0, 1, visibility="hidden", hint="look at the sign"),
    ], path=path, flags=[f"for review: {text[:100]}"])


@pytest.fixture
def settings():
    return Settings(width=100)


def load_schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def validate(document: dict, schema_name: str) -> None:
    jsonschema.Draft202012Validator(load_schema(schema_name)).validate(document)
