# expect score: full
# A sum-reduced loss over each micro-batch divided by N (samples times outputs) is the same gradient.

from torch import nn


def accumulate(model, x, y, micro_bs):
    for p in model.parameters():
        p.grad = None
    total = y.numel()
    for xb, yb in zip(x.split(micro_bs), y.split(micro_bs)):
        (nn.functional.mse_loss(model(xb), yb, reduction="sum") / total).backward()
