# expect score: 0
# expect message: returned None, expected the list of per-epoch losses
# expect hint: returned None

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    """Trains correctly but forgets to return the losses."""
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
