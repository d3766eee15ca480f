"""exercise7, hidden checks: three parameters, one of them unused (grad None). They ship only to the grader."""

import pytest
import torch

SHAPES = [(4, 3), (4,), (2, 4)]
UNUSED = (2,)


def hidden_case(case, support):
    return case("hidden", support.draw, "hidden", SHAPES, torch.float64, UNUSED)


@pytest.mark.points(4)
def test_values(student, support, case):
    """three float64 parameters, one unused: each used one becomes p - lr * p.grad, the unused one stays"""
    support.check_values(student, hidden_case(case, support))


@pytest.mark.points(2)
def test_same_leaves(student, support, case):
    """three float64 parameters, one unused: the caller's tensors are updated and still require grad"""
    support.check_same_leaves(student, hidden_case(case, support))


@pytest.mark.points(2)
def test_grads_cleared(student, support, case):
    """three float64 parameters, one unused: every grad is None or zero after the step"""
    support.check_cleared(student, hidden_case(case, support))
