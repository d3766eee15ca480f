"""Reference solution for exercise9 (instructor only)."""

import torch
from torch import nn


def accumulate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, micro_bs: int) -> None:
    model.zero_grad(set_to_none=True)
    n = x.shape[0]
    for start in range(0, n, micro_bs):
        xb, yb = x[start:start + micro_bs], y[start:start + micro_bs]
        loss = nn.functional.mse_loss(model(xb), yb) * (xb.shape[0] / n)
        loss.backward()
