"""Hostile exercise3 (predict) submissions: forwards that fake the grad-mode probe.

Each one records a graph (or builds one and drops it) while trying to make the probes read "grad
off, no graph". It may score no more than the honest answer doing the same work without the
trick: a plain forward (values and grad mode restored: 10 of 20) or a forward detached afterwards
(16 of 20, the forward probe failing).
"""

from __future__ import annotations

import pytest

from tests.helpers import Grader, graded_no_better_than

pytestmark = pytest.mark.sandbox

PLAIN = "def predict(model, x):\n    return model(x)\n"
DETACHED = "def predict(model, x):\n    return model(x).detach()\n"


@pytest.fixture(scope="module")
def grader3(course, tmp_path_factory):
    grader = Grader(course, "exercise3", tmp_path_factory.mktemp("ex3"))
    yield grader
    grader.close()


# A plain forward with grad mode on, behind a trick that tries to hide the graph.
HIDE_THE_GRAPH = {
    "patched-is-grad-enabled": """
        import torch, torch.autograd.grad_mode
        off = lambda: False
        torch.is_grad_enabled = off
        torch._C.is_grad_enabled = off
        torch.autograd.grad_mode.torch.is_grad_enabled = off

        def predict(model, x):
            return model(x)
        """,
    "patched-grad-fn-property": """
        import torch
        torch.Tensor.grad_fn = property(lambda self: None)
        torch.Tensor.requires_grad = property(lambda self: False)

        def predict(model, x):
            return model(x)
        """,
    "patched-harness-probes": """
        import sys
        harness = sys.modules["grader_harness_exercise3"]
        harness.has_graph = lambda value: False
        harness._GRAD_ENABLED = lambda: False
        harness._GRAD_FN = lambda value: None
        harness._REQUIRES_GRAD = lambda value: False
        harness.probe = lambda model, modes, graphs: None

        def predict(model, x):
            return model(x)
        """,
}

# A forward with grad mode on whose output is detached, behind a trick that tries to make the
# forward probe read "grad off".
FAKE_THE_FORWARD = {
    "hooks-cleared": """
        def predict(model, x):
            for module in model.modules():
                module._forward_pre_hooks.clear()
                module._forward_hooks.clear()
            return model(x).detach()
        """,
    "a-second-forward-for-the-probe": """
        import torch

        def predict(model, x):
            with torch.no_grad():
                model(x)
            return model(x).detach()
        """,
    "own-hooks-switch-grad-around-the-probe": """
        import torch

        def predict(model, x):
            model.register_forward_pre_hook(lambda m, a: torch.set_grad_enabled(False), prepend=True)
            model.register_forward_pre_hook(lambda m, a: torch.set_grad_enabled(True))
            return model(x).detach()
        """,
    "forward-wrapped-to-enable-grad": """
        import torch

        def predict(model, x):
            inner = type(model).forward

            def forward(*args):
                with torch.enable_grad():
                    return inner(model, *args).detach()

            model.forward = forward
            with torch.no_grad():
                return model(x)
        """,
}


@pytest.mark.parametrize("attack", sorted(HIDE_THE_GRAPH))
def test_hiding_the_graph_scores_no_more_than_a_plain_forward(grader3, attack):
    report = graded_no_better_than(grader3, HIDE_THE_GRAPH[attack], PLAIN)
    assert any(t.status == "failed" and "no_graph" in t.name for t in report.tests)


@pytest.mark.parametrize("attack", sorted(FAKE_THE_FORWARD))
def test_faking_the_forward_probe_scores_no_more_than_detach(grader3, attack):
    report = graded_no_better_than(grader3, FAKE_THE_FORWARD[attack], DETACHED)
    assert any(t.status == "failed" and "forward_ran_without_grad" in t.name for t in report.tests)


def test_a_lying_output_scores_nothing(grader3):
    report = graded_no_better_than(grader3, """
        import torch

        class Liar(torch.Tensor):
            @property
            def grad_fn(self):
                return None

        def predict(model, x):
            with torch.no_grad():
                return model(x).as_subclass(Liar)
        """, "def predict(model, x):\n    return x\n")
    assert report.score == 0
