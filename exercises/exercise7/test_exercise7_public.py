"""exercise7, public checks: the ones a student can read and run. One call, three checks."""

import pytest
import torch

SHAPES = [(3, 2), (3,)]


@pytest.mark.points(2)
def test_values(student, support, case):
    """a weight and a bias, float32: each becomes p - lr * p.grad"""
    support.check_values(student, case("public", support.draw, "public", SHAPES, torch.float32))


@pytest.mark.points(1)
def test_same_leaves(student, support, case):
    """a weight and a bias, float32: the caller's tensors are updated and still require grad"""
    support.check_same_leaves(student, case("public", support.draw, "public", SHAPES, torch.float32))


@pytest.mark.points(1)
def test_grads_cleared(student, support, case):
    """a weight and a bias, float32: their grads are cleared after the step"""
    support.check_cleared(student, case("public", support.draw, "public", SHAPES, torch.float32))
