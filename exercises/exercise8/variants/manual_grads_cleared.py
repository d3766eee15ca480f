# expect score: full
# expect hint: none

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    """Correct, written differently: a hand-written MSE and grads set to None by hand."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        for p in model.parameters():
            p.grad = None
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses
