"""exercise6's instructor-only trusted code: the hidden cases and the known-bug mutants.

Runs in the grader's trusted process only, and ships only to the grader (it sits in ``hidden/``,
which a student release leaves out): the mutants are a complete backprop by hand with the bugs
switched off, and the hidden case specifications say what the graded inputs look like. The
public part, ``support.py``, is the global ``support`` here (the plugin provides it); checks get
this module from the ``instructor`` fixture (None in a student's checkout, where the public
checks run without mutants).
"""

from __future__ import annotations

import torch

from grader.checks.diagnose import Mutant

support = globals()["support"]  # provided by the plugin before this module runs

# The hidden cases: (N, D0, H1, H2, D3), dtype, and how they are drawn. In each, every factor of
# the exercise (N, D3, N * D3, D3 / 2, N * D3 / 2, 2, 1/2, -1) differs from 1 and from the others,
# so each names one mistake (at N = 1, D3 = 1 three different bugs give the right answer; at
# D3 = 2 the 1/2 convention over N is right), and H1 != H2, so a product taken with the wrong
# weight fails to multiply. The last one saturates its sigmoids, with a pre-activation below -90,
# where an unstable sigma' overflows.
HIDDEN_CASES = {
    "small": dict(sizes=(5, 4, 3, 6, 3), dtype=torch.float64),
    "float32": dict(sizes=(7, 3, 5, 4, 3), dtype=torch.float32),
    "narrow": dict(sizes=(3, 3, 5, 4, 5), dtype=torch.float64),
    "saturated": dict(sizes=(16, 5, 8, 6, 3), dtype=torch.float32, weight_scale=4.0, saturate=True),
}


def draw_hidden(rng: torch.Generator, name: str):
    """The named hidden case drawn from ``rng`` (``case(name, instructor.draw_hidden, name)``)."""
    return support.draw(rng, name, HIDDEN_CASES)


def backprop(case, bugs: frozenset = frozenset(), dtype: torch.dtype = torch.float64) -> dict:
    """The grader's own backprop by hand, with the named classic bugs switched on (mutants)."""
    x, t = case.x.to(dtype), case.t.to(dtype)
    params = {k: v.to(dtype) for k, v in case.params.items()}
    z1, a1, z2, a2, y = support.forward(x, params)
    n, d_out = y.shape

    def sigma_prime(z, a, layer):
        if "sigma_at_z" in bugs or f"sigma_at_z{layer}" in bugs:
            return z * (1 - z)
        if "sigma_of_a" in bugs or f"sigma_of_a{layer}" in bugs:
            return torch.sigmoid(a) * (1 - torch.sigmoid(a))
        if f"sigma_missing{layer}" in bugs:
            return torch.ones_like(a)
        if "unstable_sigma" in bugs:
            return torch.exp(-z) / (1 + torch.exp(-z)) ** 2
        return a * (1 - a)

    def weight(dz, a_in):
        return a_in.T @ dz if "transposed_dW" in bugs else dz.T @ a_in

    def bias(dz):
        return dz if "bias_not_summed" in bugs else dz.sum(0)

    dy = 2 * (y - t) / (n * d_out)
    da2 = dy @ params["W3"]
    dz2 = da2 if "dz2_slip" in bugs else da2 * sigma_prime(z2, a2, 2)  # the slip: sigma' missing in layer 2
    dz1 = (dz2 @ params["W2"]) * sigma_prime(z1, a1, 1)
    return {"W1": weight(dz1, x), "b1": bias(dz1), "W2": weight(dz2, a1), "b2": bias(dz2),
            "W3": weight(dy, a2), "b3": bias(dy)}


# The first WHOLE explain a whole answer, alone or times one of the exercise's factors (real code
# often differs in its reduction too); the sigma'-at-z ones per layer serve the diagnosis of a
# single tensor when several bugs mix.
MUTANTS = [
    ("dz2_slip", support.DZ2_SLIP_HINT),
    ("sigma_at_z", support.SIGMA_AT_Z_HINT),
    ("bias_not_summed", support.BIAS_NOT_SUMMED_HINT),
    ("transposed_dW", support.TRANSPOSED_HINT),
    ("sigma_of_a", support.SIGMA_OF_A_HINT),
    ("sigma_of_a2", support.SIGMA_OF_A_HINT),
    ("sigma_of_a1", support.SIGMA_OF_A_HINT),
    ("sigma_missing1", support.SIGMA_MISSING1_HINT),
    ("sigma_at_z2", support.SIGMA_AT_Z_HINT),
    ("sigma_at_z1", support.SIGMA_AT_Z_HINT),
]
WHOLE = 8


def mutants(case) -> list[Mutant]:
    """The known bugs' answers on ``case`` (float64 and float32), kept on the case."""
    return case.memo("mutants", lambda: [
        Mutant(name, hint, backprop(case, frozenset({name})), backprop(case, frozenset({name}), torch.float32))
        for name, hint in MUTANTS])
