"""exercise6, hidden checks: one point per parameter per case (24). They ship only to the grader."""

import pytest

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_small_float64(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=5, sizes 4-3-6-2, float64"""
    support.check(student, case("small", instructor.draw_hidden, "small"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_float32(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=7, sizes 3-5-4-3, float32"""
    support.check(student, case("float32", instructor.draw_hidden, "float32"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_one_sample(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=1, sizes 2-4-3-1, float64"""
    support.check(student, case("one_sample", instructor.draw_hidden, "one_sample"), parameter, instructor)


@pytest.mark.points(1)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_saturated_float32(student, support, instructor, case, parameter):
    """dL/d{parameter}: N=16, sizes 5-8-8-2, float32, saturating sigmoids (a pre-activation below -90)"""
    support.check(student, case("saturated", instructor.draw_hidden, "saturated"), parameter, instructor)
