# expect score: full
# expect hint: none
# The losses returned as one 1-D tensor instead of a list: the training is right, and the values
# are read the same way.

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses[epoch] = loss.detach()
    return losses
