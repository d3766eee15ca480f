"""exercise3's trusted test support: draw cases, recompute the values, judge the child's records.

Runs in the grader's trusted process only. Each case is one sandboxed call shared by four
checks (``student.call_once``): the values (recomputed here, in float64, from the same weights),
then three readings the harness took in the child: the returned tensor has no graph, the
forward ran with grad mode off (the pre-hooks and forward hooks on the model and each of its
Linear layers, exactly one forward), and grad mode is on again after the call. Those readings are records, not proofs: each earns its
points only if the values are right, so no reading is worth anything on its own.
"""

from __future__ import annotations

import torch

from grader.checks.compare import compare, policy_for
from grader.checks.diagnose import NONFINITE_HINT
from grader.checks.failures import fail, require_intact

GRAPH_HINT = (
    "The forward ran with grad mode on, so autograd recorded a graph (and kept every layer's "
    "activations for it) for a backward pass that inference never makes: the output has a "
    "grad_fn. Run the forward under `with torch.no_grad():`."
)
EVAL_ONLY_HINT = (
    "model.eval() is not torch.no_grad(): eval() switches layers such as dropout and batch norm "
    "to their inference behaviour, but autograd still records the graph. Keep eval() if you "
    "like, and run the forward under `with torch.no_grad():`."
)
DETACH_HINT = (
    "The forward ran with grad mode on and you detached its output: the graph was built, with "
    "every activation kept for it, and only then dropped. .detach() hides the graph; "
    "`with torch.no_grad():` around the forward never builds it."
)
LEFT_OFF_HINT = (
    "Grad mode is still off after predict returned: torch.set_grad_enabled(False) switches it "
    "off for the whole thread, so the caller's next training step would record nothing and its "
    "backward() would fail. `with torch.no_grad():` restores the mode it found when the block ends."
)
NO_FORWARD_HINT = (
    "The model's forward did not run exactly once through model(x): call the model itself, once "
    "(model(x) runs its hooks; model.forward(x) or its layers one by one do not)."
)
VALUES_FIRST = (
    "predict must return model(x): the values come first, and this check counts only for the "
    "model's own output."
)
VALUES_WRONG = "{label}: the output is not model(x), so this check cannot count (see the values check)"


def draw(rng: torch.Generator, sizes: tuple[int, ...], n: int) -> dict:
    """An MLP with layer sizes ``sizes`` (tanh between its Linear layers) and an input of n rows."""
    def normal(*shape, scale=1.0):
        return torch.randn(*shape, generator=rng, dtype=torch.float64) * scale

    layers = [{"W": normal(out, inp, scale=inp ** -0.5), "b": normal(out, scale=0.3)}
              for inp, out in zip(sizes, sizes[1:])]
    label = f"an MLP {'-'.join(map(str, sizes))} on {n} inputs"
    return {"layers": layers, "x": normal(n, sizes[0]), "label": label, "name": label}


def reference(harness, case: dict, dtype: torch.dtype) -> torch.Tensor:
    layers = [{k: v.to(dtype) for k, v in layer.items()} for layer in case["layers"]]
    with torch.no_grad():
        return harness.build_model(layers)(case["x"].to(dtype))


def answer(student, case: dict) -> dict:
    """The child's records for ``case``: one sandboxed call, shared by the case's four checks."""
    got = student.call_once(case["name"], "predict", layers=case["layers"], x=case["x"])
    lists = ("forward_grad_modes", "forward_graphs")
    require_intact(isinstance(got, dict) and isinstance(got.get("output"), torch.Tensor)
                   and all(type(got.get(k)) is bool for k in ("output_has_graph", "grad_mode_after", "training"))
                   and all(isinstance(got.get(k), list) and all(type(b) is bool for b in got[k]) for k in lists),
                   "predict's output and the model's records")
    return got


def values_verdict(harness, case: dict, got: dict):
    output = got["output"]
    return compare(output, reference(harness, case, torch.float64), policy_for(case["x"], output),
                   reference(harness, case, torch.float32))


def check_values(student, harness, case: dict) -> None:
    """predict's output is model(x)."""
    verdict = values_verdict(harness, case, answer(student, case))
    if not verdict.passed:
        hint = NONFINITE_HINT if verdict.reason == "nonfinite" else VALUES_FIRST
        fail(f"{case['label']}: " + verdict.describe("the output"), hint=hint, **verdict.details())


def require_values(student, harness, case: dict) -> dict:
    got = answer(student, case)
    if not values_verdict(harness, case, got).passed:
        fail(VALUES_WRONG.format(label=case["label"]), hint=VALUES_FIRST)
    return got


def graph_hint(got: dict) -> str:
    return GRAPH_HINT if got["training"] else EVAL_ONLY_HINT


def check_no_graph(student, harness, case: dict) -> None:
    """The returned tensor has no grad_fn and does not require grad."""
    got = require_values(student, harness, case)
    if got["output_has_graph"]:
        fail(f"{case['label']}: the output has a grad_fn (a graph was recorded)", hint=graph_hint(got))


def check_forward_without_grad(student, harness, case: dict) -> None:
    """The model ran once, with grad mode off in it and in each of its layers, and no output had a graph."""
    got = require_values(student, harness, case)
    modes, graphs = got["forward_grad_modes"], got["forward_graphs"]
    probed = 1 + len(case["layers"])  # the model and each Linear layer: one reading each per forward
    if len(modes) != probed or len(graphs) != probed:
        runs = f"{len(modes) / probed:g} times" if len(modes) % probed == 0 else "only in part"
        fail(f"{case['label']}: the model's forward ran {runs} through model(x), expected once",
             hint=NO_FORWARD_HINT)
    if any(modes) or any(graphs):
        hint = DETACH_HINT if not got["output_has_graph"] else graph_hint(got)
        fail(f"{case['label']}: grad mode was on while the model's forward ran", hint=hint)


def check_grad_mode_restored(student, harness, case: dict) -> None:
    """Grad mode is on again (as the caller had it) once predict returns."""
    got = require_values(student, harness, case)
    if not got["grad_mode_after"]:
        fail(f"{case['label']}: grad mode was still off after predict returned", hint=LEFT_OFF_HINT)
