"""exercise1, public checks: the ones a student can read and run."""

import pytest


@pytest.mark.points(1)
def test_polynomial(student, harness, support, rng):
    """f is a cubic polynomial, x0 a float"""
    support.check(student, harness, support.polynomial(rng), support.uniform(rng, 0.5, 1.5))


@pytest.mark.points(1)
def test_integer_x0(student, harness, support, rng):
    """x0 is the integer 2"""
    support.check(student, harness, support.polynomial(rng), 2)
