"""exercise10's harness: apply the student's Function, then run its forward and backward by hand.

Runs in the sandbox child beside the student's module. ``apply`` runs ``MySigmoid.apply`` or
``MyLinear.apply`` on leaves made from the inputs the trusted side chose and reports the output
and whether the output's ``grad_fn`` is the Function's own backward node (evidence that autograd
would call the student's backward). For the vector-Jacobian products it then calls the
Function's ``forward`` and, once per ``grad_output`` sent, its ``backward`` itself, with a
context object of its own, under the no-autograd guard: grad mode off, every tensor a graph
would save refused, autograd's entry points replaced. So no graph exists for a backward to hand
its work to (a graph recorded in forward under ``enable_grad`` is refused as it is built, and an
engine captured at import has nothing to run), and the trusted side sees exactly the gradients
the student's backward returned, how many and of what shape, before any reduction the engine
would do. Nothing here is a verdict: the trusted side compares the values with the true
Jacobians.
"""


import torch

from grader.harness import NotPlainData, as_tensor, describe_type, entry
from grader.sandbox.guard import no_autograd

FUNCTIONS = ("MySigmoid", "MyLinear")
MAX_RETURNED = 8  # gradients kept from one backward; the count says how many it returned


def own_node(function, output) -> bool:
    """Is the output's grad_fn the backward node autograd made for this very Function?"""
    node = output.grad_fn
    return (node is not None and isinstance(node, torch.autograd.function.BackwardCFunction)
            and getattr(type(node), "_forward_cls", None) is function)


class Context:
    """Stands in for autograd's ctx when the harness calls forward and backward itself."""

    def __init__(self, needs_input_grad: tuple):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()

    def save_for_backward(self, *tensors) -> None:
        self.saved_tensors = tensors

    def save_for_forward(self, *tensors) -> None:
        pass

    def mark_dirty(self, *tensors) -> None:
        pass

    def mark_non_differentiable(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass


def gradients(returned) -> tuple[int, list]:
    """(how many gradients a backward returned, each as a plain tensor or None)."""
    items = returned if type(returned) is tuple else (returned,)
    kept = []
    for item in items[:MAX_RETURNED]:
        try:
            kept.append(None if item is None else as_tensor(item, allow_numpy=False))  # autograd takes tensors
        except NotPlainData as error:
            raise NotPlainData(f"backward returned a gradient that is not a tensor: {error}") from None
    return len(items), kept


def run_forward(cls, ctx, inputs: list) -> None:
    """Call the Function's forward as autograd would: ``forward(ctx, *inputs)``, or, for a Function
    written in the style with a separate ``setup_context`` (PyTorch 2.0 and later),
    ``forward(*inputs)`` and then ``setup_context(ctx, inputs, output)``."""
    if cls.setup_context is torch.autograd.Function.setup_context:
        cls.forward(ctx, *inputs)
    else:
        cls.setup_context(ctx, tuple(inputs), cls.forward(*inputs))


@entry
def apply(student, which: str, inputs: list, grad_outputs: list) -> dict:
    """``which``.apply(*inputs) on leaves that require grad; its node's backward for each grad_output."""
    if which not in FUNCTIONS:
        raise ValueError(f"unknown function {which!r}")
    cls = getattr(student, which, None)
    if cls is None:
        raise NotPlainData(f"defines no {which}: write class {which}(torch.autograd.Function)")
    leaves = [t.clone().requires_grad_() for t in inputs]
    output = cls.apply(*leaves)
    if type(output) is not torch.Tensor:
        raise NotPlainData(f"{which}.apply returned a {describe_type(output)}, expected a torch.Tensor")
    own = own_node(cls, output)
    counts, vjps = [], []
    if own and grad_outputs:
        with no_autograd():
            ctx = Context(tuple(True for _ in inputs))
            run_forward(cls, ctx, [t.clone() for t in inputs])
            for grad_output in grad_outputs:
                count, grads = gradients(cls.backward(ctx, grad_output.clone()))
                counts.append(count)
                vjps.append(grads)
    return {"output": as_tensor(output), "own_node": own, "counts": counts, "vjps": vjps}
