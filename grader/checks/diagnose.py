"""Turn what went wrong into a hint a student can act on.

This module holds the rules that serve every exercise: an exception's "Type: message" matched
against the autograd errors students meet, and the warnings torch prints on the way. Each hint
says what is wrong, why, and what to change. Exercise-specific diagnosis (relations between a
wrong answer and the right one) lives beside the exercise's tests and reuses these helpers.
"""

from __future__ import annotations

import re

NOT_LEAF_WARNING = "grad attribute of a Tensor that is not a leaf Tensor"

# (regex on "Type: message", hint). First match wins; keep the specific ones first.
EXCEPTION_HINTS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"Only Tensors of floating point( and complex)? dtype can require gradients"),
     "Integer tensors cannot require gradients: torch.tensor(2, requires_grad=True) makes an "
     "int64 tensor. Convert the input to float first, e.g. torch.tensor(float(x0), requires_grad=True)."),
    (re.compile(r"grad can be implicitly created only for (real )?scalar outputs"),
     "backward() without arguments only works on a scalar. For a non-scalar output y, pass the "
     "vector to multiply by: y.backward(gradient=v)."),
    (re.compile(r"Trying to backward through the graph a second time"),
     "The graph is freed after the first backward(). To call backward twice through the same "
     "forward pass, pass retain_graph=True to the first call."),
    (re.compile(r"a leaf Variable that requires grad is being used in an in-place operation"),
     "An in-place update of a leaf tensor that requires grad is recorded by autograd and refused. "
     "Do the update inside `with torch.no_grad():`."),
    (re.compile(r"element 0 of tensors does not require grad and does not have a grad_fn"),
     "backward() was called on a tensor with no graph behind it: the input needs "
     "requires_grad=True before the computation, and the computation must not run under "
     "torch.no_grad() or on detached values."),
    (re.compile(r"^NotPlainData: returned None"),
     "Your function returned None: check that every path ends in a return statement. If you "
     "returned a .grad, it is None when backward() never reached that tensor, or when the tensor "
     "is not a leaf (.double(), .to() or an operation after requires_grad=True makes a new one)."),
    (re.compile(r"NoneType.*(has no attribute|not supported|argument must be)|"
                r"(must be|argument).*not 'NoneType'"),
     "A .grad you read was None. .grad is only filled for leaf tensors created with "
     "requires_grad=True, after backward(): calling .double(), .to() or any operation after "
     "requires_grad=True makes a new, non-leaf tensor whose .grad stays None."),
]

NONFINITE_HINT = (
    "Your answer contains NaN or Inf where the true value is finite: look for a division by "
    "zero, the log of zero, or exp() of a large number overflowing."
)

NOT_LEAF_HINT = (
    "You read .grad of a tensor that is not a leaf, and it is None: .double(), .to() or any "
    "operation applied after requires_grad=True creates a new tensor. Create the leaf with the "
    "dtype you want, e.g. torch.tensor(x0, dtype=torch.float64, requires_grad=True)."
)


def hint_for_exception(error_type: str, message: str, warnings: list[str] = ()) -> str | None:
    """The hint for an exception the student's code raised, or None when no rule applies."""
    if any(NOT_LEAF_WARNING in w for w in warnings):
        return NOT_LEAF_HINT
    text = f"{error_type}: {message}"
    for pattern, hint in EXCEPTION_HINTS:
        if pattern.search(text):
            return hint
    return None
