"""exercise5's trusted test support, the public part: cases, references, hints and the check.

Runs in the grader's trusted process only. A student release ships it (the public check needs
it), so it holds nothing the solution follows from: the known-bug mutant (a chain rule by hand
with sigma' taken at z) and the hidden cases are in ``hidden/instructor.py``, which the checks
pass in as ``instructor`` (None in a student's checkout, where a wrong answer gets the
scalar-factor hints and the chain-rule hint).

The reference is torch.autograd in float64 on exactly the x, t, w and b the student received;
a float32 run of the same measures how ill-conditioned the case is. The answers are Python
floats, so they are held to the float32 policy whatever the inputs' dtype (a float may have been
computed in float32). One check per case: both gradients must be right.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks.compare import MAX_CONDITION
from grader.checks.diagnose import Relation, Vocabulary, diagnose_gradients
from grader.checks.failures import require_intact
from grader.checks.gradients import check_gradient

NAMES = ("w", "b")

SIGN_HINT = (
    "Both gradients have the opposite sign: L = mean((a - t)**2), so dL/da_i = 2 * (a_i - t_i) / N, "
    "not 2 * (t_i - a_i) / N. Return the gradient itself, not the descent direction."
)
SUM_HINT = (
    "Both gradients are N times too large: L is the mean over the N samples, so "
    "dL/da_i = 2 * (a_i - t_i) / N; you differentiated the sum."
)
CHAIN_RULE_HINT = (
    "Check the chain rule from the loss back: dL/da_i = 2 (a_i - t_i) / N, da_i/dz_i = "
    "a_i (1 - a_i) with a_i = sigmoid(z_i), dz_i/dw = x_i, dz_i/db = 1; then sum over the samples."
)
SIGMA_AT_Z_HINT = (
    "sigma'(z) is a * (1 - a) with a = sigmoid(z), the neuron's output: you computed z * (1 - z), "
    "the formula applied to the pre-activation. Use the activation: da_i/dz_i = a_i * (1 - a_i)."
)


@dataclass(eq=False)
class Case:
    """One case's inputs, exactly as the student receives them; ``cache`` keeps what the trusted
    side computes from them (references, mutants) for as long as the case lives: one submission."""

    label: str
    x: torch.Tensor
    t: torch.Tensor
    w: float
    b: float
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def args(self) -> dict:
        return {"x": self.x, "t": self.t, "w": self.w, "b": self.b}


def draw(rng: torch.Generator, n: int, dtype: torch.dtype = torch.float64) -> Case:
    """A case of n samples; redrawn (deterministically, from the same generator) while ill-conditioned."""
    def uniform(low, high, *shape):
        return low + (high - low) * torch.rand(shape, generator=rng, dtype=torch.float64)

    for _ in range(20):
        case = Case(f"N={n}, {str(dtype).removeprefix('torch.')}", (1.5 * torch.randn(n, generator=rng,
                    dtype=torch.float64)).to(dtype), uniform(0.0, 1.0, n).to(dtype),
                    round(uniform(-2.0, 2.0).item(), 3), round(uniform(-1.0, 1.0).item(), 3))
        right, right32 = reference(case), reference(case, torch.float32)
        scale = max(r.abs().item() for r in right.values())
        error = max((right32[k].double() - right[k]).abs().item() for k in NAMES)
        if scale > 0 and error / scale <= MAX_CONDITION:
            return case
    raise RuntimeError("exercise5: no well-conditioned case in 20 draws; change the case's size")


def reference(case: Case, dtype: torch.dtype = torch.float64) -> dict:
    """{"w": dL/dw, "b": dL/db} by torch.autograd, in ``dtype``, on the case's exact values."""
    def compute():
        w = torch.tensor(case.w, dtype=dtype, requires_grad=True)
        b = torch.tensor(case.b, dtype=dtype, requires_grad=True)
        with torch.enable_grad():
            a = torch.sigmoid(w * case.x.to(dtype) + b)
            loss = ((a - case.t.to(dtype)) ** 2).mean()
            return dict(zip(NAMES, torch.autograd.grad(loss, (w, b))))

    return case.memo(("reference", dtype), compute)


def relations(n: int) -> list[Relation]:
    """Scalar factors between a wrong answer and the right one, and what each one means."""
    return [Relation(-1.0, SIGN_HINT)] + ([Relation(float(n), SUM_HINT)] if n > 1 else [])


def check(student, case: Case, instructor=None) -> None:
    """Fail unless the student's (dL/dw, dL/db) for ``case`` are both right, with a diagnosis."""
    got = student.call("neuron_grads", **case.args())
    require_intact(isinstance(got, dict) and all(type(got.get(k)) is float for k in ("dw", "db")),
                   "neuron_grads's answers")
    answers = {"w": torch.tensor(got["dw"], dtype=torch.float64), "b": torch.tensor(got["db"], dtype=torch.float64)}
    vocabulary = Vocabulary(
        from_loss=list(NAMES), relations=relations(case.x.shape[0]), generic=CHAIN_RULE_HINT,
        mutants=instructor.mutants(case) if instructor else [], whole=len(instructor.MUTANTS) if instructor else 0,
    )

    def diagnosis(got, right, right32, verdicts, policy, name):
        return diagnose_gradients(got, right, right32, verdicts, policy, name, vocabulary)

    # The answers came back as Python floats: listing them with the inputs picks the float32 policy.
    for name in NAMES:
        check_gradient(student, answers, reference(case), reference(case, torch.float32), name, case.label,
                       [case.x, got["dw"], got["db"]], diagnosis, first=NAMES[0])
