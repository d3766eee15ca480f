"""exercise8 (train): per-check points, where hints point, hidden checks.

Scores are integer points per verified step: a case of E epochs is worth E points (one per
verified step: the true gradient, at the lr given) plus E/4 for a complete run (every step
verified); the five cases add up to 100.

The reference on three seeds, the stub's score and every variant's score, hint and message are
checked by ``tests/test_course.py``; here: per-check points, where hints point, hidden checks."""

import pytest

from grader.report.model import HIDDEN_FAILURE
from tests.helpers import REPO, SOLUTIONS, by_name, failed, variant

pytestmark = pytest.mark.sandbox
CASES = {  # check name -> (epochs, points)
    "test_train_12_epochs": (12, 15),
    "test_train_20_epochs_32_samples": (20, 25),
    "test_train_float64": (16, 20),
    "test_train_one_sample": (16, 20),
    "test_train_large_learning_rate": (16, 20),
}


def test_cases_are_worth_a_point_per_step_and_a_quarter_more(course):
    assert course.resolve("exercise8").points == sum(points for _, points in CASES.values()) == 100
    assert all(points == epochs + epochs // 4 for epochs, points in CASES.values())


def test_reference_runs_every_case(grader8):
    report = grader8.file(SOLUTIONS / "exercise8.py")
    assert report.seed == 8008 and set(by_name(report)) == set(CASES)


def test_stub_scores_low_not_zero_with_the_missing_zero_grad_hint(grader8):
    """The stub runs: its first step is right (.grad starts empty), every later one accumulates.
    So it earns 1 point per case (5 of 100), not 0, and every check names step 2."""
    report = grader8.file(REPO / "exercises" / "exercise8" / "train.py")
    assert report.score == 5
    for test in report.tests:
        assert test.status == "failed" and test.points == 1
        assert "sum of the gradients of steps 1-2" in test.hint and "optimizer.zero_grad()" in test.hint
        assert "At step 2" in test.hint
    public = by_name(report)["test_train_12_epochs"]
    assert public.message.startswith("step 2 of 12: the gradient of weight is off")
    assert "1 of 12 steps verified" in public.message
    assert public.details["verified_steps"] == 1 and public.details["epochs"] == 12


def test_hints_name_the_step(grader8):
    zeroed = grader8.file(variant("exercise8", "zero_grad_between_backward_and_step"))
    assert all(t.hint.startswith("At step 1 the gradient was zero") for t in zeroed.tests)
    assert by_name(zeroed)["test_train_12_epochs"].message == (
        "step 1 of 12: weight.grad was None when the optimizer stepped. 0 of 12 steps verified.")
    summed = by_name(grader8.file(variant("exercise8", "reduction_sum")))
    assert summed["test_train_one_sample"].status == "passed"
    assert summed["test_train_12_epochs"].hint.startswith("At step 1 the gradient is the number of samples")


def test_hidden_checks_reveal_no_inputs(grader8):
    report = grader8.file(REPO / "exercises" / "exercise8" / "train.py")
    hidden = [t for t in report.tests if t.visibility == "hidden"]
    assert len(hidden) == 4
    for test in hidden:
        assert test.message == HIDDEN_FAILURE
        assert test.details == {} and test.output is None and test.staff is None
