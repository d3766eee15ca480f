# expect score: 75
# expect message: only 11 optimizer steps were recorded for epochs=12
# expect hint: exactly one optimizer step per epoch

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    """Off by one: epochs - 1 steps."""
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs - 1):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
