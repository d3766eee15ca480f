"""exercise9, hidden checks: N=10 in micro-batches of 4 (4, 4, 2), 5, 1, 10 and 13. They ship only to the grader."""

import pytest

MICRO_BATCHES = (4, 5, 1, 10, 13)


def hidden(case, support, micro_bs):
    return case(f"hidden_{micro_bs}", support.draw, f"hidden_{micro_bs}", 10, micro_bs)


@pytest.mark.points(3)
@pytest.mark.parametrize("micro_bs", MICRO_BATCHES)
def test_gradients(student, support, instructor, case, micro_bs):
    """N=10, micro_bs={micro_bs}, float64: each .grad is the full-batch gradient"""
    support.check_gradients(student, hidden(case, support, micro_bs), instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("micro_bs", MICRO_BATCHES)
def test_micro_batches(student, support, instructor, case, micro_bs):
    """N=10, micro_bs={micro_bs}, float64: the model saw micro-batches of at most micro_bs samples"""
    support.check_micro_batches(student, hidden(case, support, micro_bs), instructor)
