"""exercise7's trusted test support: draw parameters and gradients, check the step, diagnose.

Runs in the grader's trusted process only. The reference update is computed here, in float64,
from exactly the values and gradients the student received (and in float32, to measure the
rounding a float32 update may show). A case's three checks share one sandboxed call
(``student.call_once``): the values (half its points), the caller's tensors still the leaves that
received the update (a quarter) and the gradients cleared (a quarter). The last two count only
when the update landed on the caller's tensors: evidence about the objects, not a step.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from grader.checks.compare import compare, policy_for
from grader.checks.failures import StudentCallFailed, fail, require_intact

REBIND_HINT = (
    "None of the parameters changed: `p = p - lr * p.grad` makes a new tensor and binds the name "
    "p to it, while the caller's parameter stays as it was. Update the tensor itself, in place: "
    "`p -= lr * p.grad` (or `p.sub_(lr * p.grad)`) inside `with torch.no_grad():`."
)
SWAPPED_HINT = (
    "The list you were given holds new tensors after your step: the caller (a model, an optimizer) "
    "keeps the original parameter objects, which did not move. Change each parameter in place, "
    "under torch.no_grad(); don't replace the items of the list."
)
ASCENT_HINT = (
    "Every parameter moved by +lr * p.grad: that climbs the loss. Gradient descent steps against "
    "the gradient: p -= lr * p.grad."
)
LEAF_HINT = (
    "After your step a parameter no longer requires grad, or is no longer a leaf: the next "
    "backward() would not fill its .grad. Update it in place under torch.no_grad() (or through "
    "p.data), which keeps it a leaf that requires grad."
)
CLEAR_HINT = (
    "The gradients are still there after the step: backward() adds into .grad, so the next step "
    "would use the sum of this gradient and the next. Clear each one after the update: "
    "p.grad = None (or p.grad.zero_())."
)
NONE_GRAD_HINT = (
    "A parameter the loss does not depend on has p.grad None: backward() never reached it. Skip "
    "it (`if p.grad is None: continue`): there is nothing to update."
)
UPDATE_HINT = "Each parameter must become p - lr * p.grad, computed from its value and gradient before the step."


@dataclass(eq=False)
class Case:
    """One case's parameters and gradients exactly as the student receives them."""

    name: str
    label: str
    values: list
    grads: list  # None where a parameter is unused
    lr: float

    def args(self) -> dict:
        return {"values": self.values, "grads": self.grads, "lr": self.lr}

    def expected(self, dtype: torch.dtype) -> list[torch.Tensor]:
        """Each parameter after a correct step, computed in ``dtype``."""
        return [v.to(dtype) if g is None else v.to(dtype) - self.lr * g.to(dtype)
                for v, g in zip(self.values, self.grads)]

    def used(self) -> list[int]:
        return [i for i, g in enumerate(self.grads) if g is not None]


def draw(rng: torch.Generator, name: str, shapes: list, dtype: torch.dtype, unused: tuple = ()) -> Case:
    """Parameters of the given shapes, gradients for all but the ``unused`` indices, an lr in [0.1, 0.5)."""
    def normal(shape):
        return torch.randn(shape, generator=rng, dtype=torch.float64).to(dtype)

    values = [normal(shape) for shape in shapes]
    grads = [None if i in unused else normal(shape) for i, shape in enumerate(shapes)]
    lr = round(0.1 + 0.4 * torch.rand((), generator=rng, dtype=torch.float64).item(), 3)
    label = (f"{len(shapes)} parameters, {str(dtype).removeprefix('torch.')}"
             + (f", {len(unused)} of them unused (grad None)" if unused else ""))
    return Case(name, label, values, grads, lr)


def answer(student, case: Case) -> list[dict]:
    """The parameters as the caller sees them after sgd_step: one sandboxed call per case."""
    try:
        got = student.call_once(case.name, "step", function="sgd_step", **case.args())
    except StudentCallFailed as failure:
        if case.used() != list(range(len(case.values))) and "NoneType" in failure.message:
            failure.hint = NONE_GRAD_HINT
        raise
    after = got.get("after") if isinstance(got, dict) else None
    require_intact(isinstance(after, list) and len(after) == len(case.values) and all(
        isinstance(a, dict) and isinstance(a.get("value"), torch.Tensor)
        and (a.get("grad") is None or isinstance(a.get("grad"), torch.Tensor))
        and all(type(a.get(k)) is bool for k in ("in_list", "leaf", "requires_grad")) for a in after),
        "sgd_step's parameters")
    return after


def moved(case: Case, after: list[dict]) -> bool:
    """Did every parameter with a gradient change at all?"""
    return all(after[i]["value"].shape != case.values[i].shape or not torch.equal(after[i]["value"], case.values[i])
               for i in case.used())


def close_to(case: Case, after: list[dict], targets: list, targets32: list) -> bool:
    return all(compare(a["value"], t, policy_for(v, a["value"]), t32).passed
               for a, v, t, t32 in zip(after, case.values, targets, targets32))


def check_values(student, case: Case) -> None:
    """Every parameter is p - lr * p.grad (unused ones unchanged), to its precision."""
    after = answer(student, case)
    right, right32 = case.expected(torch.float64), case.expected(torch.float32)
    for i, (a, v, r, r32) in enumerate(zip(after, case.values, right, right32)):
        verdict = compare(a["value"], r, policy_for(v, a["value"]), r32)
        if not verdict.passed:
            fail(f"{case.label}: " + verdict.describe(f"parameter {i} after the step"),
                 hint=values_hint(case, after), **verdict.details())


def placement_hint(case: Case, after: list[dict]) -> str | None:
    """The hint when the update did not land on the caller's tensors, or None."""
    if not all(a["in_list"] for a in after):
        return SWAPPED_HINT
    if not moved(case, after):
        return REBIND_HINT
    return None


def values_hint(case: Case, after: list[dict]) -> str:
    placement = placement_hint(case, after)
    if placement:
        return placement
    ascent = [v.double() if g is None else v.double() + case.lr * g.double() for v, g in zip(case.values, case.grads)]
    if close_to(case, after, ascent, [t.float() for t in ascent]):
        return ASCENT_HINT
    return UPDATE_HINT


def check_same_leaves(student, case: Case) -> None:
    """The caller's tensors received the update and are still leaves that require grad."""
    after = answer(student, case)
    if not all(a["in_list"] for a in after):
        fail(f"{case.label}: the list holds other tensors than the parameters after the step", hint=SWAPPED_HINT)
    if not all(a["leaf"] and a["requires_grad"] for a in after):
        fail(f"{case.label}: a parameter is no longer a leaf that requires grad", hint=LEAF_HINT)
    if not moved(case, after):
        fail(f"{case.label}: the caller's parameters did not change", hint=REBIND_HINT)


def check_cleared(student, case: Case) -> None:
    """Every parameter's grad is None or zero after a step that landed on the caller's tensors
    (clearing the gradients of parameters that never moved is no step)."""
    after = answer(student, case)
    placement = placement_hint(case, after)
    if placement:
        fail(f"{case.label}: the caller's parameters were not updated, so there was no step to clear after",
             hint=placement)
    for i, a in enumerate(after):
        if a["grad"] is not None and bool(torch.Tensor.any(a["grad"] != 0)):
            fail(f"{case.label}: parameter {i} still has a nonzero .grad after the step", hint=CLEAR_HINT)
