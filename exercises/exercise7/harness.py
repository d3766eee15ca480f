"""exercise7's harness: hand the student leaf parameters with gradients, read them after the step.

Runs in the sandbox child beside the student's module. The parameters are fresh leaves that
require grad, each with its ``.grad`` set as the trusted side sent it (None for an unused one).
The harness keeps its own references to them in a tuple, so what it reads after the call is the
objects the caller holds, whatever the student's code did to the list it was given. Nothing here
is trusted: the checks compare the values with the update computed in the trusted process.
"""

import torch
import torch._dynamo  # noqa: F401 - a student's step may build an optimizer, which imports it

from grader.harness import entry

# Building a torch.optim optimizer imports torch._dynamo on first use (about a second, and it
# defines classes the sandbox refuses at call time); imported here, the zygote pays it once.


def snapshot(tensor) -> torch.Tensor:
    """A detached, exact copy (read through the class, not the object's own methods)."""
    return torch.Tensor.clone(torch.Tensor.detach(tensor))


@entry
def step(student, values: list, grads: list, lr: float) -> dict:
    """Call sgd_step(params, lr) and report each parameter as the caller sees it afterwards."""
    params = []
    for value, grad in zip(values, grads):
        p = value.clone().requires_grad_()
        if grad is not None:
            p.grad = grad.clone()
        params.append(p)
    originals = tuple(params)
    returned = student.sgd_step(params, lr)
    return {
        "returned_none": returned is None,
        "after": [{
            "value": snapshot(p),
            "grad": None if p.grad is None else snapshot(p.grad),
            "in_list": len(params) == len(originals) and params[i] is p,
            "leaf": bool(p.is_leaf),
            "requires_grad": bool(p.requires_grad),
        } for i, p in enumerate(originals)],
    }
