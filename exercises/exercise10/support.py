"""exercise10's trusted test support: choose inputs and grad_outputs, check forward values and VJPs.

Runs in the grader's trusted process only. The child reports what the student's Functions did
(outputs, whether the output's grad_fn is the Function's own node, the gradients its backward
returned for each grad_output chosen here); this module judges them. The reference is torch's
own sigmoid and linear map in float64, and their vector-Jacobian products by torch.autograd,
on exactly the values sent; the tolerance is the catalogue's for a Function (``GRADCHECK``:
``|g - r| <= 1e-7 + 1e-6 |r|``). A backward's gradient that is broadcastable to its input (an
(N, out) bias gradient) is summed to the input's shape first, as the engine does. The known-bug
mutants are the instructor's, in ``hidden/instructor.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from grader.checks.compare import GRADCHECK, compare, compare_each
from grader.checks.diagnose import Relation, Vocabulary, diagnose_gradients
from grader.checks.failures import fail, require_intact
from grader.checks.memo import Memo

INPUTS = {"MySigmoid": ("x",), "MyLinear": ("x", "W", "b")}
FROM_OUTPUT = {"MySigmoid": ("x",), "MyLinear": ("b", "W", "x")}
PROBES = 3  # grad_outputs per case
SCALE = 3.0
EXTREMES = (-800.0, -40.0, 0.0, 40.0, 800.0)

NOT_OWN_HINT = (
    "The output's grad_fn is not {function}'s own backward node, so autograd would never call your "
    "backward: {function}.apply must be the Function's own (don't assign apply = torch.sigmoid or "
    "return a tensor from another graph), and forward must compute the result itself, with "
    "tensor operations, inside forward."
)
OVERFLOW_HINT = (
    "sigmoid(x) came back NaN or Inf for a very large |x|: exp(x) overflows to inf beyond x = 709 "
    "(float64), and exp(x) / (1 + exp(x)) is then inf / inf. Use a form that never divides "
    "infinities: 1 / (1 + exp(-x)), or torch.sigmoid(x)."
)
COUNT_HINT = (
    "backward must return one gradient per input of forward, in forward's order: {count} for "
    "{function} ({names}), even for an input that needs none (return None there)."
)
TRANSPOSED_HINT = (
    "dL/dW is transposed: W has nn.Linear's layout (out, in), so dL/dW = grad_output.T @ x, "
    "shape (out, in), not x.T @ grad_output."
)
BIAS_AVERAGED_HINT = (
    "dL/db is N times too small: every sample adds the same b, so its gradient is the *sum* over "
    "the batch, grad_output.sum(dim=0), not the mean."
)
GENERIC_FORWARD = "forward must return the Function's value: sigmoid(x) = 1 / (1 + exp(-x)); x @ W.T + b."
GENERIC_HINTS = {
    "MySigmoid": "dL/dx = grad_output * y * (1 - y), with y = sigmoid(x) saved in forward.",
    "MyLinear": "With G = grad_output: dL/dx = G @ W, dL/dW = G.T @ x, dL/db = G.sum(dim=0).",
}


@dataclass(eq=False)
class Case(Memo):
    """A Function's inputs and the grad_outputs sent to its backward (references memoised on it)."""

    name: str
    function: str
    label: str
    inputs: list
    grad_outputs: list

    @property
    def names(self) -> tuple[str, ...]:
        return INPUTS[self.function]


def torch_function(function: str):
    """torch's own version of a Function, the reference."""
    return torch.sigmoid if function == "MySigmoid" else lambda x, w, b: x @ w.T + b


def draw(rng: torch.Generator, name: str, function: str, n: int, inputs: int, outputs: int = 0,
         probes: int = PROBES) -> Case:
    """A float64 case at scale 3: MySigmoid on (n, inputs), MyLinear from ``inputs`` to ``outputs``
    units, with ``probes`` grad_outputs (none: a forward-only case)."""
    def normal(*shape):
        return SCALE * torch.randn(*shape, generator=rng, dtype=torch.float64)

    if function == "MySigmoid":
        values, out_shape = [normal(n, inputs)], (n, inputs)
        label = f"MySigmoid on ({n}, {inputs})"
    else:
        values, out_shape = [normal(n, inputs), normal(outputs, inputs), normal(outputs)], (n, outputs)
        label = f"MyLinear: N={n}, {inputs} -> {outputs}"
    return Case(name, function, label, values, [normal(*out_shape) for _ in range(probes)])


def extremes(rng: torch.Generator, name: str) -> Case:
    """MySigmoid at inputs far into both tails, among ordinary ones (forward only)."""
    ordinary = SCALE * torch.randn(len(EXTREMES), generator=rng, dtype=torch.float64)
    x = torch.stack([torch.tensor(EXTREMES, dtype=torch.float64), ordinary])
    return Case(name, "MySigmoid", "MySigmoid at x = +-800 and +-40", [x], [])


def reference(case: Case) -> tuple[torch.Tensor, list[dict]]:
    """torch's output, and each probe's VJP {input name: gradient}, by autograd in float64."""
    def compute():
        leaves = [t.detach().clone().requires_grad_() for t in case.inputs]
        with torch.enable_grad():
            output = torch_function(case.function)(*leaves)
            vjps = [dict(zip(case.names, torch.autograd.grad(output, leaves, g, retain_graph=True)))
                    for g in case.grad_outputs]
        return output.detach(), vjps

    return case.memo("reference", compute)


def answer(student, case: Case) -> dict:
    """What the child reports for ``case``: one sandboxed call, shared by the case's checks."""
    got = student.call_once(case.name, "apply", f"{case.function}.apply", which=case.function,
                            inputs=case.inputs, grad_outputs=case.grad_outputs)
    probes = len(case.grad_outputs)
    require_intact(
        isinstance(got, dict) and isinstance(got.get("output"), torch.Tensor) and type(got.get("own_node")) is bool
        and isinstance(got.get("counts"), list) and isinstance(got.get("vjps"), list)
        and len(got["counts"]) == len(got["vjps"]) == (probes if got["own_node"] else 0)
        and all(type(c) is int for c in got["counts"])
        and all(isinstance(v, list) and all(g is None or isinstance(g, torch.Tensor) for g in v) for v in got["vjps"]),
        f"{case.function}'s results")
    return got


def check_forward(student, case: Case) -> None:
    """The Function's output is torch's, finite where torch's is."""
    got = answer(student, case)
    right, _ = reference(case)
    verdict = compare(got["output"], right, GRADCHECK)
    if not verdict.passed:
        hint = OVERFLOW_HINT if verdict.reason == "nonfinite" and case.function == "MySigmoid" else GENERIC_FORWARD
        fail(f"{case.label}: " + verdict.describe(f"{case.function}'s output"), hint=hint, **verdict.details())


def check_backward(student, case: Case, instructor=None) -> None:
    """The output's node is the Function's own, and its backward returns, for every grad_output,
    one gradient per input, each the true vector-Jacobian product."""
    got = answer(student, case)
    function, names = case.function, case.names
    if not got["own_node"]:
        fail(f"{case.label}: the output's grad_fn is not {function}'s own backward node",
             hint=NOT_OWN_HINT.format(function=function))
    _, right = reference(case)
    for probe, (count, grads) in enumerate(zip(got["counts"], got["vjps"])):
        if count != len(names):
            fail(f"{case.label}: backward returned {count} gradients, expected {len(names)}",
                 hint=COUNT_HINT.format(count=len(names), function=function, names=", ".join(names)))
        returned = {name: reduced(g, t) for name, g, t in zip(names, grads, case.inputs) if g is not None}
        verdicts = compare_each(returned, right[probe], GRADCHECK)
        wrong = next((name for name in FROM_OUTPUT[function] if not verdicts[name].passed), None)
        if wrong is None:
            continue
        what = f"the gradient of {wrong}" if wrong in returned else f"the gradient of {wrong} (None)"
        # GRADCHECK has no float32 term: the float64 reference stands in for the float32 one.
        diagnosis = diagnose_gradients(returned, right[probe], right[probe], verdicts, GRADCHECK, wrong,
                                       vocabulary(case, probe, instructor))
        fail(f"{case.label}, grad_output {probe + 1} of {len(got['vjps'])}: " + verdicts[wrong].describe(what),
             hint=diagnosis.hint, **verdicts[wrong].details())


def reduced(grad: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A gradient summed down to its input's shape where it broadcasts to it, as the engine does."""
    if grad.shape != like.shape and grad.dim() >= like.dim():
        try:
            if torch.broadcast_shapes(grad.shape, like.shape) == grad.shape:
                return grad.sum_to_size(like.shape)
        except RuntimeError:
            pass
    return grad


def vocabulary(case: Case, probe: int, instructor=None) -> Vocabulary:
    n = case.inputs[0].shape[0]
    return Vocabulary(
        from_loss=list(FROM_OUTPUT[case.function]),
        relations=[Relation(1.0 / n, BIAS_AVERAGED_HINT)] if case.function == "MyLinear" else [],
        generic=GENERIC_HINTS[case.function],
        mutants=instructor.mutants(case, probe) if instructor else [],
        whole=len(instructor.MUTANTS[case.function]) if instructor else 0,
        transposed=TRANSPOSED_HINT)
