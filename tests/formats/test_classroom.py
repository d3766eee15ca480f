"""The GitHub Classroom payload, read as the reporter reads it: base64, JSON.parse, then the sums of
notify-classroom.js (github-education-resources/autograding-grading-reporter)."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from grader.errors import CourseError
from grader.formats import classroom
from grader.formats.output import Settings, deliver

from .conftest import ALL_HOSTILE, HOSTILE, check, hostile_report, report, validate
from .test_sanitize import log_lines, runner_would_run

LINUX_MAX_ARG_STRLEN = 128 * 1024  # one NAME=value in a process's environment, NUL included


def reporter_reads(encoded: bytes | str) -> dict:
    """main.js: ``JSON.parse(Buffer.from(env, "base64").toString("utf-8"))``."""
    return json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))


def classroom_points(runner_results: list[dict]) -> tuple[int, int] | None:
    """notify-classroom.js: skip a runner whose max_score is 0 or missing; add every test's score."""
    total = maximum = 0
    for results in runner_results:
        if not results.get("max_score"):
            continue
        maximum += results["max_score"]
        total += sum(test["score"] for test in results["tests"])
    return None if not maximum else (total, maximum)


def reporter_log(results: dict) -> str:
    """What console-results.js prints for a runner: each test's name and, unless it passed, its message."""
    lines = []
    for test in results["tests"]:
        lines.append(f"\u2705 {test['name']}" if test["status"] == "pass" else f"\u274c {test['name']}")
        if test["status"] != "pass":
            lines.append(f"Error: {test['message'] or 'Failed to run test'}")
    return "\n".join(lines)


def payload_of(output) -> tuple[dict, bytes]:
    printed = output.text
    assert printed.endswith(b"\n") and printed.count(b"\n") == 1  # one line
    return json.loads(printed), printed


def test_points_reach_classroom_as_the_reports_say(tmp_path):
    reports = [report([check("a", points=2, max_points=2), check("b", "b", "failed", 0, 3, message="no")]),
               report([check("c", points=1, max_points=1)], exercise_id="exercise6")]
    github_output = tmp_path / "github_output"
    github_output.write_text("earlier=1\n")
    output = classroom.render(reports, {}, True, Settings(github_output=github_output))
    deliver(dataclasses.replace(output, text=b""))
    content = github_output.read_text()
    assert content.startswith("earlier=1\nresult=") and content.endswith("\n")
    encoded = content.splitlines()[1].removeprefix("result=")
    results = reporter_reads(encoded)
    validate(results, "classroom-payload.schema.json")
    assert classroom_points([results]) == (3, 6) == (sum(r.score for r in reports), sum(r.max_score for r in reports))
    assert results["status"] == "fail" and len(results["tests"]) == 3
    assert all(isinstance(t["score"], int) for t in results["tests"])
    printed, _ = payload_of(output)
    assert printed == results
    assert [t["name"] for t in results["tests"]] == ["exercise1: a check", "exercise1: b", "exercise6: a check"]


def test_all_passing_is_pass_and_hidden_checks_have_no_time():
    results, _ = payload_of(classroom.render([report([check(), check("h", "h", visibility="hidden")])], {}, False,
                                             Settings()))
    assert results["status"] == "pass"
    assert results["tests"][0]["duration"] == 0.25 and results["tests"][1]["duration"] is None


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_reaches_the_log_harmless(name):
    output = classroom.render([hostile_report(HOSTILE[name])], {}, False, Settings())
    results, printed = payload_of(output)
    validate(results, "classroom-payload.schema.json")
    assert classroom_points([results]) == (1, 4)
    for line in log_lines(reporter_log(results)) + log_lines(printed.decode("utf-8")):
        assert not runner_would_run(line), line
    assert "\x1b" not in json.dumps(results, ensure_ascii=False)


def test_a_huge_payload_is_shortened_never_cut_down_to_fewer_tests():
    many = [check(f"t{i}", f"check {i}", "failed", 0, 1, message=ALL_HOSTILE + HOSTILE["long"]) for i in range(300)]
    output = classroom.render([report(many)], {}, False, Settings())
    results, printed = payload_of(output)
    encoded = classroom.encode(printed.decode("utf-8").strip())
    assert len(b"GRADE_RESULTS=" + encoded) + 1 < LINUX_MAX_ARG_STRLEN
    assert len(encoded) <= classroom.MAX_BASE64
    assert len(results["tests"]) == 300 and classroom_points([reporter_reads(encoded)]) == (0, 300)
    assert all(t["message"] for t in results["tests"])  # shortened, still there


def test_a_report_that_could_not_be_graded_still_has_tests():
    failed = report([], status="error", error={"kind": "course", "message": "harness.py does not import"}, max_score=7)
    results, _ = payload_of(classroom.render([failed], {}, False, Settings()))
    validate(results, "classroom-payload.schema.json")
    assert results["status"] == "error" and results["max_score"] == 7
    assert results["tests"] == [{"name": "grading", "status": "error", "score": 0,
                                 "message": "harness.py does not import", "test_code": "", "filename": "dydx.py",
                                 "line_no": 0, "duration": None}]
    assert classroom_points([results]) == (0, 7)


def test_a_run_that_graded_nothing_still_gives_the_reporter_tests(tmp_path):
    github_output = tmp_path / "out"
    output = classroom.render_failure(CourseError("::error::no course here"), Settings(github_output=github_output))
    deliver(dataclasses.replace(output, text=b""))
    results = reporter_reads(github_output.read_text().strip().removeprefix("result="))
    validate(results, "classroom-payload.schema.json")
    assert results["status"] == "error" and results["tests"][0]["message"] == "\\::error::no course here"
    assert classroom_points([results]) is None  # max_score 0: the reporter sends nothing


def test_zero_point_checks_report_nothing_and_say_so():
    output = classroom.render([report([check(points=0, max_points=0)])], {}, False, Settings())
    results, _ = payload_of(output)
    assert results["max_score"] == 0 and classroom_points([results]) is None
    assert output.notes == [classroom.ZERO_POINTS_NOTE]
