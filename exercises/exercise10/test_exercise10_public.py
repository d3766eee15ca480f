"""exercise10, public checks: the ones a student can read and run."""

import pytest


@pytest.mark.points(1)
def test_sigmoid_forward_extremes(student, support, case):
    """MySigmoid's output at x = +-800 and +-40 is sigmoid(x), finite"""
    support.check_forward(student, case("extremes", support.extremes, "extremes"))


@pytest.mark.points(4)
def test_sigmoid_backward(student, support, instructor, case):
    """MySigmoid on (3, 2), float64: its own backward gives the true vector-Jacobian products"""
    support.check_backward(student, case("sigmoid", support.draw, "sigmoid", "MySigmoid", 3, 2), instructor)


@pytest.mark.points(4)
def test_linear_backward(student, support, instructor, case):
    """MyLinear, N=4, 3 -> 2, float64: its own backward gives the true vector-Jacobian products"""
    support.check_backward(student, case("linear", support.draw, "linear", "MyLinear", 4, 3, 2), instructor)
