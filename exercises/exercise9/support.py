"""exercise9's trusted test support: draw cases, check the accumulated gradients and micro-batches.

Runs in the grader's trusted process only. The reference is torch.autograd in float64 on the
full-batch loss ``mse_loss(model(x), y)`` at exactly the parameters the student's model held
(and in float32, to measure the case's conditioning). Each case has two checks sharing one
sandboxed call: the gradients (most of the case's points: right, with the parameters unchanged)
and the micro-batches (the rest: the harness saw consecutive forward passes of at most
``micro_bs`` samples covering the batch once, and the gradient that flowed back into each pass's
output is the one its share of the full-batch loss gives, verified here; with the right
gradients as a result). The known
bugs' answers (mutants) are the instructor's, in ``hidden/instructor.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from grader.checks.compare import MAX_CONDITION, compare, compare_each, policy_for
from grader.checks.diagnose import Relation, Vocabulary, diagnose_gradients
from grader.checks.failures import fail, require_intact
from grader.checks.memo import Memo

NAMES = ("0.weight", "0.bias", "2.weight", "2.bias")
FROM_LOSS = ("2.bias", "2.weight", "0.bias", "0.weight")
SIZES = (3, 4, 2)  # inputs, hidden units, outputs

STALE_HINT = (
    "Each gradient is the right one plus the stale gradient the parameter held when accumulate was "
    "called: backward() adds to whatever is in .grad. Clear the gradients first "
    "(model.zero_grad()), then accumulate."
)
STEP_HINT = (
    "The parameters changed: accumulate only computes gradients. Don't call an optimizer's "
    "step() or update the parameters; leave that to the caller."
)
UNSCALED_HINT = (
    "Each micro-batch's loss is a mean over its own samples, and you added their gradients "
    "unscaled: the sum is about K times too large (K micro-batches). Weight each micro-batch's "
    "loss by n_k / N (its share of the samples) before backward()."
)
MEAN_OF_CHUNKS_HINT = (
    "You divided each micro-batch's loss by the number of micro-batches K. That is right only when "
    "all micro-batches have the same size; when the last is smaller its samples count for more. "
    "Weight each micro-batch's loss by n_k / N, its share of the samples."
)
LAST_ONLY_HINT = (
    "Only the last micro-batch's gradient is left: the gradients are cleared inside the loop "
    "(zero_grad() before each backward()), so each micro-batch wipes the previous ones. Clear "
    "once, before the loop, and let backward() add them up."
)
FULL_BATCH_HINT = (
    "The gradient is right, but the model ran on more samples at once than micro_bs: the point of "
    "accumulation is that no forward or backward pass holds the whole batch. Loop over "
    "micro-batches x[i:i + micro_bs] and call backward() on each one's weighted loss."
)
VISIT_ONCE_HINT = "Visit each sample once: for start in range(0, N, micro_bs), x[start:start + micro_bs]."
NO_PASS_HINT = "Run the model you were given on each micro-batch and call backward() on its weighted loss."
WEIGHT_HINT = (
    "The gradient that flowed back into a micro-batch's output is not its share of the full-batch "
    "loss: call backward() on mse_loss(model(x_k), y_k) * n_k / N for each micro-batch k, so that "
    "their sum is the full-batch loss."
)
GENERIC_HINT = (
    "The accumulated gradient must equal the full-batch one: dL/dp = sum_k (n_k / N) * dL_k/dp, "
    "with L_k the mean squared error of micro-batch k (n_k samples) and N the batch size."
)


@dataclass(eq=False)
class Case(Memo):
    """One case's inputs as the student's model receives them (its references are memoised on it)."""

    name: str
    label: str
    x: torch.Tensor
    y: torch.Tensor
    params: dict
    stale: dict
    micro_bs: int

    def args(self) -> dict:
        return {"x": self.x, "y": self.y, "params": self.params, "stale": self.stale, "micro_bs": self.micro_bs}

    def chunk_sizes(self) -> list[int]:
        n = self.x.shape[0]
        return [min(self.micro_bs, n - start) for start in range(0, n, self.micro_bs)]


def draw(rng: torch.Generator, name: str, n: int, micro_bs: int, dtype: torch.dtype = torch.float64) -> Case:
    """A case of ``n`` samples; redrawn (deterministically) while ill-conditioned."""
    inputs, hidden, outputs = SIZES
    for _ in range(20):
        def normal(*shape, scale=1.0):
            return (torch.randn(*shape, generator=rng, dtype=torch.float64) * scale).to(dtype)

        params = {"0.weight": normal(hidden, inputs, scale=inputs ** -0.5), "0.bias": normal(hidden, scale=0.5),
                  "2.weight": normal(outputs, hidden, scale=hidden ** -0.5), "2.bias": normal(outputs, scale=0.5)}
        stale = {key: normal(*value.shape) for key, value in params.items()}
        label = f"N={n}, micro_bs={micro_bs}, {str(dtype).removeprefix('torch.')}"
        case = Case(name, label, normal(n, inputs), normal(n, outputs), params, stale, micro_bs)
        right, right32 = reference(case), reference(case, torch.float32)
        scale = max(r.abs().max().item() for r in right.values())
        if scale > 0 and max((right32[k].double() - right[k]).abs().max().item() for k in NAMES) / scale <= MAX_CONDITION:
            return case
    raise RuntimeError("exercise9: no well-conditioned case in 20 draws")


def forward(x: torch.Tensor, params: dict) -> torch.Tensor:
    """The harness's nn.Sequential(Linear, Tanh, Linear), written out."""
    hidden = torch.tanh(x @ params["0.weight"].T + params["0.bias"])
    return hidden @ params["2.weight"].T + params["2.bias"]


def loss_gradients(x: torch.Tensor, y: torch.Tensor, params: dict, dtype: torch.dtype) -> dict:
    """d mse_loss(model(x), y) / d(each parameter), by autograd, in ``dtype``."""
    leaves = {k: v.detach().to(dtype).requires_grad_() for k, v in params.items()}
    with torch.enable_grad():
        loss = torch.nn.functional.mse_loss(forward(x.to(dtype), leaves), y.to(dtype))
        grads = torch.autograd.grad(loss, [leaves[k] for k in NAMES])
    return dict(zip(NAMES, grads))


def reference(case: Case, dtype: torch.dtype = torch.float64) -> dict:
    """The full-batch gradient at the case's parameters."""
    return case.memo(("reference", dtype), lambda: loss_gradients(case.x, case.y, case.params, dtype))


def answer(student, case: Case) -> dict:
    """What accumulate left in the model: one sandboxed call, shared by the case's checks."""
    got = student.call_once(case.name, "accumulate", function="accumulate", **case.args())
    intact = (isinstance(got, dict) and isinstance(got.get("grads"), dict) and isinstance(got.get("params"), dict)
              and set(got["grads"]) == set(NAMES) and set(got["params"]) == set(NAMES)
              and all(g is None or isinstance(g, torch.Tensor) for g in got["grads"].values())
              and all(isinstance(p, torch.Tensor) for p in got["params"].values())
              and isinstance(got.get("forward_sizes"), list) and all(type(s) is int for s in got["forward_sizes"])
              and isinstance(got.get("upstream"), list)
              and all(isinstance(u, dict) and type(u.get("index")) is int and isinstance(u.get("grad"), torch.Tensor)
                      for u in got["upstream"])
              and type(got.get("records")) is int)
    require_intact(intact, "the model's gradients and records")
    return got


def parameters_unchanged(case: Case, got: dict) -> bool:
    return all(got["params"][k].shape == v.shape and torch.equal(got["params"][k], v) for k, v in case.params.items())


def check_gradients(student, case: Case, instructor=None) -> None:
    """Every .grad is the full-batch gradient, and the parameters are as they were."""
    problem = gradient_problem(case, answer(student, case), instructor)
    if problem:
        message, hint, details = problem
        fail(message, hint=hint, **details)


def gradient_problem(case: Case, got: dict, instructor=None) -> tuple[str, str, dict] | None:
    """What is wrong with the gradients accumulate left (message, hint, details), or None."""
    if not parameters_unchanged(case, got):
        return f"{case.label}: the parameters changed during accumulate", STEP_HINT, {}
    grads = {k: v for k, v in got["grads"].items() if v is not None}
    right, right32 = reference(case), reference(case, torch.float32)
    policy = policy_for(case.x, *grads.values())
    verdicts = compare_each(grads, right, policy, right32)
    wrong = next((k for k in FROM_LOSS if not verdicts[k].passed), None)
    if wrong is None:
        return None
    return (f"{case.label}: " + verdicts[wrong].describe(f"{wrong}.grad"),
            diagnose(case, grads, right, right32, verdicts, policy, wrong, instructor), verdicts[wrong].details())


def diagnose(case: Case, grads: dict, right: dict, right32: dict, verdicts: dict, policy, name: str,
             instructor) -> str:
    """Stale gradients kept, then the known bugs (instructor only), a scalar factor, the generic hint."""
    if set(grads) == set(NAMES):
        fresh = {k: grads[k].to(torch.float64) - case.stale[k].to(torch.float64) for k in NAMES}
        if all(compare(fresh[k], right[k], policy, right32[k]).passed for k in NAMES):
            return STALE_HINT
    count = len(case.chunk_sizes())
    vocabulary = Vocabulary(
        from_loss=list(FROM_LOSS), relations=[Relation(float(count), UNSCALED_HINT)] if count > 1 else [],
        generic=GENERIC_HINT, mutants=instructor.mutants(case) if instructor else [],
        whole=len(instructor.MUTANTS) if instructor else 0)
    return diagnose_gradients(grads, right, right32, verdicts, policy, name, vocabulary).hint


def check_micro_batches(student, case: Case, instructor=None) -> None:
    """The model ran on consecutive micro-batches of at most micro_bs samples covering the batch
    once, and the gradient that flowed back into each micro-batch's output is the one its share of
    the full-batch loss gives, 2 (model(x_k) - y_k) / (N * outputs); credited only with the right
    gradients in .grad as well."""
    got = answer(student, case)
    problem = gradient_problem(case, got, instructor)
    if problem:
        fail(f"{case.label}: the micro-batches are credited only when they produce the right gradients",
             hint=problem[1])
    sizes, upstream = got["forward_sizes"], got["upstream"]
    if got["records"] != len(sizes) + len(upstream):
        fail(f"{case.label}: far more passes through the model than micro-batches", hint=VISIT_ONCE_HINT)
    if not sizes:
        fail(f"{case.label}: no forward pass through the model was recorded", hint=NO_PASS_HINT)
    if max(sizes) > case.micro_bs:
        fail(f"{case.label}: a forward pass held {max(sizes)} samples, more than micro_bs={case.micro_bs}",
             hint=FULL_BATCH_HINT)
    if sizes != case.chunk_sizes():
        fail(f"{case.label}: the forward passes held {sizes} samples, not consecutive micro-batches "
             f"covering the batch once", hint=VISIT_ONCE_HINT)
    arrived = sorted(u["index"] for u in upstream)
    if arrived != list(range(len(sizes))):
        fail(f"{case.label}: not every micro-batch's output was backpropagated exactly once", hint=NO_PASS_HINT)
    for record in upstream:
        verdict = upstream_verdict(case, record["index"], record["grad"])
        if not verdict.passed:
            fail(f"{case.label}: " + verdict.describe(f"the gradient reaching micro-batch {record['index'] + 1}'s output"),
                 hint=WEIGHT_HINT)


def upstream_verdict(case: Case, index: int, grad: torch.Tensor):
    """Is ``grad`` dL/d(output) of micro-batch ``index`` for the full-batch loss L?"""
    def expected(dtype):
        rows = slice(index * case.micro_bs, index * case.micro_bs + case.chunk_sizes()[index])
        params = {k: v.to(dtype) for k, v in case.params.items()}
        output = forward(case.x[rows].to(dtype), params)
        return 2 * (output - case.y[rows].to(dtype)) / case.y.numel()

    return compare(grad, expected(torch.float64), policy_for(case.x, grad), expected(torch.float32))
