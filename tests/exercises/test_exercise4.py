"""exercise4 (two_loss_grads): what the course-wide test (``grade validate``) does not already prove.

Each variant's score and hint are checked by ``tests/test_course.py``; here: which checks each
mistake costs, and that the call count and the gradients are both needed for "one forward pass".
"""

import pytest

from tests.helpers import Grader, variant

pytestmark = pytest.mark.sandbox

CORRECT_AND_A_WASTED_CALL = """
import torch

def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    encoder(w, x)  # a second forward pass whose h is never used
    (g1,) = torch.autograd.grad(loss1(h), w, retain_graph=True)
    (g2,) = torch.autograd.grad(loss2(h), w)
    return g1, g2
"""


@pytest.fixture(scope="module")
def grader4(course, tmp_path_factory):
    grader = Grader(course, "exercise4", tmp_path_factory.mktemp("ex4"))
    yield grader
    grader.close()


def failed_names(report) -> set[str]:
    return {t.name for t in report.tests if t.status != "passed"}


def test_a_second_forward_costs_only_the_single_forward_checks(grader4):
    report = grader4.file(variant("exercise4", "forward_twice"))
    assert failed_names(report) == {"test_one_forward_pass"}
    visible = [t for t in report.tests if t.visibility == "visible" and t.status != "passed"]
    assert "the encoder was called 2 times" in visible[0].message


def test_an_unused_second_call_is_counted(grader4):
    """The gradients are right through the first h; the count still shows the wasted call."""
    report = grader4.source(CORRECT_AND_A_WASTED_CALL)
    assert failed_names(report) == {"test_one_forward_pass"}


def test_no_zeroing_keeps_g1(grader4):
    report = grader4.file(variant("exercise4", "no_zeroing"))
    assert failed_names(report) == {"test_second_gradient"}


def test_the_single_forward_needs_a_right_gradient(grader4):
    """One encoder call and two wrong gradients: nothing verifies that the one call was used."""
    report = grader4.source("import torch\n\ndef two_loss_grads(w, x, encoder, loss1, loss2):\n"
                            "    encoder(w, x)\n    return torch.zeros_like(w), torch.zeros_like(w)\n")
    assert report.score == 0
