"""exercise10, hidden checks: they ship only to the grader."""

import pytest


@pytest.mark.points(1)
def test_linear_forward(student, support, case):
    """MyLinear's output, N=6, 5 -> 3, is x @ W.T + b"""
    support.check_forward(student, case("hidden_linear_forward", support.draw, "hidden_linear_forward",
                                        "MyLinear", 6, 5, 3, 0))


@pytest.mark.points(5)
def test_sigmoid_backward(student, support, instructor, case):
    """MySigmoid on (5, 4), float64: its own backward gives the true vector-Jacobian products"""
    support.check_backward(student, case("hidden_sigmoid", support.draw, "hidden_sigmoid", "MySigmoid", 5, 4), instructor)


@pytest.mark.points(5)
def test_linear_backward(student, support, instructor, case):
    """MyLinear, N=6, 5 -> 3, float64: its own backward gives the true vector-Jacobian products"""
    support.check_backward(student, case("hidden_linear", support.draw, "hidden_linear", "MyLinear", 6, 5, 3), instructor)
