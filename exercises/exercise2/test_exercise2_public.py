"""exercise2, public checks: the ones a student can read and run."""

import pytest


@pytest.mark.points(1)
def test_elementwise_sin(student, harness, support, rng):
    """y = sin(x) elementwise: a diagonal Jacobian"""
    support.check(student, harness, support.draw(rng, harness, "sin", n=6))


@pytest.mark.points(1)
def test_cumsum(student, harness, support, rng):
    """y = 1.5 * cumsum(x): a square Jacobian that is not symmetric"""
    support.check(student, harness, support.draw(rng, harness, "cumsum", n=5))
