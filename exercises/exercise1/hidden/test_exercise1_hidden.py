"""exercise1, hidden checks: they ship only to the grader."""

import pytest


@pytest.mark.points(1)
def test_polynomial_negative_x0(student, harness, support, rng):
    """a quartic polynomial at a negative x0"""
    support.check(student, harness, support.polynomial(rng, degree=4), support.uniform(rng, -2.0, -0.5))


@pytest.mark.points(1)
def test_branches_positive(student, harness, support, rng):
    """data-dependent if and while, positive branch"""
    support.check(student, harness, {"kind": "branchy"}, support.uniform(rng, 0.3, 0.45))


@pytest.mark.points(1)
def test_branches_negative(student, harness, support, rng):
    """data-dependent if and while, negative branch"""
    support.check(student, harness, {"kind": "branchy"}, support.uniform(rng, -0.9, -0.6))


@pytest.mark.points(1)
def test_sin_exp_tanh(student, harness, support, rng):
    """sin(x)*exp(x) + tanh(x**2) at a negative x0"""
    support.check(student, harness, {"kind": "sin_exp_tanh"}, support.uniform(rng, -1.5, -0.2))


@pytest.mark.points(1)
def test_repeated_calls(student, harness, support, rng):
    """the same (f, x0) three times in a row gives the same answer"""
    support.check(student, harness, support.polynomial(rng), support.uniform(rng, 0.5, 1.5), repeats=3)
