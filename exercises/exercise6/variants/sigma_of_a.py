# expect score: 8
# expect hint: applied the sigmoid again

"""sigma' taken of the activation in both layers: sigmoid(a) * (1 - sigmoid(a))"""

import torch


def forward(x, params):
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = x @ W1.T + b1
    a1 = torch.sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = torch.sigmoid(z2)
    return z1, a1, z2, a2, a2 @ W3.T + b3


def mlp_backward(x, t, params):
    z1, a1, z2, a2, y = forward(x, params)
    W2, W3 = params["W2"], params["W3"]
    n, d = y.shape
    dy = 2 * (y - t) / (n * d)
    dz2 = (dy @ W3) * torch.sigmoid(a2) * (1 - torch.sigmoid(a2))
    dz1 = (dz2 @ W2) * torch.sigmoid(a1) * (1 - torch.sigmoid(a1))
    return {"W3": dy.T @ a2, "b3": dy.sum(0), "W2": dz2.T @ a1, "b2": dz2.sum(0),
            "W1": dz1.T @ x, "b1": dz1.sum(0)}
