"""exercise9's instructor-only trusted code: the known-bug mutants of gradient accumulation.

Runs in the grader's trusted process only, and ships only to the grader (a student release
leaves ``hidden/`` out): each mutant is the accumulation loop with one classic bug, evaluated by
autograd on the case's micro-batches. ``support`` is provided by the plugin.
"""

from __future__ import annotations

import torch

from grader.checks.diagnose import Mutant

support = globals()["support"]  # provided by the plugin before this module runs

MUTANTS = [
    ("mean_of_chunks", support.MEAN_OF_CHUNKS_HINT),
    ("unscaled", support.UNSCALED_HINT),
    ("last_only_weighted", support.LAST_ONLY_HINT),
    ("last_only_over_k", support.LAST_ONLY_HINT),
    ("last_only_unscaled", support.LAST_ONLY_HINT),
]


def accumulated(case, bug: str, dtype: torch.dtype) -> dict:
    """The accumulation loop with ``bug`` switched on, in ``dtype``."""
    n, sizes = case.x.shape[0], case.chunk_sizes()
    chunks = []
    for k, size in enumerate(sizes):
        rows = slice(k * case.micro_bs, k * case.micro_bs + size)
        chunks.append(support.loss_gradients(case.x[rows], case.y[rows], case.params, dtype))
    weights = {"mean_of_chunks": [1 / len(sizes)] * len(sizes), "unscaled": [1.0] * len(sizes),
               "last_only_weighted": [0.0] * (len(sizes) - 1) + [sizes[-1] / n],
               "last_only_over_k": [0.0] * (len(sizes) - 1) + [1 / len(sizes)],
               "last_only_unscaled": [0.0] * (len(sizes) - 1) + [1.0]}[bug]
    return {name: sum(w * chunk[name] for w, chunk in zip(weights, chunks)) for name in support.NAMES}


def mutants(case) -> list[Mutant]:
    """The known bugs' answers on ``case`` (float64 and float32), kept on the case."""
    return case.memo("mutants", lambda: [
        Mutant(name, hint, accumulated(case, name, torch.float64), accumulated(case, name, torch.float32))
        for name, hint in MUTANTS])
