"""exercise1 (dydx): what the course-wide test (``grade validate``) does not already prove.

The reference on three seeds, the stub and every variant's score and hint are checked by
``tests/test_course.py``; here: where a hint lands, what hidden checks keep back, seeds, output.
"""

import pytest

from grader.report.model import HIDDEN_FAILURE
from tests.helpers import REPO, SOLUTIONS, failed, variant

pytestmark = pytest.mark.sandbox


def test_reference_records_its_seed(grader1):
    assert grader1.file(SOLUTIONS / "exercise1.py").seed == 1001
    assert grader1.file(SOLUTIONS / "exercise1.py", seed=7).seed == 7


def test_stub_says_not_implemented_in_details(grader1):
    report = grader1.file(REPO / "exercises" / "exercise1" / "dydx.py")
    assert all(t.details.get("not_implemented") for t in report.tests if t.visibility == "visible")


def test_integer_hint_names_the_integer_case(grader1):
    report = grader1.file(variant("exercise1", "integer_tensor"))
    (bad,) = failed(report)
    assert bad.name == "test_integer_x0"
    assert "RuntimeError" in bad.message and "line 6 of dydx.py" in bad.message


def test_visible_failure_says_expected_and_got(grader1):
    report = grader1.file(variant("exercise1", "returns_value"))
    visible = [t for t in failed(report) if t.visibility == "visible"]
    assert visible and all("expected" in t.message and "got" in t.message for t in visible)
    assert all("normwise_error" in t.details for t in visible)


def test_hidden_checks_reveal_no_inputs(grader1):
    report = grader1.file(variant("exercise1", "returns_value"))
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
    first = grader1.file(variant("exercise1", "returns_value"), seed=42)
    second = grader1.file(variant("exercise1", "returns_value"), seed=42)
    assert [t.message for t in first.tests] == [t.message for t in second.tests]
    other = grader1.file(variant("exercise1", "returns_value"), seed=43)
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
