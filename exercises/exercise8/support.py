"""exercise8's trusted test support: draw cases, verify the recorded training, diagnose, score.

Runs in the grader's trusted process only. The child's records (every optimizer step's
parameters, gradients and lr), the losses and the final parameters are verified by
``grader.checks.records`` against ``torch.autograd`` in float64 on the very values recorded.
A case is worth one point per epoch (a verified step: the true gradient, applied at the learning
rate given) plus a quarter as many for a run that is complete: every step verified (the
catalogue's 0.8 / 0.2 split).
"""

import torch

from grader.checks.compare import compare, policy_for
from grader.checks.diagnose import Relation, scalar_relation
from grader.checks.failures import fail, require_intact
from grader.errors import CourseBug
from grader.checks.records import RecordsInvalid, describe, parse_training, verify_sgd

PARAMETERS = {"weight": (1, 1), "bias": (1,)}
EXTRA_RECORDS = 16  # as the harness: records kept beyond `epochs`

TAMPER_HINT = "Don't interfere with the grader's harness, its optimizer hook or its pipes; train the model you are given."
NO_STEP_HINT = (
    "No optimizer step was recorded: train the model you were given with "
    "optimizer = torch.optim.SGD(model.parameters(), lr=lr) and call optimizer.step() once per epoch."
)
ZERO_HINT = (
    "At step {step} the gradient was zero (or None) when optimizer.step() ran: zero_grad() is called "
    "between loss.backward() and optimizer.step(), so it wipes the gradient the step needs and the "
    "parameters never move. Clear the gradients before loss.backward() (or after optimizer.step())."
)
ACCUMULATE_HINT = (
    "At step {step} the gradient the optimizer used is the sum of the gradients of steps 1-{step} "
    "(the true gradient of step {step} plus the one used at step {previous}): loss.backward() adds "
    "into .grad and nothing clears it between epochs, so the gradients accumulate. Call "
    "optimizer.zero_grad() once per epoch, before loss.backward()."
)
SUM_HINT = (
    "At step {step} the gradient is the number of samples times the true one: the loss is a sum "
    "over the samples, not their mean. Use nn.MSELoss() (reduction='mean'), as the exercise asks."
)
OPTIMIZER_HINT = (
    "The optimizer must update the model train was given: build it from that model's "
    "parameters (torch.optim.SGD(model.parameters(), lr=lr)); don't create a new model or copy it."
)
UPDATE_HINT = (
    "Between two steps the parameters must move by exactly -lr * p.grad: use plain "
    "torch.optim.SGD (no momentum, no weight decay) and change the parameters only through "
    "optimizer.step()."
)
LOSS_HINT = (
    "Return one loss per epoch, as a Python float (loss.item()): the loss computed in that epoch, "
    "before the update."
)
COUNT_HINT = "Take exactly one optimizer step per epoch: for epoch in range(epochs): ... optimizer.step()."
LR_HINT = (
    "At step {step} the optimizer's learning rate is not the lr train was given: use exactly "
    "torch.optim.SGD(model.parameters(), lr=lr) and don't change it. If the loss misbehaves, "
    "the cure is clearing the gradients every epoch, not a smaller learning rate."
)


def points_for(epochs: int) -> int:
    """One point per epoch (a verified step), and a quarter as many for a complete run."""
    return epochs + epochs // 4


def draw(rng: torch.Generator, n: int, epochs: int, dtype: torch.dtype, lr_fraction: float,
         x_scale: float = 1.0, x_offset: float = 0.0) -> dict:
    """A regression case: noisy line data, initial parameters, and an lr at ``lr_fraction`` of
    gradient descent's stability limit 2/lambda_max (lambda_max: the loss's largest curvature)."""
    def uniform(shape, low, high):
        return low + (high - low) * torch.rand(shape, generator=rng, dtype=torch.float64)

    x = (uniform((n, 1), -1.0, 1.0) * x_scale + x_offset).to(dtype)
    slope, intercept = uniform((), -3.0, 3.0), uniform((), -1.0, 1.0)
    noise = 0.1 * torch.randn((n, 1), generator=rng, dtype=torch.float64)
    y = (slope * x.double() + intercept + noise).to(dtype)
    features = torch.cat([x.double(), torch.ones_like(x, dtype=torch.float64)], dim=1)
    curvature = torch.linalg.eigvalsh(2.0 / n * features.T @ features).max().item()
    lr = float(f"{lr_fraction * 2.0 / curvature:.3g}")
    return {"x": x, "y": y, "weight": uniform((1, 1), -1.0, 1.0).to(dtype),
            "bias": uniform((1,), -1.0, 1.0).to(dtype), "lr": lr, "epochs": epochs}


def reference(case: dict):
    """(loss, {name: gradient}) of the MSE at given parameter values, by autograd, in a dtype."""
    def at(values: dict, dtype: torch.dtype):
        weight = values["weight"].detach().to(dtype).requires_grad_()
        bias = values["bias"].detach().to(dtype).requires_grad_()
        prediction = case["x"].to(dtype) @ weight.T + bias
        loss = torch.nn.functional.mse_loss(prediction, case["y"].to(dtype))
        grad_weight, grad_bias = torch.autograd.grad(loss, (weight, bias))
        return loss.detach(), {"weight": grad_weight, "bias": grad_bias}

    return at


def check(student, case: dict, points: int) -> None:
    """Run the student's train on ``case``; fail with partial credit unless every step verifies."""
    epochs = case["epochs"]
    if points != points_for(epochs):
        raise CourseBug(f"a case of {epochs} epochs is worth {points_for(epochs)} points, not {points}")
    raw = student.call("train", **case)
    try:
        training = parse_training(raw, PARAMETERS, epochs + EXTRA_RECORDS, epochs + EXTRA_RECORDS)
    except RecordsInvalid as error:
        require_intact(False, "train's training records", f": {error}", hint=TAMPER_HINT)
    sent = {"weight": case["weight"], "bias": case["bias"]}
    verification = verify_sgd(training, sent, case["lr"], epochs, reference(case), case["x"].dtype)
    earned = verification.verified_steps + (points - epochs if verification.complete else 0)
    if earned == points:
        return
    problem = describe(verification, list(PARAMETERS))
    fail(f"{problem}. {verification.verified_steps} of {epochs} steps verified.",
         hint=diagnose(verification, case), points=earned,
         verified_steps=verification.verified_steps, epochs=epochs)


def diagnose(verification, case: dict) -> str | None:
    """The classic mistakes the records show, each with the step where it first shows; or None."""
    if not verification.steps:
        return NO_STEP_HINT
    hints = []
    # A state reached through a step at another lr still shows its own gradient's mistake.
    wrong = next((s for s in verification.steps[: verification.epochs]
                  if s.complete and s.finite and not s.gradient_ok), None)
    if wrong is not None:
        hint = gradient_hint(wrong, verification.steps, case)
        if hint:
            hints.append(hint)
    changed = next((s for s in verification.steps if s.complete and not s.lr_ok), None)
    if changed is not None:
        hints.append(LR_HINT.format(step=changed.index + 1))
    return " ".join(hints) or general_hint(verification)


def general_hint(verification) -> str | None:
    """A hint without any value of the case in it (hidden checks show hints, not messages)."""
    bad = verification.first_unverified()
    if bad is None:
        return COUNT_HINT if verification.step_count != verification.epochs else LOSS_HINT
    if not bad.complete or not bad.reached:
        return OPTIMIZER_HINT
    if bad.gradient_ok and not bad.applied:
        return UPDATE_HINT
    if bad.gradient_ok and not bad.loss_ok:
        return LOSS_HINT
    return None


def gradient_hint(step, steps, case: dict) -> str | None:
    """Name the relation between a wrong recorded gradient and the true one at its state."""
    grads = step.recorded
    number = step.index + 1
    if all(g is None or not bool(g.any()) for g in grads.values()):
        return ZERO_HINT.format(step=number)
    if any(g is None for g in grads.values()):
        return None
    previous = steps[step.index - 1] if step.index > 0 else None
    if previous is not None and previous.complete:
        before = previous.recorded
        if all(b is not None for b in before.values()) and all(
            accumulated(grads[n], step.truth[n], before[n], case) for n in PARAMETERS
        ):
            return ACCUMULATE_HINT.format(step=number, previous=number - 1)
    samples = case["x"].shape[0]
    if samples > 1:  # reduction='sum': every gradient N times the mean's
        relation = scalar_relation([grads[n] for n in PARAMETERS], [step.truth[n][0] for n in PARAMETERS],
                                   policy_for(case["x"], *grads.values()),
                                   [step.truth[n][1] for n in PARAMETERS], [Relation(float(samples), SUM_HINT)])
        if relation:
            return relation.hint.format(step=number)
    return None


def accumulated(grad: torch.Tensor, truth: tuple, previous: torch.Tensor, case: dict) -> bool:
    """Is grad the true gradient plus the one used at the step before, under its precision's policy?"""
    true64, true32 = truth
    extra = previous.to(torch.float64)
    return compare(grad, true64 + extra, policy_for(case["x"], grad), true32.to(torch.float64) + extra).passed
