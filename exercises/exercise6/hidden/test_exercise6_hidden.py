"""exercise6, hidden checks: one point per parameter per case (24). They ship only to the grader."""

import pytest

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_small_float64(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=5, sizes 4-3-6-3, float64"""
    support.check(student, case("small", instructor.draw_hidden, "small"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_float32(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=7, sizes 3-5-4-3, float32"""
    support.check(student, case("float32", instructor.draw_hidden, "float32"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_narrow_float64(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=3, sizes 3-5-4-5, float64"""
    support.check(student, case("narrow", instructor.draw_hidden, "narrow"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_saturated_float32(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=16, sizes 5-8-6-3, float32, saturating sigmoids (a pre-activation below -90)"""
    support.check(student, case("saturated", instructor.draw_hidden, "saturated"), parameter, instructor)
