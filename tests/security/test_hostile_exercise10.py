"""Hostile exercise10 submissions: Functions that delegate to torch's own earn no backward credit.

The honest wrong answer is a backward that ignores grad_output: right forward values (2 points),
no backward credit. A Function that hands the work to torch (``apply`` bound to torch's own
function, or a backward that calls torch's autograd on a graph recorded in forward, through any
entry point it can reach) must not score more: its output's node is not its own, or its backward
runs under the no-autograd guard and is refused. The verdict is the trusted side's: gradcheck run
in the child and reported as True counts for nothing.
"""

from __future__ import annotations

import textwrap

import pytest

from grader.exercises import load_course
from tests.helpers import REPO, Grader, graded_no_better_than, variant

pytestmark = pytest.mark.sandbox

POINTS = 20

LINEAR = """
    class MyLinear(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, W, b):
            with torch.enable_grad():
                leaves = [t.detach().requires_grad_() for t in (x, W, b)]
                y = torch.nn.functional.linear(*leaves)
            ctx.graph = (leaves, y)
            return y.detach()

        @staticmethod
        def backward(ctx, grad_output):
            leaves, y = ctx.graph
            return DIFFERENTIATE(y, leaves, grad_output)
"""
SIGMOID = """
    class MySigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            with torch.enable_grad():
                inner = x.detach().requires_grad_()
                y = torch.sigmoid(inner)
            ctx.graph = (inner, y)
            return y.detach()

        @staticmethod
        def backward(ctx, grad_output):
            inner, y = ctx.graph
            return DIFFERENTIATE(y, [inner], grad_output)[0]
"""


@pytest.fixture(scope="module")
def grader10(tmp_path_factory):
    grader = Grader(load_course(REPO), "exercise10", tmp_path_factory.mktemp("ex10"))
    yield grader
    grader.close()


def grade_hostile(grader, text: str) -> int:
    return graded_no_better_than(grader, text, variant("exercise10", "grad_output_ignored"), POINTS).score


DIFFERENTIATORS = {
    "autograd.grad captured at import": ("from torch.autograd import grad as _grad",
                                         "lambda y, xs, g: _grad(y, xs, g, retain_graph=True)"),
    "Tensor.backward captured at import": ("_backward = torch.Tensor.backward",
                                           "lambda y, xs, g: (_backward(y, g, retain_graph=True), "
                                           "tuple(x.grad for x in xs))[1]"),
    "autograd.functional.vjp": ("import torch.autograd.functional as _functional",
                                "lambda y, xs, g: _functional.vjp(lambda *a: torch.sigmoid(*a) if len(a) == 1 "
                                "else torch.nn.functional.linear(*a), tuple(x.detach() for x in xs), g)[1]"),
    "the engine, captured at import": (
        "from torch.autograd.variable import Variable\n_engine = Variable._execution_engine",
        "lambda y, xs, g: _engine.run_backward((y,), (g,), True, False, tuple(xs), False, False)"),
}


@pytest.mark.parametrize("setup, differentiate", DIFFERENTIATORS.values(), ids=list(DIFFERENTIATORS))
def test_backward_hands_the_work_to_autograd(grader10, setup, differentiate):
    grade_hostile(grader10, "import torch\n" + setup + f"\nDIFFERENTIATE = {differentiate}\n"
                  + textwrap.dedent(SIGMOID) + textwrap.dedent(LINEAR))


def test_apply_bound_to_torch_and_a_child_side_verdict(grader10):
    """``apply`` is torch's own function, and the module runs gradcheck at import and prints True:
    nothing the child concludes is a verdict, and the output's node is not the Function's own."""
    grade_hostile(grader10, """
        import torch

        class MySigmoid(torch.autograd.Function):
            apply = staticmethod(torch.sigmoid)

        class MyLinear(torch.autograd.Function):
            apply = staticmethod(torch.nn.functional.linear)

        x = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
        print("gradcheck:", torch.autograd.gradcheck(MySigmoid.apply, (x,)))
        """)
