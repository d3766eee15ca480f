"""exercise2's trusted test support: draw cases, compute v^T J with autograd, diagnose, note.

Runs in the grader's trusted process only. The reference is torch.autograd in float64 on exactly
the x and v the student received; a float32 run of the same measures how ill-conditioned the
case is. The known bugs are modelled here, not in ``hidden/instructor.py``: in an exercise that
asks for autograd the reference already is the solution, so the bug models (v ignored, v
multiplied in afterwards, J v, answers accumulated over calls) give nothing away, and a
student's own run gets their hints too.
"""

from __future__ import annotations

import torch

from grader.checks.compare import FLOAT64, MAX_CONDITION, compare, policy_for
from grader.checks.diagnose import NONFINITE_HINT, Mutant, matching_mutant
from grader.checks.failures import StudentCallFailed, fail, require_intact

IGNORED_V_HINT = (
    "Your answer does not depend on v: it is the gradient of y.sum(), which is v^T J for v = all "
    "ones. Pass v itself: y.backward(gradient=v) (or torch.autograd.grad(y, x, grad_outputs=v))."
)
INTO_BACKWARD = "v belongs in the backward pass: y.backward(gradient=v) gives v^T J, shaped like x."
MULTIPLIED_AFTER_HINT = (
    "You multiplied by v after the backward pass: (gradient of y.sum()) * v. v weights the "
    "outputs y_i before the chain rule sums over them, (v^T J)_j = sum_i v_i dy_i/dx_j: "
    + INTO_BACKWARD
)
JV_HINT = (
    "Your answer is J v, the Jacobian times v (a forward-mode product), not v^T J. They differ "
    "whenever J is not symmetric: v multiplies the outputs, (v^T J)_j = sum_i v_i dy_i/dx_j. "
    + INTO_BACKWARD
)
SHAPE_ERROR_HINT = (
    "v has y's shape, which need not be x's (y = A @ x with A of shape (3, 5) has 3 elements, "
    "x has 5): a product that needs v shaped like x, such as J v or a gradient multiplied by v "
    "afterwards, cannot work there. "
    + INTO_BACKWARD
)
SHAPE_ERRORS = ("must match the size of tensor", "v has invalid size", "shapes cannot be multiplied")
ACCUMULATED_HINT = (
    "Your answers grow from one call to the next: the second is the first plus the right one. "
    "backward() adds into .grad, and your leaf's .grad survived between calls (setting "
    "requires_grad on the caller's x makes that x your leaf). Make a fresh leaf on every call: "
    "leaf = x.detach().requires_grad_()."
)
SHAPE_HINT = (
    "v^T J has one entry per element of x, so it has x's shape (y and v have y's shape). Return "
    "the leaf's .grad after y.backward(gradient=v)."
)
CHANGED_X_NOTE = (
    "vjp changed the caller's x ({what}); it was not penalised, but a function should leave its "
    "inputs as it found them: make the leaf with x.detach().requires_grad_() (or x.clone())"
)
CHANGED_X_BRIEF = "vjp changed the caller's x (not penalised)"


def normal(rng: torch.Generator, *shape: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=rng, dtype=torch.float64) * scale


def vector(rng: torch.Generator, *shape: int) -> torch.Tensor:
    """A random v: signs and sizes that differ from element to element (never all ones)."""
    return normal(rng, *shape) + 0.5


def draw(rng: torch.Generator, harness, kind: str, n: int = 5, m: int = 3, calls: int = 1) -> dict:
    """A case: f's spec, x, the vs of the calls made in a row on that x, and a label; redrawn
    (deterministically, from the same generator) while ill-conditioned."""
    for _ in range(20):
        case = draw_once(rng, kind, n, m, calls)
        if all(condition(harness, case, v) <= MAX_CONDITION for v in case["vs"]):
            return case
    raise RuntimeError("exercise2: no well-conditioned case in 20 draws; change the case's sizes")


def condition(harness, case: dict, v: torch.Tensor) -> float:
    """max|r32 - r| / max|r| of v^T J: how far float32 alone strays on this case."""
    right = products(harness, case["spec"], case["x"], v, torch.float64)["right"]
    right32 = products(harness, case["spec"], case["x"], v, torch.float32)["right"]
    return (right32.double() - right).abs().max().item() / right.abs().max().item()


def draw_once(rng: torch.Generator, kind: str, n: int, m: int, calls: int) -> dict:
    if kind == "sin":
        spec, x, out = {"kind": "sin"}, normal(rng, n, scale=1.5), (n,)
        label = f"elementwise sin, x of {n} elements"
    elif kind == "cumsum":
        spec, x, out = {"kind": "cumsum"}, normal(rng, n), (n,)
        label = f"1.5 * cumsum(x), x of {n} elements"
    elif kind == "matmul":
        spec, x, out = {"kind": "matmul", "A": normal(rng, m, n)}, normal(rng, n), (m,)
        label = f"A @ x with A of shape ({m}, {n})"
    elif kind == "tanh_matmul":
        spec, x, out = {"kind": "tanh_matmul", "B": normal(rng, n, m, scale=0.5)}, normal(rng, 4, n), (4, m)
        label = f"tanh(x @ B), x of shape (4, {n}), B of shape ({n}, {m})"
    else:
        raise ValueError(f"unknown case kind {kind!r}")
    if calls > 1:
        label += f", {calls} calls in a row on the same x"
    return {"spec": spec, "x": x, "vs": [vector(rng, *out) for _ in range(calls)], "label": label}


def products(harness, spec: dict, x: torch.Tensor, v: torch.Tensor, dtype: torch.dtype) -> dict:
    """v^T J and the bug models' answers, by autograd in ``dtype`` on the case's exact values.

    Every product is the gradient of a scalar: v^T J is that of sum(v * y), and J v is that of
    sum(v * (u^T J)) with respect to u. A tensor passed as a gradient would make torch import its
    symbolic-shapes module in this process, a second's wait on a loaded machine.
    """
    leaf = x.detach().to(dtype).requires_grad_()
    v = v.to(dtype)
    with torch.enable_grad():
        y = harness.make_function(spec)(leaf)
        (right,) = torch.autograd.grad((v * y).sum(), leaf, retain_graph=True)
        (ones,) = torch.autograd.grad(y.sum(), leaf, retain_graph=True)
        found = {"right": right, "ignored_v": ones}
        if v.shape == x.shape:  # J v and (J^T 1) * v exist only where v is shaped like x
            found["multiplied_after"] = ones * v
            u = torch.zeros_like(y, requires_grad=True)
            (u_j,) = torch.autograd.grad((u * y).sum(), leaf, create_graph=True)
            (found["jv"],) = torch.autograd.grad((u_j * v).sum(), u)
    return found


BUGS = [("ignored_v", IGNORED_V_HINT), ("multiplied_after", MULTIPLIED_AFTER_HINT), ("jv", JV_HINT)]


def check(student, harness, case: dict) -> None:
    """Call the student's vjp on the case's calls; fail with a diagnosis unless every answer is right."""
    x, vs = case["x"], case["vs"]
    try:
        result = student.call("vjp", f=case["spec"], x=x, vs=vs)
    except StudentCallFailed as failure:
        if failure.hint is None and vs[0].shape != x.shape and any(e in failure.message for e in SHAPE_ERRORS):
            failure.hint = SHAPE_ERROR_HINT
        raise
    answers = result.get("answers") if isinstance(result, dict) else None
    # The harness always sends one tensor per v and what became of x: anything else was forged.
    require_intact(isinstance(answers, list) and len(answers) == len(vs)
                   and all(isinstance(a, torch.Tensor) for a in answers)
                   and isinstance(result.get("x_after"), torch.Tensor)
                   and all(type(result.get(k)) is bool for k in ("x_requires_grad", "x_has_grad")),
                   "vjp's answers", f" ({len(vs)} expected)")
    note_changed_x(student, x, result)
    found = [products(harness, case["spec"], x, v, torch.float64) for v in vs]
    found32 = [products(harness, case["spec"], x, v, torch.float32) for v in vs]
    for call, (answer, models, models32) in enumerate(zip(answers, found, found32)):
        policy = policy_for(x, answer)
        verdict = compare(answer, models["right"], policy, models32["right"])
        if verdict.passed:
            continue
        where = f" on call {call + 1} of {len(vs)}" if len(vs) > 1 else ""
        message = f"{case['label']}{where}: " + verdict.describe("v^T J")
        if verdict.reason == "shape":
            message += f" ({tuple(answer.shape)}, expected {tuple(x.shape)})"
        fail(message, hint=diagnose(answers[: call + 1], found, found32, verdict, policy), **verdict.details())


def diagnose(answers: list, found: list, found32: list, verdict, policy) -> str | None:
    """Name the bug the latest of ``answers`` shows (earlier ones were right), or None."""
    answer, models, models32 = answers[-1], found[len(answers) - 1], found32[len(answers) - 1]
    if verdict.reason == "shape":
        return SHAPE_HINT
    if verdict.reason == "nonfinite":
        return NONFINITE_HINT
    if len(answers) > 1:
        total = sum(f["right"] for f in found[: len(answers)])
        total32 = sum(f["right"] for f in found32[: len(answers)])
        if compare(answer, total, policy, total32).passed:
            return ACCUMULATED_HINT
    mutants = [Mutant(name, hint, {"vjp": models[name]}, {"vjp": models32[name]})
               for name, hint in BUGS if name in models]
    mutant = matching_mutant({"vjp": answer}, {"vjp": models["right"]}, mutants, policy)
    return mutant.hint if mutant else None


def note_changed_x(student, sent: torch.Tensor, result: dict) -> None:
    """Flag (for the student and a reviewer, no deduction) a vjp that changed the caller's x.

    The values are judged here against what was sent; requires_grad and .grad are the child's
    reading, which only ever adds or withholds this note.
    """
    changed = []
    after = result["x_after"]
    if after.shape != sent.shape or after.dtype != sent.dtype or not compare(after, sent, FLOAT64).passed:
        changed.append("its values")
    if result["x_requires_grad"]:
        changed.append("it now requires grad")
    if result["x_has_grad"]:
        changed.append("it has a .grad")
    if changed:
        student.flag(CHANGED_X_NOTE.format(what=", ".join(changed)), brief=CHANGED_X_BRIEF)
