"""Reference solution for exercise8 (instructor only)."""

import torch
from torch import nn


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int) -> list[float]:
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
