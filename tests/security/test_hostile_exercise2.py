"""Hostile exercise2 (vjp) submissions: none may score above the honest wrong answer (zeros).

Each tries to look right in the child without computing v^T J: patched comparisons, a lying
tensor subclass, a harness that hands the student another f, a forged result. The trusted side
rebuilds f itself and recomputes v^T J, so none of it reaches the grade.
"""

from __future__ import annotations

import pytest

from tests.helpers import Grader, graded_no_better_than

pytestmark = pytest.mark.sandbox

HONEST = "import torch\n\ndef vjp(f, x, v):\n    return torch.zeros_like(x)\n"


@pytest.fixture(scope="module")
def grader2(course, tmp_path_factory):
    grader = Grader(course, "exercise2", tmp_path_factory.mktemp("ex2"))
    yield grader
    grader.close()


ATTACKS = {
    "patched-comparisons": """
        import math, torch, torch.testing
        torch.allclose = lambda *a, **k: True
        torch.equal = lambda *a, **k: True
        torch.testing.assert_close = lambda *a, **k: None
        math.isclose = lambda *a, **k: True
        torch.Tensor.__eq__ = lambda *a: True
        torch.Tensor.__sub__ = lambda a, b: torch.zeros_like(a)

        def vjp(f, x, v):
            return torch.zeros_like(x)
        """,
    "lying-tensor-subclass": """
        import torch

        class Liar(torch.Tensor):
            def __eq__(self, other):
                return True
            def __sub__(self, other):
                return torch.zeros_like(other)

        def vjp(f, x, v):
            return torch.zeros_like(x).as_subclass(Liar)
        """,
    "harness-hands-another-f": """
        import sys, torch
        harness = sys.modules["grader_harness_exercise2"]
        harness.make_function = lambda spec: (lambda x: 0.0 * x)

        def vjp(f, x, v):
            leaf = x.detach().requires_grad_()
            (g,) = torch.autograd.grad(f(leaf), leaf, v, allow_unused=True)
            return torch.zeros_like(x) if g is None else g
        """,
    "forged-entry-result": """
        import sys, torch
        harness = sys.modules["grader_harness_exercise2"]

        def forged(student, f, x, vs):
            return {"answers": [x.clone() for _ in vs], "x_after": x, "x_requires_grad": False,
                    "x_has_grad": False}

        forged.grader_entry = True
        harness.vjp = forged

        def vjp(f, x, v):
            return torch.zeros_like(x)
        """,
    "tensor-patched-after-the-answer": """
        import torch
        original_clone = torch.Tensor.clone

        def vjp(f, x, v):
            answer = torch.zeros_like(x)
            torch.Tensor.clone = lambda self, *a, **k: original_clone(v) if self is answer else original_clone(self, *a, **k)
            return answer
        """,
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_vjp_scores_no_more_than_zeros(grader2, attack):
    graded_no_better_than(grader2, ATTACKS[attack], HONEST)
