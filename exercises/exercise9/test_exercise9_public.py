"""exercise9, public checks: the ones a student can read and run (7 samples in micro-batches of 3, 3 and 1)."""

import pytest
import torch


def public(case, support):
    return case("public", support.draw, "public", 7, 3, torch.float32)


@pytest.mark.points(3)
def test_gradients(student, support, instructor, case):
    """N=7, micro_bs=3, float32: each .grad is the full-batch gradient"""
    support.check_gradients(student, public(case, support), instructor)


@pytest.mark.points(1)
def test_micro_batches(student, support, instructor, case):
    """N=7, micro_bs=3, float32: the model saw micro-batches of at most 3 samples"""
    support.check_micro_batches(student, public(case, support), instructor)
