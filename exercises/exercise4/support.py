"""exercise4's trusted test support: draw cases, compute both gradients per encoder call, judge.

Runs in the grader's trusted process only. Each case is one sandboxed call shared by three
checks (``student.call_once``): g1 = dL1/dw, g2 = dL2/dw, and "one forward pass". The encoder
uses a new dropout mask on every call, so the gradients say through which call's h they were
taken: the references are computed here, by autograd in float64, for the first ``CALLS`` calls.
A gradient is right when it is its loss's gradient through some call of the encoder; the single
forward pass is verified when the child's count says one call, at least one gradient is right
through the first call, and neither gradient was taken through a later call. A forged count
therefore earns nothing that the gradients do not show.
"""

from __future__ import annotations

import torch

from grader.checks.compare import MAX_CONDITION, compare, policy_for
from grader.checks.diagnose import NONFINITE_HINT
from grader.checks.failures import fail, require_intact

CALLS = 3  # encoder calls the references cover: a student's second forward is call 2

TWICE_HINT = (
    "You called the encoder more than once. Both losses must share the h of ONE forward pass: a "
    "second call repeats the expensive forward (and with dropout draws another mask, so the "
    "second loss is not even taken at the same h). Compute h = encoder(w, x) once, then "
    "loss1(h).backward(retain_graph=True) and loss2(h).backward()."
)
ALIASED_HINT = (
    "g1 and g2 are the same tensor, w.grad, so both hold dL1/dw + dL2/dw: backward() adds into "
    "w.grad in place, and the tensor you kept as g1 kept changing. Keep a copy, "
    "g1 = w.grad.clone(), and clear w.grad (w.grad = None or w.grad.zero_()) before the second "
    "backward()."
)
ACCUMULATED_HINT = (
    "g2 is dL1/dw + dL2/dw: backward() adds into w.grad, and w.grad still held g1 when the second "
    "backward() ran. Clear it in between: w.grad = None (or w.grad.zero_()) after keeping "
    "g1 = w.grad.clone()."
)
SUM_HINT = (
    "Both gradients are the gradient of loss1 + loss2: you backpropagated the sum of the losses. "
    "The exercise asks for each loss's own gradient: two backward passes through the same graph, "
    "the first with retain_graph=True."
)
GRADIENT_HINT = (
    "Check the chain rule: g1 = dL1/dw and g2 = dL2/dw, each through the same h = encoder(w, x); "
    "return the two gradients shaped like w, in that order."
)


def draw(rng: torch.Generator, harness, n: int, d: int, hidden: int) -> dict:
    """A case: w (d, hidden), x (n, d), the losses' targets and the encoder's mask seed.

    Redrawn (from the same generator) until the masks of the first ``CALLS`` calls differ from
    each other and the case is well-conditioned."""
    for _ in range(20):
        case = {
            "w": torch.randn(d, hidden, generator=rng, dtype=torch.float64) * d ** -0.5,
            "x": torch.randn(n, d, generator=rng, dtype=torch.float64),
            "seed": int(torch.randint(1, 2**30, (), generator=rng)),
            "losses": {"a": torch.randn(n, hidden, generator=rng, dtype=torch.float64),
                       "u": torch.randn(hidden, generator=rng, dtype=torch.float64)},
            "label": f"w of shape ({d}, {hidden}), x of shape ({n}, {d})",
            "cache": {},
        }
        masks = [harness.dropout_mask(case["seed"], k, (n, hidden), torch.float64) for k in range(1, CALLS + 1)]
        distinct = all(not torch.equal(a, b) for i, a in enumerate(masks) for b in masks[i + 1:])
        if distinct and all(condition(harness, case, k) <= MAX_CONDITION for k in range(1, CALLS + 1)):
            return case
    raise RuntimeError("exercise4: no usable case in 20 draws; change the case's sizes")


def condition(harness, case: dict, call: int) -> float:
    """max|r32 - r| / max|r| over both gradients through the ``call``-th h."""
    right, right32 = gradients(harness, case, call, torch.float64), gradients(harness, case, call, torch.float32)
    scale = max(r.abs().max().item() for r in right)
    return max((b.double() - a).abs().max().item() for a, b in zip(right, right32)) / scale


def gradients(harness, case: dict, call: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """(dL1/dw, dL2/dw) through the encoder's ``call``-th h, by autograd in ``dtype``; kept on the case."""
    key = (call, dtype)
    if key not in case["cache"]:
        w = case["w"].detach().to(dtype).requires_grad_()
        loss1, loss2 = harness.make_losses(case["losses"])
        with torch.enable_grad():
            h = harness.encode(w, case["x"].to(dtype), case["seed"], call)
            g1 = torch.autograd.grad(loss1(h), w, retain_graph=True)[0]
            g2 = torch.autograd.grad(loss2(h), w)[0]
        case["cache"][key] = (g1, g2)
    return case["cache"][key]


def answer(student, case: dict) -> dict:
    """The student's (g1, g2) and the encoder's count: one sandboxed call, shared by the case's checks."""
    got = student.call_once(case["label"], "two_loss_grads", w=case["w"], x=case["x"], seed=case["seed"],
                            losses=case["losses"])
    require_intact(isinstance(got, dict) and all(isinstance(got.get(k), torch.Tensor) for k in ("g1", "g2"))
                   and type(got.get("same_tensor")) is bool and type(got.get("encoder_calls")) is int,
                   "two_loss_grads's gradients")
    return got


def right_through(harness, case: dict, got: dict, which: int, call: int, total: bool = False) -> bool:
    """Is the answer's g``which`` (1 or 2) its loss's gradient through the ``call``-th h (or, with
    ``total``, the gradient of loss1 + loss2 there)?"""
    value = got[f"g{which}"]
    right, right32 = gradients(harness, case, call, torch.float64), gradients(harness, case, call, torch.float32)
    expected = right[0] + right[1] if total else right[which - 1]
    expected32 = right32[0] + right32[1] if total else right32[which - 1]
    return compare(value, expected, policy_for(case["x"], value), expected32).passed


def calls_shown(harness, case: dict, got: dict, which: int) -> list[int]:
    """The encoder calls through which the answer's g``which`` is its loss's gradient."""
    return [k for k in range(1, CALLS + 1) if right_through(harness, case, got, which, k)]


def diagnose(harness, case: dict, got: dict) -> str:
    """The mistake the pair (g1, g2) shows, read through the first call's h."""
    if not all(bool(torch.isfinite(got[k]).all()) for k in ("g1", "g2")):
        return NONFINITE_HINT
    both_total = all(right_through(harness, case, got, i, 1, total=True) for i in (1, 2))
    if both_total:
        return ALIASED_HINT if got["same_tensor"] else SUM_HINT
    if right_through(harness, case, got, 1, 1) and right_through(harness, case, got, 2, 1, total=True):
        return ACCUMULATED_HINT
    return GRADIENT_HINT


def check_gradient(student, harness, case: dict, which: int) -> None:
    """g``which`` is dL``which``/dw through one call of the encoder."""
    got = answer(student, case)
    if calls_shown(harness, case, got, which):
        return
    value, right = got[f"g{which}"], gradients(harness, case, 1, torch.float64)[which - 1]
    verdict = compare(value, right, policy_for(case["x"], value),
                      gradients(harness, case, 1, torch.float32)[which - 1])
    message = f"{case['label']}: " + verdict.describe(f"g{which} = dL{which}/dw")
    if verdict.reason == "shape":
        message += f" ({tuple(value.shape)}, expected {tuple(right.shape)})"
    fail(message, hint=diagnose(harness, case, got), **verdict.details())


def check_single_forward(student, harness, case: dict) -> None:
    """The encoder ran once, and the gradients show it: one is right through its first call's h,
    and neither was taken through a later call's."""
    got = answer(student, case)
    shown = calls_shown(harness, case, got, 1) + calls_shown(harness, case, got, 2)
    calls = got["encoder_calls"]
    if calls != 1 or any(k > 1 for k in shown):
        counted = f"the encoder was called {calls} times" if calls != 1 else "a gradient was taken through a second call"
        fail(f"{case['label']}: {counted}, expected one forward pass", hint=TWICE_HINT)
    if 1 not in shown:
        fail(f"{case['label']}: neither gradient is right, so the single forward pass cannot be verified",
             hint=diagnose(harness, case, got))
