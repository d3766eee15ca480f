"""exercise5, public check: a practice case you can read (the hidden ones are like it)."""

import pytest


@pytest.mark.points(1)
def test_four_samples(student, support, instructor, case):
    """dL/dw and dL/db: N=4, float64"""
    support.check(student, case("public", support.draw, 4), instructor)
