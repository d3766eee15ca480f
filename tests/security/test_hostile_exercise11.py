"""Hostile exercise11 submissions: answers that only look right in the child earn nothing.

The reference is computed in the trusted process, from the f the trusted side rebuilds from its
own spec and the x and v it sent. A submission that changes what the child sees (the harness's
f, torch's own hvp, the inputs in place) or returns an object that compares equal to anything,
produces an answer that is right only by the child's account; the honest wrong answer (backward
twice into one .grad) scores 0, and so must each of these.
"""

from __future__ import annotations

import pytest

from grader.exercises import load_course
from tests.helpers import REPO, Grader, graded_no_better_than, variant

pytestmark = pytest.mark.sandbox

POINTS = 5


@pytest.fixture(scope="module")
def grader11(tmp_path_factory):
    grader = Grader(load_course(REPO), "exercise11", tmp_path_factory.mktemp("ex11"))
    yield grader
    grader.close()


def grade_hostile(grader, text: str) -> int:
    return graded_no_better_than(grader, text, variant("exercise11", "backward_twice"), POINTS).score


def test_the_harness_f_replaced_in_the_child(grader11):
    """The child's f becomes a function whose Hessian is zero; the answer is right for it alone."""
    grade_hostile(grader11, """
        import sys
        import torch

        for name, module in list(sys.modules.items()):
            if name.startswith("grader_harness_") and hasattr(module, "make_function"):
                module.make_function = lambda spec: (lambda x: x.sum())

        def hvp(f, x, v):
            x = x.detach().requires_grad_()
            (g,) = torch.autograd.grad(f(x), x, create_graph=True)
            return torch.zeros_like(x) if not g.requires_grad else torch.autograd.grad(g @ v, x)[0]
        """)


def test_torch_hvp_patched_to_agree(grader11):
    """torch.autograd.functional.hvp and torch.allclose made to agree with a wrong answer in the child."""
    grade_hostile(grader11, """
        import torch

        def hvp(f, x, v):
            answer = 2 * v
            torch.autograd.functional.hvp = lambda *args, **kwargs: (f(x), answer)
            torch.allclose = lambda *args, **kwargs: True
            return answer
        """)


def test_inputs_changed_in_place(grader11):
    """x and v zeroed in place, then H v computed at the new x: right for the child's values only."""
    grade_hostile(grader11, """
        import torch

        def hvp(f, x, v):
            with torch.no_grad():
                x.zero_()
                v.fill_(1.0)
            return torch.autograd.functional.hvp(f, x, v)[1]
        """)


def test_a_tensor_subclass_that_equals_everything(grader11):
    """A tensor subclass whose comparisons always succeed is refused before any of its methods run."""
    grade_hostile(grader11, """
        import torch

        class Agreeable(torch.Tensor):
            def __eq__(self, other):
                return True

            def allclose(self, *args, **kwargs):
                return True

        def hvp(f, x, v):
            return torch.zeros_like(x).as_subclass(Agreeable)
        """)
