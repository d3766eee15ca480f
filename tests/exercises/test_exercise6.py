"""exercise6 (backprop by hand): what the course-wide test (``grade validate``) does not already prove.

The reference on three seeds, the stub and every variant's score, hint and flags are checked by
``tests/test_course.py`` from the expectations written in ``exercises/exercise6/variants/``; here:
which checks pass, localisation, hidden checks, malformed answers, the command a student runs.
"""

from __future__ import annotations

import pytest

from tests.helpers import SOLUTIONS, failed, run_cli, variant

pytestmark = pytest.mark.sandbox
SPECIFIC_HINTS = ["z * (1 - z)", "which is dL/da2", "sum over the batch", "transposed", "opposite sign",
                  "divided by N only", "overflows float32"]


def failed_hints(report) -> list[str]:
    return [t.hint or "" for t in failed(report)]


def test_per_parameter_credit(grader6):
    """A student who transposes every weight gradient keeps the biases' points."""
    report = grader6.file(variant("exercise6", "transposed_dw"))
    passed = {t.name.split("[")[1].rstrip("]") for t in report.tests if t.status == "passed"}
    assert passed == {"b1", "b2", "b3"}
    assert report.score == 12


def test_every_hidden_case_tells_the_reductions_apart(grader6):
    """In every hidden case each factor differs from 1: mean over N only fails all 24 checks."""
    report = grader6.file(variant("exercise6", "mean_over_n"))
    assert all(t.status == "failed" for t in report.tests if t.visibility == "hidden")


def test_the_student_run_gives_relation_hints_without_the_instructor_part(course, tmp_path):
    """Without hidden/instructor.py a mutant-only bug gets the generic hint, a factor its own."""
    import shutil

    from grader.exercises import load_course
    from tests.helpers import Grader

    shutil.copytree(course.root / "exercises" / "exercise6", tmp_path / "exercises" / "exercise6",
                    ignore=shutil.ignore_patterns("hidden", "variants"))
    grader = Grader(load_course(tmp_path), "exercise6", tmp_path / "files")
    (tmp_path / "files").mkdir()
    try:
        slip = grader.file(variant("exercise6", "dz2_slip"))
        flipped = grader.file(variant("exercise6", "sign_flip"))
    finally:
        grader.close()
    assert all("which is dL/da2" not in (t.hint or "") for t in slip.tests)
    assert all("opposite sign" in t.hint for t in failed(flipped))


def test_unstable_sigma_fails_only_the_saturated_case(grader6):
    report = grader6.file(variant("exercise6", "unstable_sigma"))
    failed = {t.name.split("[")[0] for t in report.tests if t.status != "passed"}
    assert failed == {"test_saturated_float32"}


def test_two_bugs_are_told_apart_and_the_first_wrong_gradient_named(grader6):
    """dW3 transposed and sigma' at z in layer 1 only: each wrong tensor gets its own bug."""
    report = grader6.file(variant("exercise6", "two_bugs"))
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


def test_random_outputs_get_no_specific_hint(grader6):
    report = grader6.file(variant("exercise6", "random_outputs"))
    assert report.score == 0
    for hint in failed_hints(report):
        assert not any(words in hint for words in SPECIFIC_HINTS), hint
    assert not any("bug" in t.details for t in report.tests)


def test_hidden_checks_show_no_values(grader6):
    report = grader6.file(variant("exercise6", "sigma_at_z"))
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
    result = run_cli("exercise6", str(variant("exercise6", "dz2_slip")))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "which is dL/da2" in text and "Score: 8/24" in text
