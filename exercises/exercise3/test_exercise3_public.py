"""exercise3, public checks: one model, one call of predict, four checks of it."""

import pytest

SIZES, ROWS = (4, 8, 3), 5


def model_case(case, support):
    return case("public", support.draw, SIZES, ROWS)


@pytest.mark.points(3)
def test_values(student, harness, support, case):
    """an MLP 4-8-3 on 5 inputs: predict returns model(x)"""
    support.check_values(student, harness, model_case(case, support))


@pytest.mark.points(3)
def test_output_has_no_graph(student, harness, support, case):
    """an MLP 4-8-3: the output has no grad_fn"""
    support.check_no_graph(student, harness, model_case(case, support))


@pytest.mark.points(2)
def test_forward_ran_without_grad(student, harness, support, case):
    """an MLP 4-8-3: grad mode was off during the forward"""
    support.check_forward_without_grad(student, harness, model_case(case, support))


@pytest.mark.points(2)
def test_grad_mode_restored(student, harness, support, case):
    """an MLP 4-8-3: grad mode is on again after predict returns"""
    support.check_grad_mode_restored(student, harness, model_case(case, support))
