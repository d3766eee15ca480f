"""exercise1's harness: hands the student an opaque function f and collects dydx's answers.

Runs in the sandbox child beside the student's module; the tests import it too, to rebuild the
very same f from the same plain-data description and differentiate it with autograd.
"""

import torch

from grader.harness import as_number, entry


def make_function(spec: dict):
    """The function a spec describes: ``{"kind": "poly", "coeffs": [...]}``, ``branchy``, ``sin_exp_tanh``."""
    kind = spec["kind"]
    if kind == "poly":
        coeffs = [float(c) for c in spec["coeffs"]]

        def f(x):
            y = coeffs[0] * x
            for c in coeffs[1:-1]:
                y = (y + c) * x
            return y + coeffs[-1]

        return f
    if kind == "branchy":

        def f(x):
            # Control flow that depends on the value of x: an if, and a loop whose number of
            # iterations is k = the number of doublings that bring |x| to at least 1.
            y = x**3 - 2 * x if x > 0 else torch.sin(2 * x) * x
            k = 0
            while (x * 2**k).abs() < 1:
                k += 1
            return y * (k + 1)

        return f
    if kind == "sin_exp_tanh":
        return lambda x: torch.sin(x) * torch.exp(x) + torch.tanh(x**2)
    raise ValueError(f"unknown function kind {kind!r}")


@entry
def dydx(student, f: dict, x0, repeats: int = 1) -> dict:
    """Call the student's dydx(f, x0) ``repeats`` times in a row and return the answers."""
    function = make_function(f)
    answers, kinds = [], []
    for _ in range(repeats):
        value, kind = as_number(student.dydx(function, x0))
        answers.append(float(value))
        kinds.append(kind)
    return {"answers": answers, "kinds": kinds}
