"""exercise5's instructor-only trusted code: the hidden cases and the known-bug mutant.

Runs in the grader's trusted process only, and ships only to the grader (it sits in ``hidden/``,
which a student release leaves out): the mutant is the chain rule by hand with a bug switched on,
the solution but for one factor. ``support`` is a global here (the plugin provides it).
"""

from __future__ import annotations

import torch

from grader.checks.diagnose import Mutant

support = globals()["support"]  # provided by the plugin before this module runs

# The hidden cases: N and dtype. N = 6 and N = 9 tell the mean from the sum (at N = 1 they agree).
HIDDEN_CASES = {
    "six": dict(n=6, dtype=torch.float64),
    "one": dict(n=1, dtype=torch.float64),
    "nine_float32": dict(n=9, dtype=torch.float32),
}


def draw_hidden(rng: torch.Generator, name: str):
    """The named hidden case drawn from ``rng`` (``case(name, instructor.draw_hidden, name)``)."""
    return support.draw(rng, **HIDDEN_CASES[name])


def chain_rule(case, bugs: frozenset = frozenset(), dtype: torch.dtype = torch.float64) -> dict:
    """The grader's own chain rule by hand, with the named classic bugs switched on (mutants)."""
    x, t = case.x.to(dtype), case.t.to(dtype)
    z = case.w * x + case.b
    a = torch.sigmoid(z)
    sigma_prime = z * (1 - z) if "sigma_at_z" in bugs else a * (1 - a)
    dz = 2 * (a - t) / x.shape[0] * sigma_prime
    return {"w": (dz * x).sum(), "b": dz.sum()}


MUTANTS = [("sigma_at_z", support.SIGMA_AT_Z_HINT)]


def mutants(case) -> list[Mutant]:
    """The known bugs' answers on ``case`` (float64 and float32), kept on the case."""
    return case.memo("mutants", lambda: [
        Mutant(name, hint, chain_rule(case, frozenset({name})), chain_rule(case, frozenset({name}), torch.float32))
        for name, hint in MUTANTS])
