"""exercise4, hidden checks: another case, the same three checks. They ship only to the grader."""

import pytest

SIZES = dict(n=8, d=4, hidden=6)


def two_losses(case, support, harness):
    return case("hidden", support.draw, harness, **SIZES)


@pytest.mark.points(1)
def test_one_forward_pass(student, harness, support, case):
    """w of shape (4, 6), x of shape (8, 4): the encoder runs once"""
    support.check_single_forward(student, harness, two_losses(case, support, harness))


@pytest.mark.points(2)
def test_first_gradient(student, harness, support, case):
    """w of shape (4, 6): g1 = dL1/dw"""
    support.check_gradient(student, harness, two_losses(case, support, harness), 1)


@pytest.mark.points(2)
def test_second_gradient(student, harness, support, case):
    """w of shape (4, 6): g2 = dL2/dw"""
    support.check_gradient(student, harness, two_losses(case, support, harness), 2)
