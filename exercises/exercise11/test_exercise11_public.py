"""exercise11, public checks: the ones a student can read and run."""

import pytest
import torch


@pytest.mark.points(1)
def test_cubic_quadratic(student, harness, support, rng):
    """f(x) = sum c_i x_i^3 + x^T A x at a float32 x of 3 elements"""
    case = support.draw(rng, harness, "cubic_quadratic", 3, torch.float32)
    support.check(student, harness, case, "a cubic plus a quadratic form, n=3, float32")
