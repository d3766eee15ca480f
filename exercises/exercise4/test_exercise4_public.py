"""exercise4, public checks: one call of two_loss_grads, three checks of it."""

import pytest

SIZES = dict(n=5, d=3, hidden=4)


def two_losses(case, support, harness):
    return case("public", support.draw, harness, **SIZES)


@pytest.mark.points(1)
def test_one_forward_pass(student, harness, support, case):
    """w of shape (3, 4), x of shape (5, 3): the encoder runs once"""
    support.check_single_forward(student, harness, two_losses(case, support, harness))


@pytest.mark.points(2)
def test_first_gradient(student, harness, support, case):
    """w of shape (3, 4): g1 = dL1/dw"""
    support.check_gradient(student, harness, two_losses(case, support, harness), 1)


@pytest.mark.points(2)
def test_second_gradient(student, harness, support, case):
    """w of shape (3, 4): g2 = dL2/dw"""
    support.check_gradient(student, harness, two_losses(case, support, harness), 2)
