"""exercise1's trusted test support: draw cases, compute references, diagnose wrong answers.

Runs in the grader's trusted process only. The reference is torch.autograd in float64 on exactly
the x0 the student received; a float32 run of the same measures how ill-conditioned the case is.
"""

import math

import torch

from grader.checks.compare import FLOAT32, compare
from grader.checks.diagnose import NONFINITE_HINT
from grader.checks.failures import fail, require_intact

REPEAT_HINT = (
    "Your answers grow from one call to the next: the gradient accumulates in .grad of a tensor "
    "you reuse across calls. Create a fresh leaf tensor inside dydx on every call (or zero its "
    ".grad before backward())."
)
TENSOR_NOTE = (
    "note: dydx returned a tensor where the statement asks for a Python float; it was accepted "
    "(no points deducted), but return x.grad.item()"
)
VALUE_HINT = (
    "You returned f(x0), the value of the function, not its derivative. After y = f(x) and "
    "y.backward(), the derivative is in x.grad."
)


def uniform(rng: torch.Generator, low: float, high: float) -> float:
    """A number drawn from [low, high), rounded to 3 decimals so the case reads well."""
    return round(low + (high - low) * torch.rand((), generator=rng, dtype=torch.float64).item(), 3)


def polynomial(rng: torch.Generator, degree: int = 3) -> dict:
    coeffs = [uniform(rng, -2, 2) for _ in range(degree + 1)]
    coeffs[0] = coeffs[0] if abs(coeffs[0]) > 0.2 else 1.0  # keep the leading term
    return {"kind": "poly", "coeffs": coeffs}


def derivative(harness, spec: dict, x0, dtype: torch.dtype) -> tuple[float, float]:
    """(f'(x0), f(x0)) by autograd, in ``dtype``."""
    x = torch.tensor(float(x0), dtype=dtype, requires_grad=True)
    y = harness.make_function(spec)(x)
    (grad,) = torch.autograd.grad(y, x)
    return grad.item(), y.item()


def check(student, harness, spec: dict, x0, repeats: int = 1) -> None:
    """Call the student's dydx on (f, x0) and fail with a diagnosis unless every answer is right."""
    result = student.call("dydx", f=spec, x0=x0, repeats=repeats)
    answers = result.get("answers") if isinstance(result, dict) else None
    kinds = result.get("kinds") if isinstance(result, dict) else None
    # The harness always sends `repeats` floats and their kinds: anything else was forged by the child.
    require_intact(isinstance(answers, list) and len(answers) == repeats
                   and all(type(a) is float for a in answers) and isinstance(kinds, list),
                   "dydx's answers", f" ({repeats} expected)")
    if "tensor" in kinds:
        student.flag(TENSOR_NOTE, brief=TENSOR_NOTE)
    r64, value = derivative(harness, spec, x0, torch.float64)
    r32, _ = derivative(harness, spec, x0, torch.float32)
    reference, reference32 = torch.tensor(r64, dtype=torch.float64), torch.tensor(r32)
    verdicts = [compare(a, reference, FLOAT32, reference32) for a in answers]
    if all(v.passed for v in verdicts):
        return
    first_bad = next(i for i, v in enumerate(verdicts) if not v.passed)
    verdict = verdicts[first_bad]
    call = f" on call {first_bad + 1} of {repeats}" if repeats > 1 else ""
    message = f"dydx(f, x0={x0!r}){call}: " + verdict.describe("the derivative")
    fail(message, hint=diagnose(answers, reference, reference32, value), **verdict.details())


def diagnose(answers: list[float], reference, reference32, value: float) -> str | None:
    """Name the classic mistake a wrong list of answers shows, or None."""
    def close(a, b):
        return compare(a, torch.tensor(float(b), dtype=torch.float64), FLOAT32, None).passed

    right = reference.item()
    if not all(math.isfinite(a) for a in answers):
        return NONFINITE_HINT
    if len(answers) > 1 and not close(value, right) and all(
        close(a, (i + 1) * right) for i, a in enumerate(answers)
    ):
        return REPEAT_HINT
    if len(answers) > 1 and all(close(b - a, right) for a, b in zip(answers, answers[1:])):
        return REPEAT_HINT
    if not close(value, right) and all(close(a, value) for a in answers):
        return VALUE_HINT
    return None
