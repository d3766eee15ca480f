"""exercise2 (vjp): what the course-wide test (``grade validate``) does not already prove.

Each variant's score, hint and flags are checked by ``tests/test_course.py``; here: which check
each hint lands on, the note about the caller's x, and the names a student may grade it by.
"""

import pytest

from grader.report.model import HIDDEN_FAILURE
from tests.helpers import Grader, by_name, failed, variant

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def grader2(course, tmp_path_factory):
    grader = Grader(course, "exercise2", tmp_path_factory.mktemp("ex2"))
    yield grader
    grader.close()


def test_jv_is_told_apart_where_the_jacobian_is_not_symmetric(grader2):
    """J v equals v^T J on sin's diagonal Jacobian (no hint, no loss) and fails on cumsum's."""
    tests = by_name(grader2.file(variant("exercise2", "jacobian_times_v")))
    assert tests["test_elementwise_sin"].status == "passed"
    assert "J v, the Jacobian times v" in tests["test_cumsum"].hint
    assert "A @ x with A of shape (3, 5)" in tests["test_wide_matrix"].hint  # the shape error's own hint


def test_accumulation_shows_on_the_second_call_only(grader2):
    report = grader2.file(variant("exercise2", "mutates_caller_x"))
    assert [t.name for t in failed(report)] == ["test_repeated_call"]
    assert any("it now requires grad" in flag or "(not penalised)" in flag for flag in report.flags)


def test_the_visible_note_says_what_changed(grader2):
    """Right answers that leave the caller's x overwritten: the note names its values."""
    report = grader2.source("import torch\n\ndef vjp(f, x, v):\n    leaf = x.detach().clone().requires_grad_()\n"
                            "    (g,) = torch.autograd.grad(f(leaf), leaf, v)\n    x.zero_()\n    return g\n")
    assert any("changed the caller's x (its values)" in flag for flag in report.flags), report.flags
    assert by_name(report)["test_cumsum"].status == "passed"


def test_a_wrong_shape_says_so_and_hidden_checks_show_no_inputs(grader2):
    report = grader2.source("import torch\n\ndef vjp(f, x, v):\n    return torch.zeros(7, dtype=x.dtype)\n")
    for test in report.tests:
        assert "x's shape" in test.hint
        if test.visibility == "hidden":
            assert test.message == HIDDEN_FAILURE and test.details == {}
        else:
            assert "expected (" in test.message


@pytest.mark.parametrize("name", ["exercise2", "2", "ex2", "vjp"])
def test_every_name_finds_it(course, name):
    assert course.resolve(name).id == "exercise2"
