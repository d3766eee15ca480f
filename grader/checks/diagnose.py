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
- localisation: the first wrong tensor walking back from the loss;
- the pipeline, ``diagnose_gradients``: the rules above in a fixed order over a dict of
  gradients, configured by an exercise's ``Vocabulary`` (its tensors, factors, mutants, hints),
  with every mutant also composed with every factor (real code rarely has one clean bug).

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
    ExceptionRule((("ModuleNotFoundError: No module named",),),
     "Your file imports a module that is not there where it is graded: your file is graded on its "
     "own, without the other files beside it, with torch, numpy and Python's standard library "
     "installed. Put helper code of your own into this file, and use no other libraries.",
     start=True),
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


# Rules for exercises done by hand (``"forbidden": ["autograd"]``), where a shape error is the
# student's own backprop multiplying the wrong factors. The hint is fixed text: an exception's
# sizes are the hidden inputs' and must not be echoed by a hidden check.
BY_HAND_HINTS: list[ExceptionRule] = [
    ExceptionRule((("mat1 and mat2 shapes cannot be multiplied",), ("size mismatch, got input",),
                   ("Expected size for first two dimensions of batch2 tensor",)),
     "A matrix product's inner sizes disagree: A @ B sums over A's columns against B's rows, so "
     "they must be the same units. In backprop by hand, dL/dW = dL/dz.T @ a_in sums over the N "
     "samples ((out, N) @ (N, in)); dL/da_in = dL/dz @ W sums over the layer's output units "
     "((N, out) @ (out, in)); and the forward z = a_in @ W.T sums over its input units. Write "
     "each factor's shape next to it and transpose the one whose inner units are wrong."),
]


def hint_for_exception(error_type: str, message: str, warnings: list[str] = (),
                       by_hand: bool = False) -> str | None:
    """The hint for an exception the student's code raised, or None when no rule applies;
    ``by_hand``: the exercise forbids autograd, and its own rules apply first.

    The rules read at most ``MAX_HINT_TEXT`` characters of "Type: message" and of each warning.
    """
    if any(NOT_LEAF_WARNING in w[:MAX_HINT_TEXT] for w in warnings):
        return NOT_LEAF_HINT
    lines = f"{error_type}: {message}"[:MAX_HINT_TEXT].split("\n")
    rules = [*BY_HAND_HINTS, *EXCEPTION_HINTS] if by_hand else EXCEPTION_HINTS
    return next((rule.hint for rule in rules if rule.matches(lines)), None)


TRANSPOSED_HINT = (
    "This gradient is the transpose of the right one: a gradient has its parameter's shape; "
    "check which factor of the product comes first."
)
UNSUMMED_HINT = (
    "This gradient has an extra leading (batch) dimension: a parameter shared by every sample "
    "gets the sum of their gradients; sum over dimension 0."
)

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
        # matching first: most mutants miss at the first key, and then nothing else is compared
        if (all(compare(got[k], mutant.values[k], policy, mutant.values32.get(k)).passed for k in keys)
                and any(not compare(mutant.values[k], right[k], policy).passed for k in keys)):
            return mutant
    return None


def first_wrong(verdicts: dict[str, Comparison], from_loss: list[str]) -> str | None:
    """The first tensor that failed, walking back from the loss in the order ``from_loss``."""
    return next((name for name in from_loss if not verdicts[name].passed), None)


# ---------------------------------------------------------------- the pipeline an exercise configures


@dataclass
class Vocabulary:
    """What an exercise tells the shared diagnosis of a dict of gradients.

    ``from_loss``: its tensors in the order backprop reaches them; ``relations``: the scalar
    factors that mean a mistake; ``generic``: the hint when no rule names the bug; ``mutants``:
    its known bugs' answers on this case (empty in a student's checkout: mutants are
    instructor-only); ``whole``: how many of the first mutants explain a whole answer (the rest
    serve single tensors when bugs mix); ``nonfinite``: the (hint, bug) for NaN or Inf on this
    case; ``transposed`` and ``unsummed``: the hints for those relations in its own terms.
    """

    from_loss: list[str]
    relations: list[Relation]
    generic: str
    mutants: list[Mutant] = field(default_factory=list)
    whole: int = 0
    nonfinite: tuple[str, str | None] = (NONFINITE_HINT, None)
    transposed: str = TRANSPOSED_HINT
    unsummed: str = UNSUMMED_HINT


def compose(mutants: list[Mutant], relations: list[Relation]) -> list[Mutant]:
    """Each mutant scaled by each factor: real code rarely has one clean bug (a sigma' bug in a
    network whose loss is also a sum, not a mean). The hint names both mistakes."""
    return [Mutant(f"{m.name} x {r.factor:g}", f"{m.hint} Also: {r.hint}",
                   {k: r.factor * v for k, v in m.values.items()},
                   {k: r.factor * v for k, v in m.values32.items()})
            for m in mutants for r in relations]


def diagnose_gradients(got: dict, right: dict, right32: dict, verdicts: dict, policy: Policy,
                       name: str, vocabulary: Vocabulary) -> Diagnosis:
    """Name the mistake behind a wrong ``got[name]``; never fires on a right answer.

    In order: NaN or Inf; one bug that explains the whole answer (a mutant, a scalar factor, a
    mutant times a factor); else several bugs mix: the tensor itself is diagnosed (its mutants,
    transpose, unsummed batch dimension, factor, mutant times factor), and the hint then names the
    first wrong tensor walking back from the loss.
    """
    v = vocabulary
    wrong = first_wrong(verdicts, v.from_loss)
    if any(c.reason == "nonfinite" for c in verdicts.values()):
        return Diagnosis(v.nonfinite[0], wrong, v.nonfinite[1])
    whole = v.mutants[:v.whole]
    mutant = matching_mutant(got, right, whole, policy)
    if mutant:
        return Diagnosis(mutant.hint, wrong, mutant.name)
    keys = [k for k in v.from_loss if k in right]
    if set(got) >= set(keys):
        relation = scalar_relation([got[k] for k in keys], [right[k] for k in keys], policy,
                                   [right32[k] for k in keys], v.relations)
        if relation:
            return Diagnosis(relation.hint, wrong, f"factor {relation.factor:g}")
        mutant = matching_mutant(got, right, compose(whole, v.relations), policy)
        if mutant:
            return Diagnosis(mutant.hint, wrong, mutant.name)
    hint, bug = tensor_hint(got, right, right32, name, policy, v)
    if bug is None and wrong not in (None, name):
        hint = (f"The first wrong gradient walking back from the loss is dL/d{wrong}: fix that one "
                f"first, since a wrong gradient near the loss makes those below it wrong too. ") + hint
    return Diagnosis(hint, wrong, bug)


def tensor_hint(got: dict, right: dict, right32: dict, name: str, policy: Policy,
                v: Vocabulary) -> tuple[str, str | None]:
    """A hint about one wrong tensor on its own, and the bug it shows (None: no known bug)."""
    import torch

    value = got.get(name)
    if not isinstance(value, torch.Tensor):
        return f"Your dict has no tensor under the key {name!r}: return every gradient ({', '.join(right)}).", None
    mutant = matching_mutant(got, right, v.mutants, policy, keys=[name])
    if mutant:
        return mutant.hint, mutant.name
    if is_transpose(value, right[name], policy, right32[name]):
        return v.transposed, "transposed"
    if is_unsummed(value, right[name], policy, right32[name]):
        return v.unsummed, "unsummed"
    relation = scalar_relation([value], [right[name]], policy, [right32[name]], v.relations)
    if relation:
        return relation.hint, f"factor {relation.factor:g}"
    mutant = matching_mutant(got, right, compose(v.mutants, v.relations), policy, keys=[name])
    if mutant:
        return mutant.hint, mutant.name
    return v.generic, None
