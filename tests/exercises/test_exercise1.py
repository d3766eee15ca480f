"""exercise1 (dydx): the reference, the stub, and a variant for every hint the catalogue lists."""

from pathlib import Path

import pytest

from grader.report.model import HIDDEN_FAILURE

from ..conftest import REPO, SOLUTIONS

pytestmark = pytest.mark.sandbox
VARIANTS = Path(__file__).parent / "variants" / "exercise1"


def failed(report):
    return [t for t in report.tests if t.status != "passed"]


@pytest.mark.parametrize("seed", [None, 7, 123456])
def test_reference_scores_full_marks(grader1, seed):
    report = grader1.file(SOLUTIONS / "exercise1.py", seed=seed)
    assert (report.score, report.max_score) == (7, 7)
    assert report.seed == (seed if seed is not None else 1001)
    assert all(t.hint is None for t in report.tests)


def test_stub_scores_zero_with_not_implemented(grader1):
    report = grader1.file(REPO / "exercises" / "exercise1" / "dydx.py")
    assert report.score == 0
    assert all("not implemented yet" in t.message for t in report.tests)
    assert all(t.details.get("not_implemented") for t in report.tests if t.visibility == "visible")


@pytest.mark.parametrize("name", ["float32_correct.py", "returns_grad_tensor.py"])
def test_correct_variants_score_full_marks(grader1, name):
    report = grader1.file(VARIANTS / name)
    assert report.score == 7, [t.message for t in failed(report)]


@pytest.mark.parametrize(
    "name, score, hint_words",
    [
        ("integer_tensor.py", 6, "Integer tensors cannot require gradients"),
        ("returns_value.py", 0, "You returned f(x0)"),
        ("non_leaf.py", 0, "not a leaf"),
        ("reused_leaf.py", 6, "grow from one call to the next"),
        ("returns_none.py", 0, "returned None"),
    ],
)
def test_each_bug_gets_its_hint(grader1, name, score, hint_words):
    report = grader1.file(VARIANTS / name)
    assert report.score == score
    assert failed(report), "a buggy variant must fail something"
    for test in failed(report):
        assert test.hint and hint_words in test.hint, (test.name, test.hint)


def test_integer_hint_names_the_integer_case(grader1):
    report = grader1.file(VARIANTS / "integer_tensor.py")
    (bad,) = failed(report)
    assert bad.name == "test_integer_x0"
    assert "RuntimeError" in bad.message and "line 3 of dydx.py" in bad.message


def test_visible_failure_says_expected_and_got(grader1):
    report = grader1.file(VARIANTS / "returns_value.py")
    visible = [t for t in failed(report) if t.visibility == "visible"]
    assert visible and all("expected" in t.message and "got" in t.message for t in visible)
    assert all("normwise_error" in t.details for t in visible)


def test_hidden_checks_reveal_no_inputs(grader1):
    report = grader1.file(VARIANTS / "returns_value.py")
    hidden = [t for t in report.tests if t.visibility == "hidden"]
    assert len(hidden) == 5
    for test in hidden:
        assert test.message == HIDDEN_FAILURE
        assert test.details == {} and test.output is None and test.staff is None


def test_hidden_exception_text_is_not_echoed(grader1):
    report = grader1.source(
        "def dydx(f, x0):\n    raise ValueError(f'secret input {x0!r}')\n"
    )
    for test in report.tests:
        if test.visibility == "hidden":
            assert "secret" not in test.message and test.message == "dydx raised an exception"
        else:
            assert "secret input" in test.message


def test_student_output_shown_for_visible_checks_only(grader1):
    report = grader1.source(
        "import torch\nprint('hello from the student')\n"
        "def dydx(f, x0):\n    print('x0 is', x0)\n    x = torch.tensor(float(x0), requires_grad=True)\n"
        "    f(x).backward()\n    return x.grad.item()\n"
    )
    assert report.score == 7
    for test in report.tests:
        if test.visibility == "visible":
            assert "hello from the student" in test.output
        else:
            assert test.output is None


def test_same_seed_reproduces_the_same_report(grader1):
    first = grader1.file(VARIANTS / "returns_value.py", seed=42)
    second = grader1.file(VARIANTS / "returns_value.py", seed=42)
    assert [t.message for t in first.tests] == [t.message for t in second.tests]
    other = grader1.file(VARIANTS / "returns_value.py", seed=43)
    assert [t.message for t in first.tests] != [t.message for t in other.tests]


@pytest.mark.parametrize("value", ["float('nan')", "float('inf')", "-float('inf')"])
def test_non_finite_answers_fail_with_their_hint_and_no_nan_in_json(grader1, value):
    from grader.report.model import to_json

    report = grader1.source(f"def dydx(f, x0):\n    return {value}\n")
    assert report.score == 0
    assert all("NaN or Inf" in t.hint for t in report.tests)
    assert all("NaN or Inf" in t.message for t in report.tests if t.visibility == "visible")
    text = to_json(report.to_dict())
    assert "NaN" not in text.replace("NaN or Inf", "") and "Infinity" not in text


@pytest.mark.parametrize("body, leak", [
    ("raise type('Leak_' + str(int(abs(x0) * 1000)), (Exception,), {})()", "Leak_"),
    ("import os; os._exit(int(abs(x0) * 10) + 3)", "status"),
    ("return [x0]", "list"),
])
def test_hidden_checks_echo_nothing_the_student_chose(grader1, body, leak):
    report = grader1.source(f"def dydx(f, x0):\n    {body}\n")
    hidden = [t for t in report.tests if t.visibility == "hidden"]
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all(leak in t.message for t in visible)
    assert hidden and all(leak not in t.message for t in hidden)
