# expect score: 5
# expect message: step 2 of 12: the parameters after this step are not p - lr * p.grad
# expect hint: no momentum

import torch
from torch import nn


def train(model, x, y, lr, epochs):
    """SGD with momentum is not plain gradient descent."""
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
