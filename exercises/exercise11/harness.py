"""exercise11's harness: hands the student an opaque scalar function f and collects hvp's answer.

Runs in the sandbox child beside the student's module; the trusted side imports it too, to
rebuild the very same f from the same plain-data description and compute the reference with
``torch.autograd.functional.hvp``. Nothing the child returns is trusted.
"""

import torch
import torch.fx.experimental.symbolic_shapes  # noqa: F401 - see below

from grader.harness import as_tensor, entry

# torch.autograd.grad with a grad_outputs tensor (as torch.autograd.functional.hvp passes) imports
# this module on first use, and it defines classes the sandbox refuses at call time; imported
# here, the zygote pays it once.


def make_function(spec: dict):
    """The function a spec describes: ``{"kind": "cubic_quadratic", "c": [...], "A": [[...]]}``
    (sum_i c_i x_i^3 + x^T A x) or ``{"kind": "sin_prod"}`` (prod_i sin x_i)."""
    kind = spec["kind"]
    if kind == "cubic_quadratic":
        c, a = spec["c"], spec["A"]

        def f(x):
            coefficients = torch.tensor(c, dtype=x.dtype)
            matrix = torch.tensor(a, dtype=x.dtype)
            return (coefficients * x**3).sum() + x @ matrix @ x

        return f
    if kind == "sin_prod":
        return lambda x: torch.sin(x).prod()
    raise ValueError(f"unknown function kind {kind!r}")


@entry
def hvp(student, f: dict, x, v) -> dict:
    """Call the student's hvp(f, x, v) once and return the answer as a plain tensor."""
    return {"hv": as_tensor(student.hvp(make_function(f), x.clone(), v.clone()))}
