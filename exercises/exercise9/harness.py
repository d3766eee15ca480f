"""exercise9's harness: build the model with stale gradients, record the micro-batches, call accumulate.

Runs in the sandbox child beside the student's module. The model is ``nn.Sequential(Linear,
Tanh, Linear)`` built from the parameters the trusted side sent, each with a stale ``.grad``
preloaded. Hooks on the model record the batch size of every forward pass and, through a hook on
that forward's output, the gradient that flowed back into it. Nothing here
is trusted: the checks compare the gradients with autograd's in the trusted process, and verify
each recorded gradient against the one that micro-batch's share of the loss gives; the records are
evidence of how the gradients were made, worth part of a case's points only.
"""

import torch
import torch._dynamo  # noqa: F401 - see below
from torch import nn

from grader.harness import entry

# A student's code may build an optimizer (to zero the grads, or by mistake to step), which
# imports torch._dynamo on first use: about a second, and classes the sandbox refuses to define
# at call time. Imported here, the zygote pays it once.

NAMES = ("0.weight", "0.bias", "2.weight", "2.bias")
MAX_RECORDS = 256  # records kept; later ones are only counted


def snapshot(tensor) -> torch.Tensor:
    """A detached, exact copy as a plain tensor (a Parameter's value included)."""
    return torch.Tensor.clone(torch.Tensor.detach(tensor))


def build_model(params: dict) -> nn.Sequential:
    """The case's model, in the parameters' dtype, starting from the values sent."""
    hidden, inputs = params["0.weight"].shape
    outputs = params["2.weight"].shape[0]
    dtype = params["0.weight"].dtype
    model = nn.Sequential(nn.Linear(inputs, hidden, dtype=dtype), nn.Tanh(), nn.Linear(hidden, outputs, dtype=dtype))
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(params[name])
    return model


def batch_size(value) -> int:
    """The leading size of a plain tensor, -1 for anything else."""
    return int(value.shape[0]) if type(value) is torch.Tensor and value.dim() > 0 else -1


class BatchRecorder:
    """Forward pre-hook and forward hook: the batch size of every forward pass, and the gradient
    that flowed back into each pass's output, tagged with the pass's index."""

    def __init__(self):
        self.forward: list[int] = []
        self.upstream: list[dict] = []
        self.count = 0

    def room(self) -> bool:
        self.count += 1
        return len(self.forward) + len(self.upstream) < MAX_RECORDS

    def before(self, module, args) -> None:
        if self.room():
            self.forward.append(batch_size(args[0]) if args else -1)

    def after(self, module, args, output) -> None:
        if type(output) is torch.Tensor and output.requires_grad:
            index = len(self.forward) - 1
            output.register_hook(lambda grad: self.backward(index, grad))

    def backward(self, index: int, grad) -> None:
        if self.room() and type(grad) is torch.Tensor:
            self.upstream.append({"index": index, "grad": snapshot(grad)})


@entry
def accumulate(student, x, y, params: dict, stale: dict, micro_bs: int) -> dict:
    """Call accumulate(model, x, y, micro_bs) on a model with stale grads; report grads, params, batches."""
    model = build_model(params)
    parameters = dict(model.named_parameters())
    for name, p in parameters.items():
        p.grad = stale[name].clone()
    recorder = BatchRecorder()
    handles = [model.register_forward_pre_hook(recorder.before), model.register_forward_hook(recorder.after)]
    try:
        student.accumulate(model, x.clone(), y.clone(), micro_bs)
    finally:
        for handle in handles:
            handle.remove()
    return {
        "grads": {name: None if p.grad is None else snapshot(p.grad) for name, p in parameters.items()},
        "params": {name: snapshot(p) for name, p in parameters.items()},
        "forward_sizes": recorder.forward,
        "upstream": recorder.upstream,
        "records": recorder.count,
    }
