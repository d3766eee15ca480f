"""exercise6, public checks: practice cases you can read (the graded cases are hidden ones like them).

Each parameter's gradient is its own check; your function is called once per case.
"""

import pytest

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")


@pytest.mark.points(0)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_float64_batch(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=4, sizes 3-5-4-3, float64"""
    support.check(student, case("public", support.draw, "public"), parameter, instructor)


@pytest.mark.points(0)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_float32_batch(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=3, sizes 2-3-4-5, float32"""
    support.check(student, case("public_float32", support.draw, "public_float32"), parameter, instructor)
