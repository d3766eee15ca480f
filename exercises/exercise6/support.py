"""exercise6's trusted test support, the public part: cases, references, hints and the diagnosis.

Runs in the grader's trusted process only. A student release ships it (the public checks need it),
so it holds nothing the solution follows from: the known-bug mutants (a backprop by hand) and the
hidden cases are in ``hidden/instructor.py``, which the checks pass in as ``instructor`` (None in
a student's checkout: there a wrong answer gets the relation hints, not the mutants').

A case is drawn from the test's seeded generator; the reference is torch.autograd in float64 on exactly the values the student received, and a float32
run of the same measures how ill-conditioned the case is. Each parameter's gradient is its own
check (one point per parameter per case); the student's function is called once per case and
the answer is shared by that case's six checks (``student.call_once``); a case is drawn once per
submission by the ``case`` fixture, and its references and mutants are kept on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks.compare import MAX_CONDITION
from grader.checks.diagnose import NONFINITE_HINT, Relation, Vocabulary, diagnose_gradients
from grader.checks.failures import require_intact
from grader.checks.gradients import check_gradient

PARAMETERS = ("W1", "b1", "W2", "b2", "W3", "b3")
FROM_LOSS = ("b3", "W3", "b2", "W2", "b1", "W1")  # the order backprop reaches them
SATURATED_PREACTIVATION = -95.0  # exp(-z) overflows float32 below about -88.7

SIGMA_AT_Z_HINT = (
    "sigma'(z) is a * (1 - a) with a = sigmoid(z), the layer's output: you computed z * (1 - z), "
    "the formula applied to the pre-activation. Use the activations from the forward pass: "
    "dL/dz2 = dL/da2 * a2 * (1 - a2), and the same for layer 1."
)
DZ2_SLIP_HINT = (
    "Your dL/dz2 is dL/dy @ W3, which is dL/da2, the gradient with respect to the layer's "
    "*output*. To get back through the sigmoid, multiply by its derivative: "
    "dL/dz2 = (dL/dy @ W3) * a2 * (1 - a2). (The tutorial writes dL/dz2 = dL/dy * W3; that line "
    "is dL/da2.)"
)
BIAS_NOT_SUMMED_HINT = (
    "A bias gradient came back with one row per sample, shape (N, H): every sample adds the same "
    "bias, so its gradient is the sum over the batch: db = dL/dz.sum(dim=0), shape (H,)."
)
TRANSPOSED_HINT = (
    "A weight gradient is transposed. A gradient has its parameter's shape, and in nn.Linear's "
    "layout W is (out_features, in_features): dL/dW = dL/dz.T @ a_in (shape (out, in)), not "
    "a_in.T @ dL/dz."
)
UNSTABLE_SIGMA_HINT = (
    "NaN where the gradient is finite, in a case with a very negative pre-activation: "
    "exp(-z) overflows float32 to inf below z = -88.7, and exp(-z) / (1 + exp(-z))**2 becomes "
    "inf / inf = NaN. Compute sigma'(z) from the activation instead: a = torch.sigmoid(z) is "
    "stable, and sigma'(z) = a * (1 - a)."
)
SIGMA_OF_A_HINT = (
    "sigma'(z) is a * (1 - a) where a = sigmoid(z) is the layer's output: you applied the sigmoid "
    "again, sigmoid(a) * (1 - sigmoid(a)), to an activation that is already sigmoid(z). Use the "
    "activation as it is: dL/dz = dL/da * a * (1 - a)."
)
SIGMA_MISSING1_HINT = (
    "Your dL/dz1 is dL/dz2 @ W2, which is dL/da1, the gradient with respect to the first layer's "
    "output: the derivative of its sigmoid is missing. dL/dz1 = (dL/dz2 @ W2) * a1 * (1 - a1)."
)
CHAIN_RULE_HINT = (
    "Check this gradient against the chain rule, from the loss down: dL/dy = 2 (y - t) / "
    "(N * D3), dL/dW = dL/dz.T @ a_in, dL/db = dL/dz.sum(0), dL/da_in = dL/dz @ W, "
    "dL/dz = dL/da * a * (1 - a)."
)
SIGN_HINT = (
    "Every gradient has the opposite sign: L = mean((y - t)**2), so dL/dy = 2 * (y - t) / (N * D3), "
    "not 2 * (t - y) / (N * D3). Return the gradient itself, not the descent direction."
)


def relations(n: int, d_out: int) -> list[Relation]:
    """Scalar factors between a wrong answer and the right one, and what each one means."""
    return [
        Relation(-1.0, SIGN_HINT),
        Relation(float(d_out), "Every gradient is D3 times too large: the loss is the mean over "
                 "all N * D3 entries of (y - t)**2, so dL/dy = 2 * (y - t) / (N * D3); you divided "
                 "by N only."),
        Relation(float(n), "Every gradient is N times too large: the loss is the mean over all "
                 "N * D3 entries; you divided by D3 only."),
        Relation(float(n * d_out), "Every gradient is N * D3 times too large: the loss is a mean, "
                 "so dL/dy = 2 * (y - t) / (N * D3); you differentiated the sum."),
        Relation(0.5, "Every gradient is half the right one: the derivative of (y - t)**2 is "
                 "2 * (y - t); the factor 2 is missing."),
        Relation(2.0, "Every gradient is twice the right one: the factor 2 from the square is "
                 "applied twice."),
        Relation(d_out / 2, "Every gradient is D3 / 2 times the right one: you used the 1/2 "
                 "convention (L = sum of (y - t)**2 / (2N), so dL/dy = (y - t) / N), averaged over N "
                 "only. This loss is the mean over all N * D3 entries: dL/dy = 2 * (y - t) / (N * D3)."),
        Relation(n * d_out / 2, "Every gradient is N * D3 / 2 times the right one: you used the 1/2 "
                 "convention on the sum (dL/dy = y - t). This loss is the mean over all N * D3 "
                 "entries: dL/dy = 2 * (y - t) / (N * D3)."),
    ]


# The public practice cases: (N, D0, H1, H2, D3) and dtype. The graded ones are in hidden/instructor.py.
PUBLIC_CASES = {
    "public": dict(sizes=(4, 3, 5, 4, 3), dtype=torch.float64),
    "public_float32": dict(sizes=(3, 2, 3, 4, 5), dtype=torch.float32),
}


def draw(rng: torch.Generator, name: str, specs: dict = PUBLIC_CASES) -> Case:
    """The named case of ``specs`` drawn from ``rng`` (``case(name, support.draw, name)``)."""
    spec = dict(specs[name])
    case = draw_case(rng, *spec.pop("sizes"), **spec)
    case.name = name
    return case


@dataclass(eq=False)
class Case:
    """One case's inputs, exactly as the student receives them; ``cache`` keeps what the trusted
    side computes from them (references, mutants), for as long as the case lives: one submission."""

    label: str  # what the student reads: sizes and dtype
    x: torch.Tensor
    t: torch.Tensor
    params: dict
    name: str = ""  # the case's name: its seed stream and its call-once key
    cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def dtype(self) -> torch.dtype:
        return self.x.dtype

    def args(self) -> dict:
        return {"x": self.x, "t": self.t, "params": self.params}


def draw_case(rng: torch.Generator, n: int, d0: int, h1: int, h2: int, d3: int,
              dtype: torch.dtype = torch.float64, weight_scale: float = 1.0,
              saturate: bool = False) -> Case:
    """A random case; redrawn (deterministically, from the same generator) while ill-conditioned."""
    for _ in range(20):
        case = draw_once(rng, n, d0, h1, h2, d3, dtype, weight_scale, saturate)
        right, right32 = reference(case), reference(case, torch.float32)
        scale = max(r.abs().max().item() for r in right.values())
        error = max((right32[k].double() - right[k]).abs().max().item() for k in right)
        if scale > 0 and error / scale <= MAX_CONDITION:
            return case
    raise RuntimeError("exercise6: no well-conditioned case in 20 draws; change the case's sizes")


def draw_once(rng, n, d0, h1, h2, d3, dtype, weight_scale, saturate) -> Case:
    def normal(*shape, scale=1.0):
        return torch.randn(*shape, generator=rng, dtype=torch.float64) * scale

    sizes = [(h1, d0), (h2, h1), (d3, h2)]
    params = {}
    for i, (out, inp) in enumerate(sizes, start=1):
        params[f"W{i}"] = normal(out, inp, scale=weight_scale / inp ** 0.5)
        params[f"b{i}"] = normal(out, scale=0.5)
    x, t = normal(n, d0), normal(n, d3)
    if saturate:
        # Scale one input row so that one of its first-layer pre-activations is -95.
        row = int(torch.randint(n, (1,), generator=rng))
        z = x[row] @ params["W1"].T
        unit = int(z.argmin())
        if z[unit] < 0:
            x[row] *= (SATURATED_PREACTIVATION - params["b1"][unit]) / z[unit]
    label = f"N={n}, sizes {d0}-{h1}-{h2}-{d3}, {str(dtype).removeprefix('torch.')}"
    if saturate:
        label += ", saturated"
    return Case(label, x.to(dtype), t.to(dtype), {k: v.to(dtype) for k, v in params.items()})


def forward(x, params):
    z1 = x @ params["W1"].T + params["b1"]
    a1 = torch.sigmoid(z1)
    z2 = a1 @ params["W2"].T + params["b2"]
    a2 = torch.sigmoid(z2)
    return z1, a1, z2, a2, a2 @ params["W3"].T + params["b3"]


def reference(case: Case, dtype: torch.dtype = torch.float64) -> dict:
    """dL/d(each parameter) by torch.autograd, in ``dtype``, on the case's exact values."""
    return case.memo(("reference", dtype), lambda: autograd_reference(case, dtype))


def autograd_reference(case: Case, dtype: torch.dtype) -> dict:
    params = {k: v.detach().to(dtype).requires_grad_() for k, v in case.params.items()}
    with torch.enable_grad():
        y = forward(case.x.to(dtype), params)[-1]
        loss = torch.nn.functional.mse_loss(y, case.t.to(dtype))
        grads = torch.autograd.grad(loss, [params[k] for k in PARAMETERS])
    return dict(zip(PARAMETERS, grads))


def overflows(case: Case) -> bool:
    """Does exp(-z) overflow to inf at some pre-activation, in the case's dtype? (There the
    unstable sigma' exp(-z) / (1 + exp(-z))**2 is inf / inf = NaN.)"""
    z1, _, z2, _, _ = forward(case.x, case.params)
    return any(bool(torch.isinf(torch.exp(-z)).any()) for z in (z1, z2))


def answer(student, case: Case) -> dict:
    """The student's gradients for ``case``: one sandboxed call, shared by the case's checks.

    A call that fails fails every check of the case with the same explanation.
    """
    got = student.call_once(case.name, "gradients", function="mlp_backward", **case.args())
    require_intact(isinstance(got, dict) and set(got) <= set(PARAMETERS)
                   and all(isinstance(v, torch.Tensor) for v in got.values()), "mlp_backward's gradients")
    return got


def check(student, case: Case, parameter: str, instructor=None) -> None:
    """Fail unless the student's dL/d``parameter`` for ``case`` is right, with a diagnosis."""
    def diagnosis(got, right, right32, verdicts, policy, name):
        return diagnose_gradients(got, right, right32, verdicts, policy, name, vocabulary(case, instructor))

    check_gradient(student, answer(student, case), reference(case), reference(case, torch.float32),
                   parameter, case.label, [case.x], diagnosis, first=PARAMETERS[0])


def vocabulary(case: Case, instructor=None) -> Vocabulary:
    """What the shared diagnosis needs to know of this exercise, on this case."""
    n, d_out = case.t.shape
    unstable = case.dtype == torch.float32 and overflows(case)
    return Vocabulary(
        from_loss=list(FROM_LOSS), relations=relations(n, d_out), generic=CHAIN_RULE_HINT,
        mutants=instructor.mutants(case) if instructor else [], whole=instructor.WHOLE if instructor else 0,
        nonfinite=(UNSTABLE_SIGMA_HINT, "unstable_sigma") if unstable else (NONFINITE_HINT, None),
        transposed=TRANSPOSED_HINT, unsummed=BIAS_NOT_SUMMED_HINT,
    )
