"""Verify the optimizer records a training-loop harness brings back from the sandbox.

A training-loop exercise runs the student's loop in the child beside a harness that records, at
every optimizer ``step()``, each parameter's value, its ``.grad`` and its learning rate. Those
records, the losses the student returned and the final parameters are untrusted. This module
first checks their structure (``parse_training``: a forged structure raises ``RecordsInvalid``
with a message for the report), then verifies them in the trusted process (``verify_sgd``):

- the first recorded parameters are exactly the ones the trusted side sent;
- each next state follows from the recorded gradient, ``p[t+1] = p[t] - lr[t] * g[t]``, and so do
  the final parameters from the last step; the update is recomputed in the recorded dtype, as
  SGD computes it, so a genuine step agrees to within a few units in the last place;
- each recorded gradient is the true one at its recorded state, and each returned loss the true
  loss there (the exercise's reference: ``torch.autograd`` in float64, under the tolerance policy).

A step counts as *verified* only if its state follows from the sent parameters through updates
really applied with the learning rate given, its gradient is the true one, its update was really
applied, every parameter's learning rate is the one given (``LR_RTOL``: every param group's) and
its loss agrees. A state where the reference is NaN or Inf, in float64 or in float32, cannot be
verified: the parameters are the student's to choose, and a reference that overflows measures no
tolerance (``grader.checks.compare``). Hooks removed, a patched ``step``, invented gradients, a
made-up loss curve, a learning rate per parameter or a scheduler verify nothing.

Pure functions over values: no sandbox, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from grader.checks.compare import FLOAT32, Comparison, compare, policy_for

ULPS = 4.0  # how far a recorded update may be from SGD's own, in units of the last place
LR_RTOL = 1e-6  # a learning rate passed through float32 still counts as unchanged
MAX_ENTRIES = 64  # tensors one recorded step may hold

# The exercise's reference: (loss, {name: gradient}) at the given parameter values, in dtype.
Reference = Callable[[dict, torch.dtype], tuple[torch.Tensor, dict]]


class RecordsInvalid(Exception):
    """What came back does not have the structure the harness writes: it was not the harness's."""


@dataclass(frozen=True)
class Entry:
    """One tensor an optimizer held at one step: the model's parameter ``name``, or None."""

    name: str | None
    value: torch.Tensor
    grad: torch.Tensor | None
    lr: float


@dataclass(frozen=True)
class Training:
    """The parsed outcome of one training run in the child."""

    steps: tuple[tuple[Entry, ...], ...]  # the records kept, one per optimizer step
    step_count: int  # steps the harness saw (more than kept when the loop ran away)
    losses: tuple[float, ...]
    final: dict[str, torch.Tensor]


# ----------------------------------------------------------------------------- structure


def parse_training(raw, shapes: dict[str, tuple[int, ...]], max_records: int, max_losses: int) -> Training:
    """Check the harness's plain data and return it typed; ``RecordsInvalid`` if it was forged.

    ``raw`` is ``{"records": [[{"name", "value", "grad", "lr"}, ...], ...], "steps": int,
    "losses": [float, ...], "final": {name: tensor}}``; ``shapes`` names the model's parameters.
    """
    if type(raw) is not dict or set(raw) != {"records", "steps", "losses", "final"}:
        raise RecordsInvalid("the result is not the harness's record of the training")
    records = sequence(raw["records"], "the records", max_records)
    steps = tuple(parse_step(record, shapes, index) for index, record in enumerate(records))
    count = raw["steps"]
    if type(count) is not int or count < len(steps):
        raise RecordsInvalid("the step count does not match the records")
    losses = sequence(raw["losses"], "the losses", max_losses)
    if not all(type(loss) is float for loss in losses):
        raise RecordsInvalid("the losses are not all Python floats")
    final = raw["final"]
    if type(final) is not dict or set(final) != set(shapes):
        raise RecordsInvalid("the final parameters are not the model's")
    for name, value in final.items():
        tensor(value, f"the final {name}", shapes[name])
    return Training(steps, count, tuple(losses), dict(final))


def parse_step(record, shapes: dict, index: int) -> tuple[Entry, ...]:
    entries = sequence(record, f"record {index + 1}", MAX_ENTRIES)
    parsed, names = [], set()
    for item in entries:
        if type(item) is not dict or set(item) != {"name", "value", "grad", "lr"}:
            raise RecordsInvalid(f"record {index + 1} holds something other than a parameter's record")
        name = item["name"]
        if name is not None and (type(name) is not str or name not in shapes or name in names):
            raise RecordsInvalid(f"record {index + 1} names an unknown or repeated parameter")
        names.add(name)
        value = tensor(item["value"], f"a value in record {index + 1}", shapes.get(name))
        grad = item["grad"]
        if grad is not None:
            grad = tensor(grad, f"a gradient in record {index + 1}", tuple(value.shape))
        lr = item["lr"]
        if type(lr) is not float:
            raise RecordsInvalid(f"record {index + 1} has a learning rate that is not a float")
        parsed.append(Entry(name, value, grad, lr))
    return tuple(parsed)


def sequence(value, what: str, limit: int) -> list:
    if type(value) not in (list, tuple):
        raise RecordsInvalid(f"{what} are not a list")
    if len(value) > limit:
        raise RecordsInvalid(f"{what} hold {len(value)} items, more than the harness keeps")
    return list(value)


def tensor(value, what: str, shape: tuple[int, ...] | None) -> torch.Tensor:
    if type(value) is not torch.Tensor or not value.dtype.is_floating_point:
        raise RecordsInvalid(f"{what} is not a floating point tensor")
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise RecordsInvalid(f"{what} has shape {tuple(value.shape)}, expected {tuple(shape)}")
    return value


# ----------------------------------------------------------------------------- verification


@dataclass
class StepCheck:
    """The verdict on one recorded step (``index`` counts from 0; students see ``index + 1``)."""

    index: int
    complete: bool  # the optimizer held exactly the model's parameters
    finite: bool  # the recorded state, and the reference there (float64 and float32), are finite
    reached: bool  # the state follows from the sent parameters through updates applied at the given lr
    applied: bool  # the next state (or the final parameters) is p - lr * g of this record
    lr_ok: bool  # every parameter's lr is the one the trusted side sent
    recorded: dict[str, torch.Tensor | None] = field(default_factory=dict)  # the gradients recorded
    gradients: dict[str, Comparison | None] = field(default_factory=dict)  # None: .grad was None
    truth: dict[str, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)  # (float64, float32)
    loss: Comparison | None = None  # None: no loss returned for this step

    @property
    def gradient_ok(self) -> bool:
        return (self.complete and self.finite and bool(self.gradients)
                and all(c is not None and c.passed for c in self.gradients.values()))

    @property
    def loss_ok(self) -> bool:
        return self.loss is not None and self.loss.passed

    @property
    def verified(self) -> bool:
        return self.reached and self.applied and self.lr_ok and self.gradient_ok and self.loss_ok


@dataclass
class Verification:
    epochs: int
    lr: float
    step_count: int
    loss_count: int
    steps: list[StepCheck]

    @property
    def verified_steps(self) -> int:
        """Verified steps among the first ``epochs``: the ones that earn credit."""
        return sum(step.verified for step in self.steps[: self.epochs])

    @property
    def lr_unchanged(self) -> bool:
        return all(step.lr_ok for step in self.steps)

    @property
    def complete(self) -> bool:
        """Every step verified, one per epoch, one loss per epoch, and the lr as given throughout."""
        return (self.verified_steps == self.epochs == self.step_count == self.loss_count
                and self.lr_unchanged)

    def first_unverified(self) -> StepCheck | None:
        return next((step for step in self.steps[: self.epochs] if not step.verified), None)


def verify_sgd(training: Training, sent: dict[str, torch.Tensor], lr: float, epochs: int,
               reference: Reference, input_dtype: torch.dtype) -> Verification:
    """Verify a parsed training run of plain SGD that started from ``sent``."""
    checks: list[StepCheck] = []
    reached = True
    for index, entries in enumerate(training.steps):
        state = named(entries, sent)
        if index + 1 < len(training.steps):
            after = named(training.steps[index + 1], sent)
        elif training.step_count == len(training.steps):
            after = training.final
        else:
            after = None  # the records stop before the loop did: the next state is unknown
        if index == 0:
            reached = state is not None and all(
                torch.equal(state[n].value.to(torch.float64), sent[n].to(torch.float64)) for n in sent)
        check = StepCheck(
            index=index,
            complete=state is not None,
            finite=state is not None and all(bool(torch.isfinite(e.value).all()) for e in state.values()),
            reached=reached,
            applied=state is not None and after is not None and all(
                follows(state[n].value, state[n].grad, state[n].lr, after[n]) for n in sent),
            lr_ok=all(math.isclose(e.lr, lr, rel_tol=LR_RTOL) for e in entries) and bool(entries),
            recorded={} if state is None else {name: entry.grad for name, entry in state.items()},
        )
        if check.finite:
            judge(check, state, training.losses, reference, input_dtype)
        checks.append(check)
        reached = reached and check.applied and check.lr_ok
    return Verification(epochs, lr, training.step_count, len(training.losses), checks)


def named(entries: tuple[Entry, ...], sent: dict) -> dict[str, Entry] | None:
    """A step's entries by parameter name, or None unless they are exactly the model's parameters."""
    by_name = {e.name: e for e in entries}
    if len(entries) != len(sent) or set(by_name) != set(sent):
        return None
    return by_name


def follows(previous: torch.Tensor, grad: torch.Tensor | None, lr: float, after) -> bool:
    """Is ``after`` SGD's update ``previous - lr * grad``, recomputed in the recorded dtype?

    ``after`` is an Entry or a tensor. SGD skips a parameter whose grad is None.
    """
    after = after.value if isinstance(after, Entry) else after
    if not math.isfinite(lr):
        return False
    if grad is None:
        return torch.equal(after.to(torch.float64), previous.to(torch.float64))
    dtype = previous.dtype
    expected = torch.add(previous, grad.to(dtype), alpha=-lr).to(torch.float64)
    size = previous.to(torch.float64).abs() + (lr * grad.to(torch.float64)).abs()
    allowed = ULPS * torch.finfo(dtype).eps * size + torch.finfo(dtype).tiny
    difference = (after.to(torch.float64) - expected).abs()
    return bool(torch.isfinite(difference).all() and (difference <= allowed).all())


def judge(check: StepCheck, state: dict[str, Entry], losses: tuple[float, ...], reference: Reference,
          input_dtype: torch.dtype) -> None:
    """Compare the step's gradients and loss with the reference at its recorded state.

    A state where the reference (loss or gradient, float64 or float32) is NaN or Inf is not finite:
    nothing there can be verified.
    """
    values = {name: entry.value for name, entry in state.items()}
    loss64, grads64 = reference(values, torch.float64)
    loss32, grads32 = reference(values, torch.float32)
    if not all(bool(torch.isfinite(t).all()) for t in (loss64, loss32, *grads64.values(), *grads32.values())):
        check.finite = False  # a state so far off that the reference overflows
        return
    for name, entry in state.items():
        check.truth[name] = (grads64[name], grads32[name])
        check.gradients[name] = None if entry.grad is None else compare(
            *single(entry.grad, grads64[name]), policy_for(input_dtype, entry.grad), single(grads32[name])[0])
    if check.index < len(losses):
        # A returned Python float gets the float32 policy: it may have been computed in float32.
        check.loss = compare(losses[check.index], loss64, FLOAT32, loss32)


def single(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """One-element tensors as 0-d ones, so that a report names no index inside a single number."""
    return tuple(t.reshape(()) if t.numel() == 1 else t for t in tensors)


# ----------------------------------------------------------------------------- the report


def describe(verification: Verification, order: list[str]) -> str | None:
    """What a student should read first about a run that is not complete; None when it is."""
    epochs = verification.epochs
    if not verification.steps:
        return (f"no optimizer step was recorded: train must update the model with an optimizer's "
                f"step(), once per epoch ({epochs} epochs)")
    bad = verification.first_unverified()
    if bad is not None:
        return f"step {bad.index + 1} of {epochs}: {why(bad, order, verification.lr)}"
    if len(verification.steps) < epochs:
        return (f"only {len(verification.steps)} optimizer steps were recorded for epochs={epochs}: "
                f"train must take one step per epoch")
    if verification.step_count != epochs:
        return (f"train took {verification.step_count} optimizer steps for epochs={epochs}: "
                f"it must take exactly one per epoch")
    if verification.loss_count != epochs:
        return f"train returned {verification.loss_count} losses for epochs={epochs}: one per epoch is expected"
    changed = next((s for s in verification.steps if not s.lr_ok), None)
    if changed is not None:
        return (f"step {changed.index + 1} of {epochs}: the optimizer's learning rate is not the "
                f"lr={verification.lr:g} train was given")
    return None


def why(step: StepCheck, order: list[str], lr: float) -> str:
    """Why one step is not verified, the earliest reason first."""
    if not step.complete:
        return ("the optimizer did not hold exactly the model's parameters: build it from "
                "model.parameters() of the model train was given")
    if not step.reached:
        return "the parameters were not the model's initial ones: train must start from the model it was given"
    if not step.finite:
        return ("the parameters are NaN or Inf, or so large that the loss overflows there: the training "
                "diverged, and a step there cannot be verified")
    for name in order:
        comparison = step.gradients.get(name)
        if comparison is None:
            return f"{name}.grad was None when the optimizer stepped"
        if not comparison.passed:
            return comparison.describe(f"the gradient of {name}")
    if not step.lr_ok:
        return f"the optimizer's learning rate is not the lr={lr:g} train was given"
    if not step.applied:
        return ("the parameters after this step are not p - lr * p.grad for the gradient and lr the "
                "optimizer held: update them with the optimizer's step() and nothing else")
    if step.loss is None:
        return "no loss was returned for this epoch"
    return step.loss.describe("the loss returned for this epoch")
