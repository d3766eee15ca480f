# expect score: 0
# expect hint: sum of the gradients of steps 1-2
# expect hint: not a smaller learning rate

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr / 10)
    losses = []
    for epoch in range(epochs):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
