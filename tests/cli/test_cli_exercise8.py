"""`grade exercise8` as a user meets it: the stub's feedback names the bug and the step."""

import json

import pytest

from grader.report import model

from ..conftest import REPO, run_cli

pytestmark = pytest.mark.sandbox


def test_grading_the_stub_names_the_missing_zero_grad_and_the_step():
    result = run_cli("exercise8")
    assert result.returncode == 0, result.stderr
    assert "Score: 5/100" in result.stdout
    assert "step 2 of 12: the gradient of" in result.stdout and "hint: At step 2 the gradient" in result.stdout
    report = json.loads(run_cli("exercise8", "--json").stdout)
    model.validate(report)
    public = next(t for t in report["tests"] if t["visibility"] == "visible")
    assert public["message"].startswith("step 2 of 12: the gradient of weight is off")
    assert public["message"].endswith("1 of 12 steps verified.")
    for test in report["tests"]:
        assert test["points"] == 1
        assert test["hint"].startswith("At step 2 the gradient the optimizer used is the sum of the "
                                       "gradients of steps 1-2")
        assert "Call optimizer.zero_grad() once per epoch, before loss.backward()" in test["hint"]


def test_examples_class_scores():
    files = sorted(str(p) for p in (REPO / "examples" / "exercise8").glob("*.py"))
    result = run_cli("exercise8", *files, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    model.validate(document)
    scores = {r["submission"]["path"].rsplit("/", 1)[-1]: r["score"] for r in document["reports"]}
    assert scores == {
        "correct.py": 100, "clears-after-step.py": 100, "not-fixed.py": 5,
        "zero-grad-too-late.py": 0, "reduction-sum.py": 20, "smaller-lr.py": 0,
    }
