"""exercise10's instructor-only trusted code: the known-bug mutants of the two backwards.

Runs in the grader's trusted process only, and ships only to the grader (a student release
leaves ``hidden/`` out): each mutant is a hand-written backward with one classic bug, evaluated
on the case's inputs and grad_outputs. ``support`` is provided by the plugin.
"""

from __future__ import annotations

import torch

from grader.checks.diagnose import Mutant

support = globals()["support"]  # provided by the plugin before this module runs

IGNORED_HINT = (
    "Your backward ignores grad_output: it returns the local derivative dy/dx (the Jacobian of this "
    "Function alone), not the vector-Jacobian product. Multiply by the gradient that arrives from "
    "above: for MySigmoid, grad_output * y * (1 - y); for MyLinear, grad_output @ W, grad_output.T @ x "
    "and grad_output.sum(dim=0)."
)
SAVED_INPUT_HINT = (
    "sigma'(x) is y * (1 - y) with y = sigmoid(x), the *output*: you computed x * (1 - x) from the "
    "saved input. Save the output in forward (ctx.save_for_backward(y)) and use it, or recompute "
    "y = torch.sigmoid(x) in backward."
)
MUTANTS = {
    "MySigmoid": [("grad_output_ignored", IGNORED_HINT), ("sigma_from_input", SAVED_INPUT_HINT)],
    "MyLinear": [("grad_output_ignored", IGNORED_HINT)],
}


def backward(case, probe: int, bug: str) -> dict:
    """The hand-written backward with ``bug`` switched on, for the case's ``probe``-th grad_output."""
    g = case.grad_outputs[probe]
    if bug == "grad_output_ignored":
        g = torch.ones_like(g)
    if case.function == "MySigmoid":
        (x,) = case.inputs
        y = x if bug == "sigma_from_input" else torch.sigmoid(x)
        return {"x": g * y * (1 - y)}
    x, w, _ = case.inputs
    return {"x": g @ w, "W": g.T @ x, "b": g.sum(dim=0)}


def mutants(case, probe: int) -> list[Mutant]:
    """The known bugs' gradients for ``probe`` (float64: a Function is checked in float64 only)."""
    return case.memo(("mutants", probe), lambda: [
        Mutant(name, hint, values, values)
        for name, hint in MUTANTS[case.function]
        for values in [backward(case, probe, name)]])
