"""grader.checks.compare: the tolerance policy, and what a non-finite or ill-conditioned reference does.

A reference with NaN or Inf (float64 or, where the policy uses it, float32) never widens a
tolerance and never makes an error count as zero: the comparison fails closed as "unverifiable".
The float32 term of the floor is capped at what a case the policy accepts can have.
"""

from __future__ import annotations

import math

import pytest
import torch

from grader.checks.compare import FLOAT32, FLOAT64, MAX_CONDITION, compare

INF, NAN = math.inf, math.nan


def t(*values):
    return torch.tensor(values, dtype=torch.float64)


def test_a_right_answer_passes_under_both_policies():
    r = t(1.0, -2.0, 3.5)
    assert compare(r.float(), r, FLOAT32, r.float()).passed
    assert compare(r, r, FLOAT64).passed


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
@pytest.mark.parametrize("got", [t(1.0, 2.0), t(1.0, INF), t(1.0, -INF), t(1.0, NAN), t(0.0, 0.0)])
@pytest.mark.parametrize("policy", [FLOAT32, FLOAT64])
def test_a_non_finite_reference_verifies_no_answer(bad, got, policy):
    """Whatever the answer (the same Inf included), nothing is verified against a NaN or Inf."""
    verdict = compare(got, t(1.0, bad), policy, t(1.0, bad).float())
    assert not verdict.passed and verdict.reason == "unverifiable"
    assert verdict.worst_index == (1,)
    assert verdict.describe() == ("the gradient cannot be verified at index [1]: the correct value there is "
                                  "NaN or Inf, so no answer can be checked against it")


@pytest.mark.parametrize("bad", [INF, -INF, NAN])
def test_a_float32_reference_that_overflows_fails_closed_under_the_float32_policy(bad):
    r = t(3e38, 1.0)
    r32 = torch.tensor([bad, 1.0])
    for got in (t(0.0, 0.0), t(3e38, 1.0), r.float()):
        verdict = compare(got, r, FLOAT32, r32)
        assert not verdict.passed and verdict.reason == "unverifiable"
        assert verdict.describe().endswith(
            "NaN or Inf when computed in float32, so no answer can be checked against it")
    assert compare(r, r, FLOAT64, r32).passed  # the float64 policy never reads r32


def test_an_overflowing_float32_reference_no_longer_makes_the_floor_infinite():
    """The issue's attack on the loss: the float64 loss is finite (1e77), the float32 one inf,
    and a recorded loss of 0 passed because the floor was K * inf."""
    verdict = compare(0.0, torch.tensor(1e77, dtype=torch.float64), FLOAT32, torch.tensor(float("inf")))
    assert not verdict.passed


def test_an_answer_is_never_excused_an_element():
    """An error that overflows float64 is an infinite error, not a zero one."""
    verdict = compare(t(1e308, 1.0), t(-1e308, 1.0), FLOAT64)
    assert not verdict.passed and verdict.reason == "value" and verdict.worst_index == (0,)
    assert math.isinf(verdict.normwise_error)


def test_a_non_finite_answer_where_the_reference_is_finite_is_named():
    verdict = compare(t(1.0, NAN), t(1.0, 2.0), FLOAT32, torch.tensor([1.0, 2.0]))
    assert not verdict.passed and verdict.reason == "nonfinite" and verdict.worst_index == (1,)


def test_the_float32_term_is_capped_at_the_widest_condition_a_case_may_have():
    """A float32 reference 50% off would have made the floor 25: zero passed. Capped, the floor is
    K * MAX_CONDITION * max|r| = 0.05, and zero fails while an answer within it passes."""
    r = t(1.0, 1e-3)
    r32 = (r + 0.5).float()
    assert not compare(t(0.0, 0.0), r, FLOAT32, r32).passed
    floor = FLOAT32.k * MAX_CONDITION * 1.0
    assert compare(r + 0.9 * floor, r, FLOAT32, r32).passed
    assert not compare(r + 1.1 * floor, r, FLOAT32, r32).passed


def test_the_cap_does_not_bind_on_a_well_conditioned_case():
    """A float32 reference 1e-5 off (relative) widens the floor to 5e-4, as before the cap."""
    r = t(1.0, -0.5)
    r32 = (r * (1 + 1e-5)).float()
    assert compare(r + 4e-4, r, FLOAT32, r32).passed
    assert not compare(r + 7e-4, r, FLOAT32, r32).passed


def test_a_float32_reference_that_underflows_to_zero_widens_nothing():
    """Where the float32 reference underflows to 0 its error is below 1.2e-38: no wider floor, so
    a wrong answer on the other elements still fails, and the tiny element itself passes."""
    r = t(1.0, 1e-42)
    r32 = r.float()
    assert r32[1].item() == 0.0 or r32[1].item() < 1e-38
    assert compare(r.float(), r, FLOAT32, r32).passed
    assert not compare(t(1.01, 1e-42), r, FLOAT32, r32).passed
    tiny = torch.tensor(1e-46, dtype=torch.float64)
    assert compare(0.0, tiny, FLOAT32, tiny.float()).passed  # within atol_abs
    assert not compare(1.0, tiny, FLOAT32, tiny.float()).passed


def test_an_all_zero_reference_with_float32_noise_keeps_the_absolute_floor():
    """r = 0 exactly while float32 gives 1e-8: the capped term is 0, the absolute floor remains."""
    r = t(0.0, 0.0)
    r32 = torch.tensor([1e-8, -1e-8])
    assert compare(torch.tensor([1e-8, 0.0]), r, FLOAT32, r32).passed
    assert not compare(torch.tensor([1e-6, 0.0]), r, FLOAT32, r32).passed
