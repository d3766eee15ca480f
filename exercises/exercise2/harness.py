"""exercise2's harness: hands the student an opaque f, an x and vectors v, collects vjp's answers.

Runs in the sandbox child beside the student's module; the tests import it too, to rebuild the
very same f from the same plain-data description and compute v^T J with autograd. Every call
of one request is made on the *same* x object, as a caller reusing its tensor would; what became
of that x is reported with the answers (read through torch's C-level descriptors, not through
methods the student's code could replace) and judged by the trusted side.
"""

import torch
import torch.fx.experimental.symbolic_shapes  # noqa: F401 - see below

from grader.harness import as_tensor, entry

# backward(gradient=v) imports torch.fx.experimental.symbolic_shapes on first use, and that import
# builds named tuples (it sets functions' __defaults__), which the child refuses once the student's
# code runs. Imported here, it is paid once in the zygote (about 0.5 s) instead of failing every call.

_REQUIRES_GRAD = torch._C.TensorBase.requires_grad.__get__  # C descriptors: not patchable from Python
_GRAD = torch._C.TensorBase.grad.__get__


def make_function(spec: dict):
    """The function a spec describes: ``sin``, ``cumsum`` (1.5 * cumsum), ``matmul`` (A @ x) or
    ``tanh_matmul`` (tanh(x @ B)); matrices follow x's dtype, so a float32 x works too."""
    kind = spec["kind"]
    if kind == "sin":
        return torch.sin
    if kind == "cumsum":
        return lambda x: 1.5 * torch.cumsum(x, dim=0)
    if kind == "matmul":
        matrix = spec["A"]
        return lambda x: matrix.to(x.dtype) @ x
    if kind == "tanh_matmul":
        matrix = spec["B"]
        return lambda x: torch.tanh(x @ matrix.to(x.dtype))
    raise ValueError(f"unknown function kind {kind!r}")


@entry
def vjp(student, f: dict, x, vs: list) -> dict:
    """Call the student's vjp(f, x, v) for each v in ``vs``, in a row, on one and the same x."""
    function = make_function(f)
    caller_x = x.clone()
    answers = [as_tensor(student.vjp(function, caller_x, v.clone())) for v in vs]
    return {
        "answers": answers,
        "x_after": torch.Tensor.clone(torch.Tensor.detach(caller_x)),
        "x_requires_grad": bool(_REQUIRES_GRAD(caller_x)),
        "x_has_grad": _GRAD(caller_x) is not None,
    }
