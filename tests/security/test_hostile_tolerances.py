"""Hostile exercise8 submissions that aim at the tolerances, not at the records' structure.

exercise8 verifies each recorded step against ``torch.autograd`` at the state the student's loop
recorded, and that state is the student's to choose. These submissions steer the parameters to
where the float32 reference overflows or loses its precision (so that a tolerance derived from it
would grow without bound), or take their steps with a learning rate other than the one given
(per parameter group, changed mid-run, by a scheduler). A non-finite reference must never widen a
tolerance nor make an error zero, and a step taken with another learning rate is not a verified
step: none of them may score more than the steps it really took with the true gradient at the lr
given, and the reference graded next still gets full marks.
"""

from __future__ import annotations

import pytest

from .test_hostile_exercise8 import grade_hostile, public, source

pytestmark = pytest.mark.sandbox

# Step 1 takes a unit gradient with a learning rate per parameter (a param group each) chosen to
# land each parameter on TARGET[name]; after that, every step records the gradient {GRAD} and a
# loss of {LOSS}. At ~3e38 the float32 loss and gradients overflow to inf.
STEERED = """
    import torch

    TARGET = {TARGET}

    def train(model, x, y, lr, epochs):
        groups = [{"params": [model.weight], "lr": lr}, {"params": [model.bias], "lr": lr}]
        optimizer = torch.optim.SGD(groups, lr=lr)
        losses = []
        for epoch in range(epochs):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            if epoch == 0:
                for group, name in zip(optimizer.param_groups, ("weight", "bias")):
                    p = group["params"][0]
                    p.grad = torch.ones_like(p)
                    group["lr"] = (p.detach() - TARGET[name]).reshape(-1)[0].item()
                losses.append(loss.item())
            else:
                for p in model.parameters():
                    p.grad = {GRAD}
                losses.append({LOSS})
            optimizer.step()
        return losses
"""


def steered(target: str, grad: str = "torch.zeros_like(p)", loss: str = "0.0") -> str:
    return source(STEERED.replace("{TARGET}", target).replace("{GRAD}", grad).replace("{LOSS}", loss))


def test_the_issues_submission_parameters_steered_to_3e38_by_per_parameter_lr(grader8):
    """The issue's attack (it scored 49/100 there; this reproduction 30/100 on 634415f, where the
    honest buggy loop earns 5): the float32 floor K * max|r32 - r| was inf at ~3e38."""
    report = grade_hostile(grader8, steered('{"weight": 3e38, "bias": -3e38}'))
    assert "0 of 12 steps verified" in public(report).message


@pytest.mark.parametrize("target, grad, loss", [
    ('{"weight": 3e38, "bias": 3e38}', "torch.zeros_like(p)", "float('inf')"),
    ('{"weight": 1e30, "bias": -1e30}', "torch.zeros_like(p)", "0.0"),
    ('{"weight": 1e30, "bias": -1e30}', "p.grad", "0.0"),  # the true gradient at 1e30, a made-up loss
    ('{"weight": float("inf"), "bias": 0.0}', "torch.zeros_like(p)", "0.0"),
    ('{"weight": 1e20, "bias": 1e20}', "torch.full_like(p, float('nan'))", "float('nan')"),
], ids=["3e38-inf-losses", "1e30-zero-gradients", "1e30-true-gradients-made-up-losses", "inf", "nan"])
def test_steered_to_where_float32_overflows(grader8, target, grad, loss):
    grade_hostile(grader8, steered(target, grad, loss))


# The same overflow reached without any learning rate of its own: step 1 records a made-up
# gradient that the given lr turns into a jump to ~1e30 (an applied update, but not a verified
# step); from there each step is the true float32 SGD step, with a made-up loss (the true one
# overflows float32).
JUMPED = """
    import torch

    def train(model, x, y, lr, epochs):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        losses = []
        for epoch in range(epochs):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            if epoch == 0:
                for p in model.parameters():
                    p.grad = (p.detach() - 1e30) / lr
            losses.append(0.0 if epoch else loss.item())
            optimizer.step()
        return losses
"""


def test_jumped_to_1e30_with_the_given_lr_then_true_steps_and_made_up_losses(grader8):
    grade_hostile(grader8, source(JUMPED))


# The reference loop, with the learning rate altered by {CHANGE}: every step that used another lr
# than the one given earns nothing (before the fix, each earned its point).
CHANGED_LR = """
    import torch

    def train(model, x, y, lr, epochs):
        {OPTIMIZER}
        losses = []
        for epoch in range(epochs):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            {CHANGE}
            optimizer.step()
            losses.append(loss.item())
        return losses
"""
PLAIN = "optimizer = torch.optim.SGD(model.parameters(), lr=lr)"


def changed(optimizer: str = PLAIN, change: str = "pass") -> str:
    return source(CHANGED_LR.replace("{OPTIMIZER}", optimizer).replace("{CHANGE}", change))


@pytest.mark.parametrize("optimizer, change", [
    ("optimizer = torch.optim.SGD([{'params': [model.weight]}, {'params': [model.bias], 'lr': 2 * lr}], lr=lr)",
     "pass"),
    ("optimizer = torch.optim.SGD([{'params': [model.weight], 'lr': lr * (1 + 1e-3)}, "
     "{'params': [model.bias]}], lr=lr)", "pass"),
    ("optimizer = torch.optim.SGD(model.parameters(), lr=lr / 4)", "pass"),
    (PLAIN, "optimizer.param_groups[0]['lr'] = lr * (2 if epoch == 0 else 1)"),
], ids=["bias-group-at-2lr", "weight-group-off-by-1e-3", "all-at-lr/4", "first-step-doubled"])
def test_a_step_with_another_lr_is_not_verified(grader8, optimizer, change):
    report = grade_hostile(grader8, changed(optimizer, change))
    assert "learning rate is not the lr" in public(report).message


def test_lr_changed_mid_run_keeps_only_the_steps_before(grader8):
    """Half the epochs at the given lr, then double: only the first half verifies."""
    report = grade_hostile(grader8, changed(
        change="optimizer.param_groups[0]['lr'] = lr * (2 if epoch >= epochs // 2 else 1)"), score=6 + 10 + 8 + 8 + 8)
    assert public(report).message.startswith("step 7 of 12: the optimizer's learning rate is not the lr")


def test_a_scheduler_keeps_only_the_steps_before_its_first_change(grader8):
    """StepLR halves the lr every 3 steps: steps 1-3 of each case verify, nothing after."""
    grade_hostile(grader8, changed(
        optimizer=PLAIN + "; scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)",
        change="scheduler.step() if epoch else None"), score=3 * 5)
