"""exercise3, hidden checks: another model, the same four checks. They ship only to the grader."""

import pytest

SIZES, ROWS = (6, 16, 12, 2), 9


def model_case(case, support):
    return case("hidden", support.draw, SIZES, ROWS)


@pytest.mark.points(3)
def test_values(student, harness, support, case):
    """an MLP 6-16-12-2 on 9 inputs: predict returns model(x)"""
    support.check_values(student, harness, model_case(case, support))


@pytest.mark.points(3)
def test_output_has_no_graph(student, harness, support, case):
    """an MLP 6-16-12-2: the output has no grad_fn"""
    support.check_no_graph(student, harness, model_case(case, support))


@pytest.mark.points(2)
def test_forward_ran_without_grad(student, harness, support, case):
    """an MLP 6-16-12-2: grad mode was off during the forward"""
    support.check_forward_without_grad(student, harness, model_case(case, support))


@pytest.mark.points(2)
def test_grad_mode_restored(student, harness, support, case):
    """an MLP 6-16-12-2: grad mode is on again after predict returns"""
    support.check_grad_mode_restored(student, harness, model_case(case, support))
