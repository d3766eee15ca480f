"""The exception rules of grader.checks.diagnose: they fire on torch's own messages, agree with
the regular expressions they replace, and take time linear in the text, whatever it holds."""

from __future__ import annotations

import random
import re
import time

import pytest
import torch

from grader.checks.diagnose import EXCEPTION_HINTS, NOT_LEAF_HINT, NOT_LEAF_WARNING, hint_for_exception, in_order

# The rules as regular expressions (as they were): the specification the literal rules keep.
REGEXES = [
    r"Only Tensors of floating point( and complex)? dtype can require gradients",
    r"grad can be implicitly created only for (real )?scalar outputs",
    r"Trying to backward through the graph a second time",
    r"a leaf Variable that requires grad is being used in an in-place operation",
    r"element 0 of tensors does not require grad and does not have a grad_fn",
    r"^NotPlainData: returned None",
    r"NoneType.*(has no attribute|not supported|argument must be)|(must be|argument).*not 'NoneType'",
    r"^ModuleNotFoundError: No module named",
]


def raised(code) -> tuple[str, str]:
    try:
        code()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__, str(error)
    raise AssertionError("expected an exception")


def twice():
    x = torch.ones(2, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    y.backward()


def in_place():
    w = torch.ones(2, requires_grad=True)
    w += 1


REAL = [
    (lambda: torch.tensor(2, requires_grad=True), 0),
    (lambda: (torch.ones(2, requires_grad=True) * 2).backward(), 1),
    (twice, 2),
    (in_place, 3),
    (lambda: torch.ones(2).sum().backward(), 4),
    (lambda: None.zero_(), 6),
    (lambda: float(None), 6),
    (lambda: __import__("helpers_beside_the_students_file"), 7),
]


@pytest.mark.parametrize("code, rule", REAL)
def test_each_rule_fires_on_the_message_torch_really_gives(code, rule):
    assert hint_for_exception(*raised(code)) == EXCEPTION_HINTS[rule].hint


def test_returned_none_fires_only_at_the_start():
    assert hint_for_exception("NotPlainData", "returned None, expected a float") == EXCEPTION_HINTS[5].hint
    assert hint_for_exception("ValueError", "NotPlainData: returned None") is None


def expected(text: str):
    return next((EXCEPTION_HINTS[i].hint for i, r in enumerate(REGEXES) if re.search(r, text)), None)


def test_the_rules_agree_with_the_regular_expressions_they_replace():
    words = ["NoneType", "argument", "must be", "not 'NoneType'", "has no attribute", "not supported",
             "argument must be", "\n", " ", "x", "NotPlainData: returned None", "scalar outputs",
             "grad can be implicitly created only for ", "real ", "Only Tensors of floating point",
             " and complex", " dtype can require gradients"]
    rng = random.Random(10)
    texts = ["NotPlainData: returned None, expected", "x\nNotPlainData: returned None"]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    for text in texts:
        type_, _, message = text.partition(": ")
        assert hint_for_exception(type_, message) == expected(f"{type_}: {message}"), repr(text)


def test_a_warning_about_a_non_leaf_grad_wins():
    assert hint_for_exception("ValueError", "x", [f"UserWarning: The .{NOT_LEAF_WARNING}"]) == NOT_LEAF_HINT


@pytest.mark.parametrize("text", ["NoneType" * (1 << 17), "argument " * (1 << 17), "must be" * (1 << 17),
                                  ("NoneType " * 100 + "\n") * (1 << 12)])
def test_hostile_text_takes_linear_time(text):
    """A megabyte of hint keywords: the regular expressions took minutes (quadratic backtracking)."""
    started = time.perf_counter()
    assert hint_for_exception(text, text, [text] * 20) is None
    for rule in EXCEPTION_HINTS:
        for phrase in rule.phrases:
            in_order(text, phrase)
    assert time.perf_counter() - started < 2.0
