"""The tolerance policy: is a student's gradient the reference, to the precision it was computed in?

Pure functions over values (no I/O, no sandbox). The reference is always ``torch.autograd`` in
float64 on exactly the inputs the student received, computed in the trusted process. The policy
(see the course's tolerance notes) passes an answer iff, for every element,
``|g - r| <= rtol*|r| + floor`` with ``floor = max(atol_rel*max|r| + atol_abs, K*max|r32 - r|)``,
where ``r32`` is the same reference computed in float32 (it measures how ill-conditioned the case
is). The policy applied is the lower precision of the inputs the student got and the answer's
dtype; a Python float counts as float32, since it may have been computed in float32.

Only a finite reference is a tolerance's measure. The rules, in the order they apply:

- a shape that differs (one element against one element aside) fails as ``shape``;
- a reference with NaN or Inf anywhere fails as ``unverifiable``: there is nothing finite to be
  within a tolerance of, and an answer is never excused an element (error never counts as zero);
- an answer with NaN or Inf where the reference is finite fails as ``nonfinite``;
- where the policy uses ``r32``, an ``r32`` with NaN or Inf anywhere fails as ``unverifiable``
  too: the case lies beyond float32's range, so no float32 floor can be measured there;
- the float32 term of the floor is capped: ``K * min(max|r32 - r|, MAX_CONDITION * max|r|)``.
  A generated case whose ``max|r32 - r| / max|r|`` exceeds ``MAX_CONDITION`` is redrawn, so the cap
  never binds on one; it binds only where the values were chosen by the student's code (e.g. the
  parameters a training loop recorded), which earns no wider tolerance by being ill-conditioned;
- otherwise the answer passes iff ``|g - r| <= rtol*|r| + floor`` for every element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

FINITE_DIFFERENCE_THRESHOLD = 1e-11
MAX_CONDITION = 1e-3  # the widest max|r32 - r| / max|r| a case may have (generated ones are redrawn)


@dataclass(frozen=True)
class Policy:
    name: str
    rtol: float
    atol_rel: float
    atol_abs: float
    k: float | None  # weight of the float32 reference's own error, None: not used


FLOAT64 = Policy("float64", rtol=1e-7, atol_rel=1e-9, atol_abs=1e-12, k=None)
FLOAT32 = Policy("float32", rtol=1e-4, atol_rel=1e-5, atol_abs=1e-7, k=50.0)
# A student's torch.autograd.Function, checked in float64 as gradcheck would (slow mode), with
# tighter tolerances than its defaults (which let a 0.1% wrong backward pass): |g - r| <= 1e-7 + 1e-6 |r|.
GRADCHECK = Policy("gradcheck", rtol=1e-6, atol_rel=0.0, atol_abs=1e-7, k=None)


def policy_for(*values) -> Policy:
    """The policy for the lowest precision among tensors, dtypes and Python numbers given."""
    for value in values:
        dtype = value if isinstance(value, torch.dtype) else getattr(value, "dtype", None)
        if dtype is None or dtype != torch.float64:
            return FLOAT32
    return FLOAT64


@dataclass(frozen=True)
class Comparison:
    """The verdict on one tensor. ``reason``: ok, missing, shape, unverifiable, nonfinite, or value."""

    passed: bool
    reason: str
    normwise_error: float = 0.0  # max|g-r| / max|r|; absolute max|g-r| when r is all zeros
    relative: bool = True
    worst_index: tuple[int, ...] = ()
    got_at_worst: float = 0.0
    expected_at_worst: float = 0.0
    policy: str = ""
    finite_differences: bool = False  # passes in float64 but is suspiciously inexact

    def details(self) -> dict:
        return {
            "normwise_error": self.normwise_error,
            "error_is_relative": self.relative,
            "worst_index": list(self.worst_index),
            "policy": self.policy,
        }

    def describe(self, what: str = "the gradient") -> str:
        if self.reason == "missing":
            return f"{what} is missing"
        if self.reason == "shape":
            return f"{what} has the wrong shape"
        at = f" at index {list(self.worst_index)}" if self.worst_index else ""
        if self.reason == "unverifiable":
            # A finite expected value: it is the float32 reference that is NaN or Inf there.
            computed = " when computed in float32" if math.isfinite(self.expected_at_worst) else ""
            return (f"{what} cannot be verified{at}: the correct value there is NaN or Inf{computed}, "
                    f"so no answer can be checked against it")
        if self.reason == "nonfinite":
            return f"{what} contains NaN or Inf{at} where the correct value is finite"
        kind = "relative" if self.relative else "absolute"
        return (
            f"{what} is off{at}: expected {self.expected_at_worst:.6g}, got {self.got_at_worst:.6g} "
            f"({kind} error {self.normwise_error:.2g})"
        )


def compare(got, reference: torch.Tensor, policy: Policy, reference32: torch.Tensor | None = None) -> Comparison:
    """Compare a student's value (tensor or number) with a float64 reference under ``policy``."""
    r = reference.detach().to(torch.float64)
    if isinstance(got, torch.Tensor):
        g = got.detach().to(torch.float64)
    else:
        g = torch.tensor(got, dtype=torch.float64)
    if g.shape != r.shape:
        if g.numel() == 1 and r.numel() == 1:
            g = g.reshape(r.shape)
        else:
            return Comparison(False, "shape", math.inf, policy=policy.name)
    if r.numel() == 0:
        return Comparison(True, "ok", policy=policy.name)
    unknown = first_nonfinite(r)
    if unknown is not None:
        return Comparison(False, "unverifiable", math.inf, False, unknown, g[unknown].item(), r[unknown].item(),
                          policy.name)
    error = (g - r).abs()
    scale = r.abs().max().item()
    bad = first_nonfinite(g)
    if bad is not None:
        return Comparison(False, "nonfinite", math.inf, scale > 0, bad, g[bad].item(), r[bad].item(), policy.name)
    floor = policy.atol_rel * scale + policy.atol_abs
    if policy.k is not None and reference32 is not None:
        r32 = reference32.detach().to(torch.float64).reshape(r.shape)
        overflowed = first_nonfinite(r32)
        if overflowed is not None:
            return Comparison(False, "unverifiable", math.inf, scale > 0, overflowed, g[overflowed].item(),
                              r[overflowed].item(), policy.name)
        floor = max(floor, policy.k * min((r32 - r).abs().max().item(), MAX_CONDITION * scale))
    allowed = policy.rtol * r.abs() + floor
    excess = error - allowed
    worst = unravel(int(excess.reshape(-1).argmax()), r.shape)
    passed = bool((excess <= 0).all())
    max_error = error.max().item()
    normwise = max_error / scale if scale > 0 else max_error
    return Comparison(
        passed=passed,
        reason="ok" if passed else "value",
        normwise_error=normwise,
        relative=scale > 0,
        worst_index=worst,
        got_at_worst=g[worst].item(),
        expected_at_worst=r[worst].item(),
        policy=policy.name,
        finite_differences=passed and policy is FLOAT64 and normwise > FINITE_DIFFERENCE_THRESHOLD,
    )


def compare_each(got: dict, references: dict, policy: Policy,
                 references32: dict | None = None) -> dict[str, Comparison]:
    """One verdict per reference tensor (a dict of gradients, for instance), in the references' order.

    A key missing from ``got`` (or holding something that is not a tensor) fails as ``missing``.
    """
    verdicts = {}
    for name, reference in references.items():
        value = got.get(name)
        if not isinstance(value, torch.Tensor):
            verdicts[name] = Comparison(False, "missing", math.inf, policy=policy.name)
        else:
            verdicts[name] = compare(value, reference, policy, (references32 or {}).get(name))
    return verdicts


def first_nonfinite(t: torch.Tensor) -> tuple[int, ...] | None:
    """The index of the first NaN or Inf in ``t``, or None when every element is finite."""
    bad = ~torch.isfinite(t)
    return unravel(int(bad.reshape(-1).nonzero()[0]), t.shape) if bad.any() else None


def unravel(flat_index: int, shape) -> tuple[int, ...]:
    index = []
    for size in reversed(tuple(shape)):
        index.append(flat_index % size)
        flat_index //= size
    return tuple(reversed(index))
