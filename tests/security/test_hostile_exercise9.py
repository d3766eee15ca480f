"""Hostile exercise9 submissions: the full-batch gradient written into .grad by other means.

A single full-batch ``backward()`` is the honest wrong answer here: the right gradients, no
accumulation (20 of 24 points). The submissions below put the full-batch gradient into ``.grad``
without accumulating it and try to make the harness's records look like micro-batches: forward
passes on micro-batches that carry no gradient, the model's hooks removed, or micro-batch
backward passes of a zero loss. The gradient reaching each micro-batch's output is verified in
the trusted process, so none may score more than the honest wrong answer.
"""

from __future__ import annotations

import textwrap

import pytest

from grader.exercises import load_course
from tests.helpers import REPO, Grader, graded_no_better_than, variant

pytestmark = pytest.mark.sandbox

POINTS = 24

FULL_GRADIENT = """
    import torch
    from torch import nn

    def full_gradient(model, x, y):
        params = list(model.parameters())
        hidden = torch.tanh(x @ params[0].T + params[1])
        loss = nn.functional.mse_loss(hidden @ params[2].T + params[3], y)
        return torch.autograd.grad(loss, params)
"""


@pytest.fixture(scope="module")
def grader9(tmp_path_factory):
    grader = Grader(load_course(REPO), "exercise9", tmp_path_factory.mktemp("ex9"))
    yield grader
    grader.close()


def grade_hostile(grader, text: str) -> int:
    source = textwrap.dedent(FULL_GRADIENT) + textwrap.dedent(text)
    return graded_no_better_than(grader, source, variant("exercise9", "full_batch"), POINTS).score


def test_gradient_assigned_without_touching_the_model(grader9):
    """The full-batch gradient computed from the parameters by hand, assigned to .grad."""
    grade_hostile(grader9, """
        def accumulate(model, x, y, micro_bs):
            for p, g in zip(model.parameters(), full_gradient(model, x, y)):
                p.grad = g
        """)


def test_micro_batch_forwards_without_gradient(grader9):
    """Forward passes on micro-batches under no_grad for the pre-hook, the gradient assigned."""
    grade_hostile(grader9, """
        def accumulate(model, x, y, micro_bs):
            with torch.no_grad():
                for start in range(0, x.shape[0], micro_bs):
                    model(x[start:start + micro_bs])
            for p, g in zip(model.parameters(), full_gradient(model, x, y)):
                p.grad = g
        """)


def test_zero_losses_backpropagated_through_micro_batches(grader9):
    """Micro-batch forward and backward passes of a zero loss (the hooks see micro-batches of the
    right sizes), then the full-batch gradient written over .grad."""
    grade_hostile(grader9, """
        def accumulate(model, x, y, micro_bs):
            for start in range(0, x.shape[0], micro_bs):
                (model(x[start:start + micro_bs]) * 0).sum().backward()
            for p, g in zip(model.parameters(), full_gradient(model, x, y)):
                p.grad = g
        """)


def test_hooks_removed_then_a_full_batch_backward(grader9):
    """The model's hooks cleared, one full-batch backward, then micro-batch forwards for show."""
    grade_hostile(grader9, """
        def accumulate(model, x, y, micro_bs):
            model._forward_pre_hooks.clear()
            model._forward_hooks.clear()
            model.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
        """)
