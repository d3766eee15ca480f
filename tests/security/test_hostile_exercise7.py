"""Hostile exercise7 submissions: new tensors swapped in for the parameters earn nothing.

exercise7's harness keeps its own references to the parameters it handed over (in a tuple), and the
checks read the values from those objects: a submission that puts new tensors with the right
values into the list, however it does it, leaves the caller's parameters where they were. The
honest wrong answer it imitates is rebinding (``p = p - lr * p.grad``), which scores 0; none of
these may score more, and the reference graded next in the same session keeps full marks.
"""

from __future__ import annotations

import pytest

from grader.exercises import load_course
from tests.helpers import REPO, Grader, graded_no_better_than, variant

pytestmark = pytest.mark.sandbox

POINTS = 12


@pytest.fixture(scope="module")
def grader7(tmp_path_factory):
    grader = Grader(load_course(REPO), "exercise7", tmp_path_factory.mktemp("ex7"))
    yield grader
    grader.close()


def grade_hostile(grader, text: str) -> int:
    return graded_no_better_than(grader, text, variant("exercise7", "rebinds"), POINTS).score


SWAPS = {
    "slice assignment": "params[:] = fresh",
    "clear and extend": "params.clear(); params.extend(fresh)",
    "item by item": "for i, p in enumerate(fresh): params[i] = p",
}


@pytest.mark.parametrize("swap", SWAPS.values(), ids=list(SWAPS))
def test_new_leaves_with_the_right_values_swapped_into_the_list(grader7, swap):
    """New leaves holding exactly the right values, the originals' grads cleared: the caller's
    tensors never moved, so no check passes, not even the cleared-grads one."""
    assert grade_hostile(grader7, f"""
        import torch

        def sgd_step(params, lr):
            fresh = []
            with torch.no_grad():
                for p in params:
                    new = p.clone() if p.grad is None else p - lr * p.grad
                    fresh.append(new.requires_grad_())
                    p.grad = None
            {swap}
        """) == 0


def test_rewriting_the_harness_frame_locals(grader7):
    """The harness's own references live in a tuple in its frame: writing the frame's locals
    (a snapshot in this Python) changes nothing the harness reads."""
    assert grade_hostile(grader7, """
        import sys
        import torch

        def sgd_step(params, lr):
            fresh = []
            with torch.no_grad():
                for p in params:
                    new = p.clone() if p.grad is None else p - lr * p.grad
                    fresh.append(new.requires_grad_())
            frame = sys._getframe(1)
            frame.f_locals["originals"] = tuple(fresh)
            frame.f_locals["params"] = fresh
            params[:] = fresh
        """) == 0


def test_patching_tensor_methods_the_harness_reads(grader7):
    """A class-level patch of clone/detach (which the snapshot calls through the class) is found
    by the after-call check and fails the call."""
    assert grade_hostile(grader7, """
        import torch

        _clone = torch.Tensor.clone

        def lying_clone(self, *args, **kwargs):
            return _clone(self, *args, **kwargs) - 0.1

        def sgd_step(params, lr):
            torch.Tensor.clone = lying_clone
        """) == 0
