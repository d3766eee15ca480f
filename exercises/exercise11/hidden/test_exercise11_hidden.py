"""exercise11, hidden checks: they ship only to the grader."""

import pytest
import torch


@pytest.mark.points(2)
def test_cubic_quadratic(student, harness, support, rng):
    """f(x) = sum c_i x_i^3 + x^T A x (A not symmetric) at a float64 x of 5 elements"""
    case = support.draw(rng, harness, "cubic_quadratic", 5, torch.float64)
    support.check(student, harness, case, "a cubic plus a quadratic form, n=5, float64")


@pytest.mark.points(2)
def test_sin_prod(student, harness, support, rng):
    """f(x) = prod_i sin(x_i) at a float64 x of 4 elements"""
    case = support.draw(rng, harness, "sin_prod", 4, torch.float64)
    support.check(student, harness, case, "sin(x).prod(), n=4, float64")
