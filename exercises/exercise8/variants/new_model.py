# expect score: 0
# expect message: did not hold exactly the model's parameters
# expect hint: don't create a new model

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    """Trains a model of its own instead of the one it was given."""
    model = nn.Linear(1, 1, dtype=x.dtype)
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
