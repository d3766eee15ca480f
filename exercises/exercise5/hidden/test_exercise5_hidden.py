"""exercise5, hidden checks: one point per case. They ship only to the grader."""

import pytest


@pytest.mark.points(1)
def test_six_samples(student, support, instructor, case):
    """dL/dw and dL/db: N=6, float64"""
    support.check(student, case("six", instructor.draw_hidden, "six"), instructor)


@pytest.mark.points(1)
def test_one_sample(student, support, instructor, case):
    """dL/dw and dL/db: N=1, float64"""
    support.check(student, case("one", instructor.draw_hidden, "one"), instructor)


@pytest.mark.points(1)
def test_nine_samples_float32(student, support, instructor, case):
    """dL/dw and dL/db: N=9, float32"""
    support.check(student, case("nine_float32", instructor.draw_hidden, "nine_float32"), instructor)
