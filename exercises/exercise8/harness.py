"""exercise8's harness: build the model, record every optimizer step, call the student's train.

Runs in the sandbox child beside the student's module. A global optimizer step pre-hook records,
at every ``step()`` of any optimizer the student makes, each tensor the optimizer holds (named
when it is one of the model's parameters), its ``.grad`` and its group's learning rate. Nothing
here is trusted: the checks verify the records against autograd in the trusted process
(``grader.checks.records``), so a record that is missing or made up verifies nothing.
"""

import sys

import torch
import torch._dynamo  # noqa: F401 - see below
from torch.optim.optimizer import register_optimizer_step_pre_hook

from grader.harness import NotPlainData, as_number, describe_type, entry

# Building an optimizer imports torch._dynamo on first use: about a second. Imported here, it is
# paid once in the zygote instead of in every child. An import runs no torch operation and
# starts no thread, so forking after it is safe.

EXTRA_RECORDS = 16  # steps recorded beyond `epochs`; later ones are only counted


def snapshot(tensor) -> torch.Tensor:
    """A detached copy as an exact torch.Tensor (a Parameter's value included)."""
    return torch.Tensor.clone(torch.Tensor.detach(tensor))


def learning_rate(value) -> float:
    """A param group's lr as a float; NaN when it is not a number (the step then verifies nothing)."""
    if type(value) in (float, int):
        return float(value)
    if type(value) is torch.Tensor and torch.Tensor.numel(value) == 1:
        return float(torch.Tensor.item(value))
    return float("nan")


def build_model(weight: torch.Tensor, bias: torch.Tensor) -> torch.nn.Linear:
    """The tutorial's nn.Linear(1, 1), in the case's dtype, starting from the parameters sent."""
    model = torch.nn.Linear(1, 1, dtype=weight.dtype)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


class StepRecorder:
    """The global step pre-hook: one record per ``optimizer.step()``, before the update."""

    def __init__(self, parameters: dict[str, torch.Tensor], keep: int):
        self.parameters = parameters
        self.keep = keep
        self.records: list[list[dict]] = []
        self.count = 0

    def name_of(self, tensor) -> str | None:
        return next((name for name, p in self.parameters.items() if p is tensor), None)

    def __call__(self, optimizer, args, kwargs) -> None:
        self.count += 1
        if len(self.records) >= self.keep:
            return
        self.records.append([
            {"name": self.name_of(p), "value": snapshot(p),
             "grad": None if p.grad is None else snapshot(p.grad), "lr": learning_rate(group.get("lr"))}
            for group in optimizer.param_groups
            for p in group["params"]
        ])


def one_dimensional_items(value):
    """A 1-D tensor or numpy array of losses as a list of its items; anything else unchanged.

    Only exact types, read with the class's own methods (a subclass's override never runs)."""
    numpy = sys.modules.get("numpy")
    if type(value) is torch.Tensor and torch.Tensor.dim(value) == 1:
        return list(torch.Tensor.unbind(torch.Tensor.detach(value)))
    if numpy is not None and type(value) is numpy.ndarray and value.ndim == 1:
        return numpy.ndarray.tolist(value)
    return value


def as_losses(value, limit: int) -> list[float]:
    """The student's per-epoch losses as plain floats (each a number or a one-element tensor)."""
    if value is None:
        raise NotPlainData("returned None, expected the list of per-epoch losses")
    value = one_dimensional_items(value)
    if type(value) not in (list, tuple):
        raise NotPlainData(f"returned a {describe_type(value)}, expected a list of per-epoch losses (floats)")
    if len(value) > limit:
        raise NotPlainData(f"returned {len(value)} losses, far more than one per epoch")
    losses = []
    for item in value:
        try:
            number, _ = as_number(item)
        except NotPlainData as error:
            raise NotPlainData(f"returned a list holding an item that is not a loss: {error}") from None
        losses.append(float(number))
    return losses


@entry
def train(student, x, y, weight, bias, lr: float, epochs: int) -> dict:
    """Call the student's train(model, x, y, lr, epochs) with every optimizer step recorded."""
    model = build_model(weight, bias)
    parameters = dict(model.named_parameters())
    recorder = StepRecorder(parameters, keep=epochs + EXTRA_RECORDS)
    handle = register_optimizer_step_pre_hook(recorder)
    try:
        losses = student.train(model, x.clone(), y.clone(), lr, epochs)
    finally:
        handle.remove()
    return {
        "records": recorder.records,
        "steps": recorder.count,
        "losses": as_losses(losses, epochs + EXTRA_RECORDS),
        "final": {name: snapshot(p) for name, p in parameters.items()},
    }
