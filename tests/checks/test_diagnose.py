"""The reusable comparison and diagnosis machinery, on tensors a student could return."""

from __future__ import annotations

import math

import pytest
import torch

from grader.checks.compare import FLOAT32, FLOAT64, compare, compare_each
from grader.checks.diagnose import (
    Mutant, Relation, first_wrong, is_transpose, is_unsummed, matching_mutant, scalar_relation,
)

RELATIONS = [Relation(-1.0, "sign"), Relation(2.0, "two"), Relation(0.5, "half"), Relation(10.0, "N*D")]


def tensor(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_zero_reference_gives_absolute_error_and_no_nan():
    verdict = compare(torch.full((3,), 1e-3, dtype=torch.float64), torch.zeros(3, dtype=torch.float64), FLOAT64)
    assert not verdict.passed and not verdict.relative
    assert verdict.normwise_error == pytest.approx(1e-3) and math.isfinite(verdict.normwise_error)
    assert compare(torch.zeros(3), torch.zeros(3, dtype=torch.float64), FLOAT32).passed


def test_compare_each_gives_one_verdict_per_tensor_and_missing_keys_fail():
    right = {"W": tensor(2, 3), "b": tensor(2, seed=1)}
    verdicts = compare_each({"W": right["W"].clone()}, right, FLOAT64)
    assert verdicts["W"].passed
    assert verdicts["b"].reason == "missing" and "missing" in verdicts["b"].describe("dL/db")


def test_nonfinite_answer_fails_with_its_own_reason():
    right = tensor(4)
    got = right.clone()
    got[2] = float("nan")
    verdict = compare(got, right, FLOAT64)
    assert verdict.reason == "nonfinite" and verdict.worst_index == (2,)


@pytest.mark.parametrize("factor, name", [(-1.0, "sign"), (2.0, "two"), (0.5, "half"), (10.0, "N*D")])
def test_scalar_relation_snaps_to_the_factor(factor, name):
    right = [tensor(3, 4), tensor(3, seed=1)]
    got = [factor * r for r in right]
    assert scalar_relation(got, right, FLOAT64, None, RELATIONS).hint == name


def test_scalar_relation_needs_every_tensor_close_not_just_the_factor():
    right = [tensor(3, 4), tensor(3, seed=1)]
    got = [-right[0], right[1]]  # half the answer has the wrong sign: no single factor
    assert scalar_relation(got, right, FLOAT64, None, RELATIONS) is None


def test_no_relation_for_the_right_answer_or_a_zero_reference():
    right = [tensor(5)]
    assert scalar_relation([right[0].clone()], right, FLOAT64, None, RELATIONS) is None
    assert scalar_relation([tensor(5)], [torch.zeros(5, dtype=torch.float64)], FLOAT64, None, RELATIONS) is None


def test_transpose_rule():
    right = tensor(2, 3)
    assert is_transpose(right.T.clone(), right, FLOAT64)
    assert not is_transpose(right.clone(), right, FLOAT64)
    symmetric = right @ right.T
    assert not is_transpose(symmetric.clone(), symmetric, FLOAT64)  # equal to its transpose: right


def test_unsummed_batch_rule():
    rows = tensor(5, 3)
    assert is_unsummed(rows, rows.sum(0), FLOAT64)
    assert not is_unsummed(rows, rows.mean(0), FLOAT64)


def test_mutant_must_match_and_differ_from_the_right_answer():
    right = {"W": tensor(2, 2)}
    same_as_right = Mutant("harmless", "never", {"W": right["W"].clone()})
    doubled = Mutant("doubled", "you doubled it", {"W": 2 * right["W"]})
    assert matching_mutant({"W": 2 * right["W"]}, right, [same_as_right, doubled], FLOAT64).name == "doubled"
    assert matching_mutant({"W": right["W"].clone()}, right, [same_as_right, doubled], FLOAT64) is None
    assert matching_mutant({"W": 3 * right["W"]}, right, [same_as_right, doubled], FLOAT64) is None


def test_localisation_walks_back_from_the_loss():
    right = {"W1": tensor(2), "b3": tensor(2, seed=1), "W3": tensor(2, seed=2)}
    got = {"W1": -right["W1"], "b3": right["b3"].clone(), "W3": -right["W3"]}
    verdicts = compare_each(got, right, FLOAT64)
    assert first_wrong(verdicts, ["b3", "W3", "W1"]) == "W3"
    assert first_wrong(compare_each(right, right, FLOAT64), ["b3", "W3", "W1"]) is None


def test_pipeline_names_a_mutant_composed_with_a_factor_and_never_fires_on_the_right_answer():
    from grader.checks.diagnose import Vocabulary, diagnose_gradients

    right = {"b": tensor(3), "W": tensor(3, 2, seed=1)}
    buggy = {"b": right["b"].clone(), "W": right["W"] * 1.7}
    vocabulary = Vocabulary(from_loss=["b", "W"], relations=RELATIONS, generic="generic",
                            mutants=[Mutant("bug", "the bug.", buggy)], whole=1)
    got = {k: -v for k, v in buggy.items()}  # the bug, and the sign too
    verdicts = compare_each(got, right, FLOAT64)
    diagnosis = diagnose_gradients(got, right, right, verdicts, FLOAT64, "W", vocabulary)
    assert diagnosis.bug == "bug x -1" and diagnosis.hint == "the bug. Also: sign"
    right_verdicts = compare_each(right, right, FLOAT64)
    assert all(v.passed for v in right_verdicts.values())  # a right answer is never diagnosed
    plain = diagnose_gradients(buggy, right, right, compare_each(buggy, right, FLOAT64), FLOAT64, "W", vocabulary)
    assert plain.bug == "bug" and plain.hint == "the bug."


def test_pipeline_without_mutants_falls_back_to_relations_then_the_generic_hint():
    from grader.checks.diagnose import Vocabulary, diagnose_gradients

    right = {"b": tensor(3), "W": tensor(3, 2, seed=1)}
    vocabulary = Vocabulary(from_loss=["b", "W"], relations=RELATIONS, generic="generic")
    doubled = {k: 2 * v for k, v in right.items()}
    assert diagnose_gradients(doubled, right, right, compare_each(doubled, right, FLOAT64), FLOAT64, "W",
                              vocabulary).hint == "two"
    odd = {"b": right["b"] + 1.0, "W": right["W"] + tensor(3, 2, seed=5)}
    diagnosis = diagnose_gradients(odd, right, right, compare_each(odd, right, FLOAT64), FLOAT64, "W", vocabulary)
    assert diagnosis.bug is None and diagnosis.hint.endswith("generic") and "dL/db" in diagnosis.hint


def test_a_matrix_product_shape_error_gets_its_hint_only_in_a_by_hand_exercise():
    from grader.checks.diagnose import hint_for_exception

    message = "mat1 and mat2 shapes cannot be multiplied (5x3 and 6x2)"
    hint = hint_for_exception("RuntimeError", message, by_hand=True)
    assert "sums over the N samples" in hint and "5x3" not in hint
    assert hint_for_exception("RuntimeError", message) is None
