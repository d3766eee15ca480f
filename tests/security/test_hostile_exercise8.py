"""Hostile exercise8 submissions: credit only for optimizer steps really taken with the true gradient.

exercise8's checks trust nothing the child reports: the records of every optimizer step, the
losses and the final parameters are verified in the trusted process (``grader.checks.records``).
Each submission below tries to earn credit for steps it did not take: by silencing or wrapping
the step hook, making ``step()`` a no-op, returning a made-up loss curve, computing the losses
without stepping, or replacing the harness's result with forged records. None may score more
than the steps it really took, no check may end in an error of the grader's, and the reference
graded next with the same warm session still gets full marks.
"""

from __future__ import annotations

import textwrap

import pytest

from ..conftest import SOLUTIONS

pytestmark = pytest.mark.sandbox

POINTS = 100
CHECKS = 5

# The tutorial's loop; {ZERO} is where a correct loop clears the gradients.
LOOP = """
    def train(model, x, y, lr, epochs):
        loss_fn = torch.nn.MSELoss()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for _ in range(epochs):
            {ZERO}
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
"""


def source(text: str, zero: str = "optimizer.zero_grad()") -> str:
    return textwrap.dedent(text).replace("{LOOP}", textwrap.dedent(LOOP).replace("{ZERO}", zero))


def grade_hostile(grader, text: str, score: int = 0):
    report = grader.source(text)
    assert report.status == "graded", report.error
    assert report.max_score == POINTS and len(report.tests) == CHECKS
    assert all(t.status in ("passed", "failed") for t in report.tests), [(t.name, t.message) for t in report.tests]
    assert report.score == score, [(t.name, t.points, t.message) for t in report.tests]
    if score < POINTS:
        assert all(t.status == "failed" for t in report.tests)
    reference = grader.file(SOLUTIONS / "exercise8.py")
    assert (reference.score, reference.max_score) == (POINTS, POINTS)
    return report


def public(report):
    return next(t for t in report.tests if t.visibility == "visible")


# ----------------------------------------------------------------------------- the step hook


def test_hooks_cleared_during_the_call(grader8):
    report = grade_hostile(grader8, source("""
        import torch
        from torch.optim.optimizer import _global_optimizer_pre_hooks

        {LOOP}
        _train = train

        def train(model, x, y, lr, epochs):
            _global_optimizer_pre_hooks.clear()
            return _train(model, x, y, lr, epochs)
        """))
    assert public(report).message.startswith("no optimizer step was recorded")
    assert "optimizer.step() once per epoch" in public(report).hint


def test_hooks_wrapped_to_record_nothing(grader8):
    grade_hostile(grader8, source("""
        import torch
        from torch.optim.optimizer import _global_optimizer_pre_hooks as hooks

        {LOOP}
        _train = train

        def train(model, x, y, lr, epochs):
            for key in list(hooks):
                hooks[key] = lambda optimizer, args, kwargs: None
            return _train(model, x, y, lr, epochs)
        """))


def test_hooks_wrapped_to_show_corrected_gradients_while_the_step_accumulates(grader8):
    """The stub's loop, with the hook shown de-accumulated gradients: the updates really applied
    use the accumulated ones, so only step 1 (genuinely right) verifies, as for the stub."""
    grade_hostile(grader8, source("""
        import torch
        from torch.optim.optimizer import _global_optimizer_pre_hooks as hooks

        {LOOP}
        _train = train

        def train(model, x, y, lr, epochs):
            previous = {}

            def wrap(hook):
                def shown(optimizer, args, kwargs):
                    params = [p for g in optimizer.param_groups for p in g["params"]]
                    saved = [p.grad.clone() for p in params]
                    for p in params:
                        p.grad -= previous.get(id(p), torch.zeros_like(p))
                    hook(optimizer, args, kwargs)
                    for p, grad in zip(params, saved):
                        p.grad = grad
                        previous[id(p)] = grad.clone()
                return shown

            for key in list(hooks):
                hooks[key] = wrap(hooks[key])
            return _train(model, x, y, lr, epochs)
        """, zero="pass"), score=5)


def test_step_patched_to_a_no_op(grader8):
    report = grade_hostile(grader8, source("""
        import torch

        torch.optim.SGD.step = lambda self, closure=None: None
        {LOOP}
        """))
    assert "step 1 of 12: the parameters after this step are not p - lr * p.grad" in public(report).message


def test_step_replaced_on_the_optimizer_object(grader8):
    grade_hostile(grader8, source("""
        import torch

        def train(model, x, y, lr, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=lr)
            optimizer.step = lambda closure=None: None
            losses = []
            for _ in range(epochs):
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
            return losses
        """))


def test_harness_snapshots_made_to_lie(grader8):
    """Tensor.clone patched to hand the harness made-up copies: the records no longer start
    from the parameters sent, and nothing verifies."""
    grade_hostile(grader8, source("""
        import torch

        _clone = torch.Tensor.clone
        torch.Tensor.clone = lambda self, *a, **k: torch.full_like(_clone(self), 0.5)
        {LOOP}
        """, zero="pass"))


# ----------------------------------------------------------------------------- made-up losses


def test_fake_losses_without_training(grader8):
    report = grade_hostile(grader8, source("""
        def train(model, x, y, lr, epochs):
            return [1.0 / (epoch + 1) for epoch in range(epochs)]
        """))
    assert public(report).message.startswith("no optimizer step was recorded")


def test_right_losses_computed_by_hand_without_stepping(grader8):
    """The true loss curve, computed on copies by hand: the model never took a step."""
    grade_hostile(grader8, source("""
        import torch

        def train(model, x, y, lr, epochs):
            w = model.weight.detach().clone().double()
            b = model.bias.detach().clone().double()
            x, y = x.double(), y.double()
            losses = []
            for _ in range(epochs):
                residual = x @ w.T + b - y
                losses.append(residual.pow(2).mean().item())
                grad_w = 2 * (residual * x).mean().reshape(1, 1)
                grad_b = 2 * residual.mean().reshape(1)
                w, b = w - lr * grad_w, b - lr * grad_b
            return losses
        """))


def test_right_training_on_a_copy_of_the_model(grader8):
    report = grade_hostile(grader8, source("""
        import copy
        import torch

        {LOOP}
        _train = train

        def train(model, x, y, lr, epochs):
            return _train(copy.deepcopy(model), x, y, lr, epochs)
        """))
    assert "did not hold exactly the model's parameters" in public(report).message


# ----------------------------------------------------------------------------- forged records

# Replaces the harness's entry with one that returns records of its own making, in the exact
# structure the harness writes: a consistent chain of states from the parameters sent, losses
# and final parameters that agree with it, and the gradient {GRADIENT} (of the true one, g).
FORGER = """
    import sys
    import torch

    harness = sys.modules["grader_harness_exercise8"]

    def true_gradient(x, y, w, b):
        w, b = w.clone().requires_grad_(), b.clone().requires_grad_()
        loss = torch.nn.functional.mse_loss(x @ w.T + b, y)
        return loss.item(), torch.autograd.grad(loss, (w, b))

    def forged(student, x, y, weight, bias, lr, epochs):
        w, b = weight, bias
        records, losses = [], []
        for t in range(epochs):
            loss, g = true_gradient(x, y, w, b)
            g = {GRADIENT}
            records.append([{"name": "weight", "value": w, "grad": g[0], "lr": lr},
                            {"name": "bias", "value": b, "grad": g[1], "lr": lr}])
            losses.append(loss)
            w, b = {UPDATE}
        return {"records": records, "steps": epochs, "losses": losses, "final": {"weight": w, "bias": b}}

    forged.grader_entry = True
    harness.train = forged

    def train(model, x, y, lr, epochs):
        return []
"""


@pytest.mark.parametrize("gradient, update", [
    ("(0.5 * g[0], 0.5 * g[1])", "w - lr * g[0], b - lr * g[1]"),
    ("(torch.randn_like(g[0]), torch.randn_like(g[1]))", "w - lr * g[0], b - lr * g[1]"),
    ("(g[0], g[1])", "w, b"),  # the true gradient every time, but the parameters never move
    ("(g[0], g[1])", "w - 2 * lr * g[0], b - 2 * lr * g[1]"),  # moved further than the step
], ids=["half-gradients", "random-gradients", "never-moves", "double-steps"])
def test_forged_records(grader8, gradient, update):
    grade_hostile(grader8, source(FORGER.replace("{GRADIENT}", gradient).replace("{UPDATE}", update)))


@pytest.mark.parametrize("value", [
    "{}",
    "{'records': 'all good', 'steps': epochs, 'losses': [], 'final': {}}",
    "{'records': [[{'name': 'weight', 'value': [1.0], 'grad': None, 'lr': lr}]] * epochs, 'steps': epochs, "
    "'losses': [0.0] * epochs, 'final': {'weight': weight, 'bias': bias}}",
    "{'records': [], 'steps': -1, 'losses': [0.0] * epochs, 'final': {'weight': weight, 'bias': bias}}",
    "{'records': [[{'name': 'weight', 'value': torch.zeros(5, 5), 'grad': None, 'lr': lr}]], 'steps': 1, "
    "'losses': [0.0], 'final': {'weight': weight, 'bias': bias}}",
    "{'records': [[{'name': 'weight', 'value': weight, 'grad': None, 'lr': lr}]] * 200, 'steps': 200, "
    "'losses': [], 'final': {'weight': weight, 'bias': bias}}",
    "{'records': [], 'steps': 0, 'losses': [float('nan')] * epochs, 'final': {'weight': weight.int(), 'bias': bias}}",
], ids=["empty", "not-a-list", "not-tensors", "negative-count", "wrong-shape", "too-many", "integer-final"])
def test_forged_structures_fail_with_a_message_not_an_error(grader8, value):
    report = grade_hostile(grader8, source(f"""
        import sys
        import torch

        def forged(student, x, y, weight, bias, lr, epochs):
            return {value}

        forged.grader_entry = True
        sys.modules["grader_harness_exercise8"].train = forged

        def train(model, x, y, lr, epochs):
            return []
        """))
    assert "did not come back intact" in public(report).message
    assert "Don't interfere with the grader's harness" in public(report).hint
