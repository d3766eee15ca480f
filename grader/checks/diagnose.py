"""Turn what went wrong into a hint a student can act on.

The rules here serve every exercise; an exercise supplies only its own vocabulary (which scalar
factors mean which mistake, its known-bug mutants, the order of its tensors from the loss back):

- exception rules: an exception's "Type: message" matched against the autograd errors students
  meet (literal phrases, in time linear in a bounded text), and the warnings torch prints;
- relations between a wrong tensor and the right one: a scalar factor (``scalar_relation``), the
  transpose, a batch dimension left unsummed;
- known-bug mutants: the grader's own implementations of the classic bugs, evaluated by the
  trusted process on the student's inputs; the first that matches the answer and differs from
  the right one names the bug;
- localisation: the first wrong tensor walking back from the loss.

Every rule requires the answer to be *close* to what the bug predicts, under the same tolerance
policy as the grade, so no hint fires on a correct answer. Each hint says what is wrong, why,
and what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported by the functions that need it: the exception rules are
    import torch   # used while the grader starts, before torch is worth importing

    from grader.checks.compare import Comparison, Policy

NOT_LEAF_WARNING = "grad attribute of a Tensor that is not a leaf Tensor"

MAX_HINT_TEXT = 8192  # characters of "Type: message" the exception rules read (the child's are capped)


@dataclass(frozen=True)
class ExceptionRule:
    """A hint for the "Type: message" texts that hold one of ``phrases`` on one line.

    A phrase is literal pieces that must appear in that order on one line (``("a", "b")``: an
    ``a``, then later on that line a ``b``); ``start``: the first piece begins the text. Matching
    is plain substring search, leftmost first: linear in the text, whatever the text holds (no
    regular expression, so nothing to backtrack).
    """

    phrases: tuple[tuple[str, ...], ...]
    hint: str
    start: bool = False

    def matches(self, lines: list[str]) -> bool:
        if self.start:
            return any(lines[0].startswith(p[0]) and in_order(lines[0], p[1:], len(p[0])) for p in self.phrases)
        return any(in_order(line, phrase) for line in lines for phrase in self.phrases)


def in_order(line: str, pieces: tuple[str, ...], at: int = 0) -> bool:
    """Do ``pieces`` occur in ``line`` in order, without overlapping, from ``at`` on?"""
    for piece in pieces:
        found = line.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


# First match wins; keep the specific ones first.
EXCEPTION_HINTS: list[ExceptionRule] = [
    ExceptionRule((("Only Tensors of floating point dtype can require gradients",),
                   ("Only Tensors of floating point and complex dtype can require gradients",)),
     "Integer tensors cannot require gradients: torch.tensor(2, requires_grad=True) makes an "
     "int64 tensor. Convert the input to float first, e.g. torch.tensor(float(x0), requires_grad=True)."),
    ExceptionRule((("grad can be implicitly created only for scalar outputs",),
                   ("grad can be implicitly created only for real scalar outputs",)),
     "backward() without arguments only works on a scalar. For a non-scalar output y, pass the "
     "vector to multiply by: y.backward(gradient=v)."),
    ExceptionRule((("Trying to backward through the graph a second time",),),
     "The graph is freed after the first backward(). To call backward twice through the same "
     "forward pass, pass retain_graph=True to the first call."),
    ExceptionRule((("a leaf Variable that requires grad is being used in an in-place operation",),),
     "An in-place update of a leaf tensor that requires grad is recorded by autograd and refused. "
     "Do the update inside `with torch.no_grad():`."),
    ExceptionRule((("element 0 of tensors does not require grad and does not have a grad_fn",),),
     "backward() was called on a tensor with no graph behind it: the input needs "
     "requires_grad=True before the computation, and the computation must not run under "
     "torch.no_grad() or on detached values."),
    ExceptionRule((("NotPlainData: returned None",),),
     "Your function returned None: check that every path ends in a return statement. If you "
     "returned a .grad, it is None when backward() never reached that tensor, or when the tensor "
     "is not a leaf (.double(), .to() or an operation after requires_grad=True makes a new one).",
     start=True),
    ExceptionRule((("NoneType", "has no attribute"), ("NoneType", "not supported"),
                   ("NoneType", "argument must be"), ("must be", "not 'NoneType'"),
                   ("argument", "not 'NoneType'")),
     "A .grad you read was None. .grad is only filled for leaf tensors created with "
     "requires_grad=True, after backward(): calling .double(), .to() or any operation after "
     "requires_grad=True makes a new, non-leaf tensor whose .grad stays None."),
]

NONFINITE_HINT = (
    "Your answer contains NaN or Inf where the true value is finite: look for a division by "
    "zero, the log of zero, or exp() of a large number overflowing."
)

AUTOGRAD_HINT = (
    "This exercise asks for the gradients by hand: autograd (backward(), torch.autograd.grad, "
    "torch.func, ...) is switched off while your code runs. Apply the chain rule yourself: keep "
    "the forward pass's intermediate values and multiply the local derivatives from the loss "
    "back to each parameter, using tensor operations (@, *, .T, .sum)."
)

NOT_LEAF_HINT = (
    "You read .grad of a tensor that is not a leaf, and it is None: .double(), .to() or any "
    "operation applied after requires_grad=True creates a new tensor. Create the leaf with the "
    "dtype you want, e.g. torch.tensor(x0, dtype=torch.float64, requires_grad=True)."
)


def hint_for_exception(error_type: str, message: str, warnings: list[str] = ()) -> str | None:
    """The hint for an exception the student's code raised, or None when no rule applies.

    The rules read at most ``MAX_HINT_TEXT`` characters of "Type: message" and of each warning.
    """
    if any(NOT_LEAF_WARNING in w[:MAX_HINT_TEXT] for w in warnings):
        return NOT_LEAF_HINT
    lines = f"{error_type}: {message}"[:MAX_HINT_TEXT].split("\n")
    return next((rule.hint for rule in EXCEPTION_HINTS if rule.matches(lines)), None)


SNAP_TOLERANCE = 0.05  # a measured factor k snaps to a candidate c when |k - c| <= 5% of |c|


@dataclass(frozen=True)
class Relation:
    """A mistake that scales the right answer by ``factor``; ``hint`` says which and what to do."""

    factor: float
    hint: str


@dataclass
class Mutant:
    """A known bug, implemented by the grader and evaluated on the student's own inputs.

    ``values`` are the buggy implementation's outputs in float64 and ``values32`` the same in
    float32 (they widen the tolerance where the case is ill-conditioned, as for the reference).
    """

    name: str
    hint: str
    values: dict
    values32: dict = field(default_factory=dict)


@dataclass
class Diagnosis:
    """What a wrong answer shows: a hint (or None), and the first wrong tensor from the loss back."""

    hint: str | None = None
    first_wrong: str | None = None
    bug: str | None = None  # the mutant or relation that matched, for the report's details


def scalar_relation(got: list, right: list, policy: Policy, right32: list | None,
                    candidates: list[Relation]) -> Relation | None:
    """The candidate c with every ``got`` tensor close to c times its ``right`` one, or None.

    k = <g, r> / <r, r> over all the tensors together, snapped to the nearest candidate; the
    relation is accepted only if each g passes the tolerance policy against c * r (the sign
    counts). Where the right answer is all zeros there is no factor.
    """
    import torch

    from grader.checks.compare import compare

    g = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in got])
    r = torch.cat([t.detach().reshape(-1).to(torch.float64) for t in right])
    if g.shape != r.shape or not bool(torch.isfinite(g).all()):
        return None
    norm = float(r @ r)
    if norm == 0.0:
        return None
    k = float(g @ r) / norm
    for relation in sorted(candidates, key=lambda c: abs(k - c.factor)):
        c = relation.factor
        if abs(k - c) > SNAP_TOLERANCE * abs(c):
            break
        scaled32 = [c * t for t in right32] if right32 else [None] * len(right)
        if all(compare(a, c * b, policy, b32).passed for a, b, b32 in zip(got, right, scaled32)):
            return relation
    return None


def is_transpose(got: torch.Tensor, right: torch.Tensor, policy: Policy, right32=None) -> bool:
    """``got`` is the right 2-D tensor transposed (and not the right one itself)."""
    from grader.checks.compare import compare

    if got.dim() != 2 or right.dim() != 2 or got.shape != right.T.shape:
        return False
    if got.shape == right.shape and compare(got, right, policy, right32).passed:
        return False
    return compare(got, right.T, policy, None if right32 is None else right32.T).passed


def is_unsummed(got: torch.Tensor, right: torch.Tensor, policy: Policy, right32=None) -> bool:
    """``got`` has an extra leading (batch) dimension whose sum is the right tensor."""
    from grader.checks.compare import compare

    return (got.dim() == right.dim() + 1 and got.shape[1:] == right.shape and got.shape[0] > 1
            and compare(got.sum(0), right, policy, right32).passed)


def matching_mutant(got: dict, right: dict, mutants: list[Mutant], policy: Policy,
                    keys: list[str] | None = None) -> Mutant | None:
    """The first mutant whose values match ``got`` on ``keys`` (all by default) and differ from
    the right answer there; a mutant equal to the right answer on this case proves nothing."""
    import torch

    from grader.checks.compare import compare

    keys = list(right) if keys is None else keys
    for mutant in mutants:
        if not all(isinstance(got.get(k), torch.Tensor) and k in mutant.values for k in keys):
            continue
        differs = any(not compare(mutant.values[k], right[k], policy).passed for k in keys)
        matches = all(compare(got[k], mutant.values[k], policy, mutant.values32.get(k)).passed
                      for k in keys)
        if differs and matches:
            return mutant
    return None


def first_wrong(verdicts: dict[str, Comparison], from_loss: list[str]) -> str | None:
    """The first tensor that failed, walking back from the loss in the order ``from_loss``."""
    return next((name for name in from_loss if not verdicts[name].passed), None)
