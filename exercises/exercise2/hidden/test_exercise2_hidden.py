"""exercise2, hidden checks: they ship only to the grader."""

import pytest


@pytest.mark.points(1)
def test_wide_matrix(student, harness, support, rng):
    """y = A @ x with A of 3 rows and 5 columns: v and x differ in size"""
    support.check(student, harness, support.draw(rng, harness, "matmul", n=5, m=3))


@pytest.mark.points(1)
def test_two_dimensional_input(student, harness, support, rng):
    """y = tanh(x @ B) with x a 4 x 3 matrix"""
    support.check(student, harness, support.draw(rng, harness, "tanh_matmul", n=3, m=2))


@pytest.mark.points(1)
def test_repeated_call(student, harness, support, rng):
    """two calls in a row on the same x, each with its own v"""
    support.check(student, harness, support.draw(rng, harness, "cumsum", n=6, calls=2))
