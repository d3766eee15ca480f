# expect score: 0
# expect hint: applied the sigmoid again
# expect hint: you differentiated the sum

"""two bugs of real code at once: the loss differentiated as a sum, and sigma' taken of the activation (sigmoid(a))"""

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
    dy = 2 * (y - t)
    s2, s1 = torch.sigmoid(a2), torch.sigmoid(a1)
    dz2 = (dy @ W3) * s2 * (1 - s2)
    dz1 = (dz2 @ W2) * s1 * (1 - s1)
    return {"W3": dy.T @ a2, "b3": dy.sum(0), "W2": dz2.T @ a1, "b2": dz2.sum(0),
            "W1": dz1.T @ x, "b1": dz1.sum(0)}
