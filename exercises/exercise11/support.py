"""exercise11's trusted test support: draw functions and vectors, compare hvp with autograd's.

Runs in the grader's trusted process only. The reference is ``torch.autograd.functional.hvp``
in float64 on exactly the x and v the student received, with f rebuilt from the same spec by the
harness module; a float32 run of the same measures the case's conditioning.
"""

from __future__ import annotations

import torch

from grader.checks.compare import MAX_CONDITION, compare, policy_for
from grader.checks.diagnose import NONFINITE_HINT
from grader.checks.failures import StudentCallFailed, fail, require_intact

NO_GRAPH = "does not require grad and does not have a grad_fn"
CREATE_GRAPH_HINT = (
    "The second differentiation found no graph: the gradient g from the first "
    "torch.autograd.grad (or backward) is a plain tensor unless you ask autograd to record how it "
    "was computed. Pass create_graph=True to the first call, then differentiate g @ v."
)
PLUS_GRADIENT_HINT = (
    "Your answer is H v plus the gradient of f: with backward() twice into the same x.grad, the "
    "second backward adds H v to the gradient the first one left there. Take the gradient with "
    "torch.autograd.grad(f(x), x, create_graph=True) (it does not touch x.grad), or clear x.grad "
    "between the two backward calls."
)
GENERIC_HINT = (
    "H v is the gradient of the scalar g . v, where g = df/dx: g = torch.autograd.grad(f(x), x, "
    "create_graph=True)[0], then torch.autograd.grad(g @ v, x)[0]."
)


def draw(rng: torch.Generator, harness, kind: str, n: int, dtype: torch.dtype) -> dict:
    """A case: f's spec, x and v (v random, never ones); redrawn while ill-conditioned."""
    for _ in range(20):
        def normal(*shape):
            return torch.randn(*shape, generator=rng, dtype=torch.float64)

        if kind == "cubic_quadratic":
            spec = {"kind": kind, "c": [round(c, 3) for c in normal(n).tolist()],
                    "A": [[round(a, 3) for a in row] for row in normal(n, n).tolist()]}
        else:
            spec = {"kind": kind}
        case = {"f": spec, "x": normal(n).to(dtype), "v": normal(n).to(dtype)}
        right, right32 = reference(harness, case, torch.float64), reference(harness, case, torch.float32)
        scale = right.abs().max().item()
        if scale > 0 and (right32.double() - right).abs().max().item() / scale <= MAX_CONDITION:
            return case
    raise RuntimeError("exercise11: no well-conditioned case in 20 draws")


def reference(harness, case: dict, dtype: torch.dtype) -> torch.Tensor:
    """H v by torch.autograd.functional.hvp, in ``dtype``, on the case's exact x and v."""
    f = harness.make_function(case["f"])
    return torch.autograd.functional.hvp(f, case["x"].to(dtype), case["v"].to(dtype))[1]


def gradient(harness, case: dict, dtype: torch.dtype) -> torch.Tensor:
    """df/dx by torch.autograd, in ``dtype``."""
    x = case["x"].detach().to(dtype).requires_grad_()
    return torch.autograd.grad(harness.make_function(case["f"])(x), x)[0]


def check(student, harness, case: dict, label: str) -> None:
    """Call the student's hvp on the case; fail with a diagnosis unless H v is right."""
    try:
        got = student.call("hvp", **case)
    except StudentCallFailed as failure:
        if NO_GRAPH in failure.message:
            failure.hint = CREATE_GRAPH_HINT
        raise
    require_intact(isinstance(got, dict) and isinstance(got.get("hv"), torch.Tensor), "hvp's answer")
    hv = got["hv"]
    right, right32 = reference(harness, case, torch.float64), reference(harness, case, torch.float32)
    policy = policy_for(case["x"], case["v"], hv)
    verdict = compare(hv, right, policy, right32)
    if verdict.passed:
        return
    fail(f"{label}: " + verdict.describe("H v"), hint=diagnose(harness, case, hv, right, right32, policy, verdict),
         **verdict.details())


def diagnose(harness, case: dict, hv, right, right32, policy, verdict) -> str:
    if verdict.reason == "nonfinite":
        return NONFINITE_HINT
    plus = right + gradient(harness, case, torch.float64)
    plus32 = right32 + gradient(harness, case, torch.float32)
    if compare(hv, plus, policy, plus32).passed:
        return PLUS_GRADIENT_HINT
    return GENERIC_HINT
