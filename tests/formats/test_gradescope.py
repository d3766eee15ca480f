"""Gradescope's results.json, validated against a schema written from the specification."""

from __future__ import annotations

import json

import pytest

from grader.errors import SandboxError
from grader.formats import gradescope
from grader.formats.output import Settings

from .conftest import ALL_HOSTILE, HOSTILE, check, hostile_report, report, validate


def results_of(reports, **settings) -> dict:
    document = json.loads(gradescope.render(reports, {"grader": "0.1.0"}, False, Settings(**settings)).text)
    validate(document, "gradescope-results.schema.json")
    return document


def test_scores_visibility_and_time():
    reports = [report([check("a", "a", points=2, max_points=2, duration=0.5),
                       check("b", "b", "failed", 0, 3, message="wrong sign", hint="check the sign"),
                       check("h", "h", "failed", 0, 1, visibility="hidden", hint="a fixed hint")])]
    results = results_of(reports)
    assert results["score"] == 2 == sum(t["score"] for t in results["tests"])
    assert [t["max_score"] for t in results["tests"]] == [2, 3, 1]
    assert [t["status"] for t in results["tests"]] == ["passed", "failed", "failed"]
    assert [t["visibility"] for t in results["tests"]] == ["visible", "visible", "after_published"]
    assert results["execution_time"] == reports[0].duration  # visible checks only
    assert "wrong sign" in results["tests"][1]["output"] and "hint: check the sign" in results["tests"][1]["output"]
    assert results["tests"][2]["output"] == "this hidden check failed\nhint: a fixed hint"
    assert "duration" not in results["tests"][2]["extra_data"]
    assert results["extra_data"]["isolation"] == "strong" and results["stdout_visibility"] == "hidden"


@pytest.mark.parametrize("visibility", gradescope.VISIBILITIES)
def test_the_course_chooses_the_hidden_checks_visibility(visibility):
    results = results_of([report([check(), check("h", "h", visibility="hidden")])], hidden_visibility=visibility)
    assert [t["visibility"] for t in results["tests"]] == ["visible", visibility]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_is_plain_text_or_escaped_markdown(name):
    results = results_of([hostile_report(HOSTILE[name])])
    text = json.dumps(results, ensure_ascii=False)
    assert "\x1b" not in text and "\u202e" not in text
    assert "<script>" not in results["output"]
    assert all(t["output_format"] == "text" for t in results["tests"])
    assert len(json.dumps(results).encode()) <= gradescope.MAX_BYTES


def test_a_huge_document_is_shortened_not_cut_down():
    many = [check(f"t{i}", f"c{i}", "failed", 0, 1, message=ALL_HOSTILE + HOSTILE["long"]) for i in range(1000)]
    results = results_of([report(many)])
    assert len(results["tests"]) == 1000


def test_grading_that_failed_still_writes_results():
    failed = report([], status="error", error={"kind": "grader", "message": "the sandbox stopped"}, max_score=7)
    results = results_of([failed])
    assert results["score"] == 0 and results["tests"][0]["max_score"] == 7
    assert "the sandbox stopped" in results["tests"][0]["output"]
    nothing = json.loads(gradescope.render_failure(SandboxError("no zygote"), Settings()).text)
    validate(nothing, "gradescope-results.schema.json")
    assert nothing["score"] == 0 and "no zygote" in nothing["output"]
