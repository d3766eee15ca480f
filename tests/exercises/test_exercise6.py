"""exercise6 (backprop by hand): the reference, the stub, correct alternatives, and each bug's hint.

Every variant in variants/exercise6 is a student's file as a student would write it; each test
says what a student would see: the score, the hint's key words, the flags for review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SOLUTIONS, Grader, run_cli

VARIANTS = Path(__file__).parent / "variants" / "exercise6"
HINT_WORDS = {
    "sigma_at_z": "z * (1 - z)",
    "dz2_slip": "which is dL/da2",
    "bias_not_summed": "sum over the batch",
    "transposed_dw": "transposed",
    "sign_flip": "opposite sign",
    "mean_over_n": "divided by N only",
    "unstable_sigma": "overflows float32",
}
AUTOGRAD_VARIANTS = ["uses_autograd", "enable_grad", "captured_grad", "func_grad", "run_backward"]
SPECIFIC_HINTS = [*HINT_WORDS.values(), "first wrong gradient"]


@pytest.fixture(scope="module")
def grader6(course, tmp_path_factory):
    grader = Grader(course, "exercise6", tmp_path_factory.mktemp("ex6"))
    yield grader
    grader.close()


def failed_hints(report) -> list[str]:
    return [t.hint or "" for t in report.tests if t.status != "passed"]


@pytest.mark.parametrize("seed", [None, 1, 2])
def test_reference_gets_full_marks(grader6, seed):
    report = grader6.file(SOLUTIONS / "exercise6.py", seed=seed)
    assert (report.score, report.max_score) == (24, 24)
    assert report.flags == []
    assert all(t.status == "passed" for t in report.tests)


def test_stub_scores_zero_and_says_not_implemented(grader6, course):
    report = grader6.file(course.resolve("exercise6").folder / "mlp_backward.py")
    assert report.score == 0
    assert all("not implemented" in t.message for t in report.tests)


@pytest.mark.parametrize("variant", ["correct_float32", "numpy_loops"])
def test_correct_alternatives_get_full_marks_and_no_hint(grader6, variant):
    report = grader6.file(VARIANTS / f"{variant}.py")
    assert report.score == 24
    assert not any(t.hint for t in report.tests)
    assert report.flags == []


@pytest.mark.parametrize("variant", sorted(HINT_WORDS))
def test_each_bug_gets_its_hint(grader6, variant):
    report = grader6.file(VARIANTS / f"{variant}.py")
    assert report.score < 24
    hints = failed_hints(report)
    assert hints and all(HINT_WORDS[variant] in hint for hint in hints), hints


def test_per_parameter_credit(grader6):
    """A student who transposes every weight gradient keeps the biases' points."""
    report = grader6.file(VARIANTS / "transposed_dw.py")
    passed = {t.name.split("[")[1].rstrip("]") for t in report.tests if t.status == "passed"}
    assert passed == {"b1", "b2", "b3"}
    assert report.score == 12


def test_mean_over_n_is_right_when_d_out_is_one(grader6):
    """The N=1, D3=1 case cannot tell this bug apart; only it keeps its points."""
    report = grader6.file(VARIANTS / "mean_over_n.py")
    assert report.score == 6
    assert {t.name.split("[")[0] for t in report.tests if t.status == "passed" and t.max_points} == {"test_one_sample"}


def test_unstable_sigma_fails_only_the_saturated_case(grader6):
    report = grader6.file(VARIANTS / "unstable_sigma.py")
    failed = {t.name.split("[")[0] for t in report.tests if t.status != "passed"}
    assert failed == {"test_saturated_float32"}


@pytest.mark.parametrize("variant", AUTOGRAD_VARIANTS)
def test_the_guard_catches_autograd(grader6, variant):
    report = grader6.file(VARIANTS / f"{variant}.py")
    assert report.score == 0
    for test in report.tests:
        assert "used autograd" in test.message
        assert "by hand" in test.hint
    assert any("for review" in flag for flag in report.flags)


def test_two_bugs_are_told_apart_and_the_first_wrong_gradient_named(grader6):
    """dW3 transposed and sigma' at z in layer 1 only: each wrong tensor gets its own bug."""
    report = grader6.file(VARIANTS / "two_bugs.py")
    failed = {t.name.split("[")[1].rstrip("]") for t in report.tests if t.status != "passed"}
    assert failed == {"W3", "W1", "b1"}
    for test in report.tests:
        if test.status != "passed":
            words = "transposed" if test.name.endswith("[W3]") else "z * (1 - z)"
            assert words in test.hint, (test.name, test.hint)
    visible = [t for t in report.tests if t.visibility == "visible" and t.name.endswith("[W1]")]
    assert "the first wrong gradient walking back from the loss is dL/dW3" in visible[0].message


def test_an_unknown_bug_below_the_loss_gets_localised(grader6):
    """A wrong db3 (an unknown bug) makes everything below it wrong: the hint points at db3."""
    source = (SOLUTIONS / "exercise6.py").read_text().replace(
        "dy = 2 * (y - t) / (n * d_out)", "dy = 2 * (y - t) / (n * d_out) + 0.01 * y")
    report = grader6.source(source)
    hints = [t.hint for t in report.tests if t.status != "passed" and not t.name.endswith("[b3]")
             and not t.name.endswith("[W3]")]
    assert hints and all("first wrong gradient walking back from the loss is dL/db3" in h for h in hints)


def test_finite_differences_pass_and_are_flagged(grader6):
    report = grader6.file(VARIANTS / "finite_differences.py")
    assert report.score == 24
    assert any("finite differences" in flag for flag in report.flags)


def test_random_outputs_get_no_specific_hint(grader6):
    report = grader6.file(VARIANTS / "random_outputs.py")
    assert report.score == 0
    for hint in failed_hints(report):
        assert not any(words in hint for words in HINT_WORDS.values()), hint
    assert not any("bug" in t.details for t in report.tests)


def test_hidden_checks_show_no_values(grader6):
    report = grader6.file(VARIANTS / "sigma_at_z.py")
    hidden = [t for t in report.tests if t.visibility == "hidden" and t.status == "failed"]
    assert hidden and all(t.message == "this hidden check failed" and not t.details for t in hidden)


def test_wrong_return_type_is_explained(grader6):
    report = grader6.source("def mlp_backward(x, t, params):\n    return [1, 2, 3]\n")
    assert report.score == 0
    assert "expected a dict of gradients" in report.tests[0].message


def test_missing_key_fails_only_that_parameter(grader6):
    source = (SOLUTIONS / "exercise6.py").read_text().replace('"W1": dz1.T @ x, ', "")
    report = grader6.source(source)
    assert report.score == 20
    w1 = next(t for t in report.tests if t.name == "test_float64_batch[W1]")
    assert "dL/dW1 is missing" in w1.message


def test_docstring_mentioning_autograd_is_no_finding(grader6):
    source = '"""Computed without autograd: no backward() here."""\n' + (SOLUTIONS / "exercise6.py").read_text()
    report = grader6.source(source)
    assert report.score == 24 and report.flags == []


def test_grade_command_prints_the_tutorial_slip_hint():
    """What a student sees: `grade exercise6 mlp_backward.py` with the tutorial's dz2 slip."""
    result = run_cli("exercise6", str(VARIANTS / "dz2_slip.py"))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "which is dL/da2" in text and "Score: 8/24" in text
