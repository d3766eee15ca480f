# expect score: 0
# expect hint: learning rate is not the lr train was given

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr / 4)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
