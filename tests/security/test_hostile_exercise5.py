"""Hostile exercise5 (neuron_grads) submissions: autograd by the routes exercise6's guard blocks.

exercise5 is "by hand", like exercise6: each submission reaches autograd some other way than
``backward()`` (the graph's nodes called by hand, a new engine, the original ``grad`` found by
the collector, forward-mode dual numbers, a thread, functorch's internals, a reference captured
at import, ``torch.func``) and must meet the no-autograd guard: it scores no more than the
honest wrong answer (0), its failure says it used autograd, and the file is flagged for review.
"""

from __future__ import annotations

import pytest

from tests.helpers import Grader, graded_no_better_than

pytestmark = pytest.mark.sandbox

HONEST = "def neuron_grads(x, t, w, b):\n    return 0.0, 0.0\n"
LOSS = """
import torch

def leaves(w, b):
    return torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(b, dtype=torch.float64, requires_grad=True)

def loss(x, t, w, b):
    return ((torch.sigmoid(w * x.double() + b) - t.double()) ** 2).mean()
"""


@pytest.fixture(scope="module")
def grader5(course, tmp_path_factory):
    grader = Grader(course, "exercise5", tmp_path_factory.mktemp("ex5"))
    yield grader
    grader.close()


ROUTES = {
    "grad-fn-nodes-called-by-hand": """
        def neuron_grads(x, t, w, b):
            with torch.enable_grad():
                w, b = leaves(w, b)
                value = loss(x, t, w, b)
            found, stack = {}, [(value.grad_fn, torch.ones((), dtype=torch.float64))]
            while stack:
                node, grad = stack.pop()
                if hasattr(node, "variable"):
                    found[id(node.variable)] = found.get(id(node.variable), 0) + grad
                    continue
                outs = node(grad)
                outs = outs if isinstance(outs, tuple) else (outs,)
                stack.extend((child, g) for (child, _), g in zip(node.next_functions, outs) if child is not None)
            return float(found[id(w)].sum()), float(found[id(b)].sum())  # the engine would sum broadcasts
        """,
    "a-new-engine": """
        def neuron_grads(x, t, w, b):
            with torch.enable_grad():
                w, b = leaves(w, b)
                value = loss(x, t, w, b)
            dw, db = torch._C._ImperativeEngine().run_backward(
                (value,), (torch.ones((), dtype=torch.float64),), False, False, (w, b), False, False)
            return dw.item(), db.item()
        """,
    "original-grad-found-by-the-collector": """
        import gc

        def neuron_grads(x, t, w, b):
            found = [o for o in gc.get_objects() if callable(o) and getattr(o, "__name__", "") == "grad"
                     and getattr(o, "__module__", "") == "torch.autograd" and hasattr(o, "__code__")]
            grad = max(found, key=lambda o: len(o.__code__.co_code))  # not one of its typing overloads
            with torch.enable_grad():
                w, b = leaves(w, b)
                dw, db = grad(loss(x, t, w, b), (w, b))
            return dw.item(), db.item()
        """,
    "forward-mode-dual-numbers": """
        import torch.autograd.forward_ad as fwAD

        def neuron_grads(x, t, w, b):
            with fwAD.dual_level():
                dual = fwAD.make_dual(torch.tensor(w, dtype=torch.float64), torch.ones((), dtype=torch.float64))
                dw = fwAD.unpack_dual(loss(x, t, dual, b)).tangent
                dual = fwAD.make_dual(torch.tensor(b, dtype=torch.float64), torch.ones((), dtype=torch.float64))
                db = fwAD.unpack_dual(loss(x, t, w, dual)).tangent
            return dw.item(), db.item()
        """,
    "autograd-in-a-thread": """
        import threading

        def neuron_grads(x, t, w, b):
            box = {}

            def work():
                try:
                    with torch.enable_grad():
                        lw, lb = leaves(w, b)
                        box["grads"] = torch.autograd.grad(loss(x, t, lw, lb), (lw, lb))
                except Exception as error:
                    box["error"] = error

            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
            if "error" in box:
                raise box["error"]
            return tuple(g.item() for g in box["grads"])
        """,
    "functorch-internals": """
        from torch._functorch import apis

        def neuron_grads(x, t, w, b):
            dw, db = apis.grad(lambda p: loss(x, t, p[0], p[1]))(
                (torch.tensor(w, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)))
            return dw.item(), db.item()
        """,
    "torch-func-grad": """
        def neuron_grads(x, t, w, b):
            dw, db = torch.func.grad(lambda w, b: loss(x, t, w, b), argnums=(0, 1))(
                torch.tensor(w, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
            return dw.item(), db.item()
        """,
    "grad-captured-at-import": """
        from torch.autograd import grad as captured

        def neuron_grads(x, t, w, b):
            with torch.enable_grad():
                w, b = leaves(w, b)
                dw, db = captured(loss(x, t, w, b), (w, b))
            return dw.item(), db.item()
        """,
    "set-grad-enabled-and-backward": """
        def neuron_grads(x, t, w, b):
            torch.set_grad_enabled(True)
            w, b = leaves(w, b)
            loss(x, t, w, b).backward()
            return w.grad.item(), b.grad.item()
        """,
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_autograd_by_another_route_scores_nothing(grader5, route):
    report = graded_no_better_than(grader5, LOSS + ROUTES[route].replace("\n        ", "\n"), HONEST)
    assert report.score == 0
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("autograd" in t.message for t in visible), [t.message for t in visible]
    assert any("for review" in flag for flag in report.flags), report.flags


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_route_is_real_autograd_without_the_guard(route):
    """Run here, unguarded, each route computes the right gradients: the guard is what stops it."""
    import textwrap

    import torch

    space = {}
    exec(compile(textwrap.dedent(LOSS + ROUTES[route].replace("\n        ", "\n")), route, "exec"), space)
    x, t = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), torch.tensor([0.2, 0.9, 0.4], dtype=torch.float64)
    w, b = torch.tensor(0.7, dtype=torch.float64, requires_grad=True), torch.tensor(-0.3, dtype=torch.float64,
                                                                                      requires_grad=True)
    right = torch.autograd.grad(((torch.sigmoid(w * x + b) - t) ** 2).mean(), (w, b))
    got = space["neuron_grads"](x, t, 0.7, -0.3)
    assert got == pytest.approx([r.item() for r in right], rel=1e-9)


def test_a_lying_numpy_scalar_is_refused(grader5):
    """numpy's own float64 is accepted; a subclass of it, which could lie, is not read at all."""
    report = graded_no_better_than(grader5, """
        import numpy

        class Liar(numpy.float64):
            def __eq__(self, other):
                return True
            def __float__(self):
                return 0.0

        def neuron_grads(x, t, w, b):
            return Liar(0.0), Liar(0.0)
        """, HONEST)
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("expected a Python float" in t.message for t in visible), [t.message for t in visible]
