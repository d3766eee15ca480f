# expect score: 0
# expect hint: by hand
# expect message: used autograd
# expect flag: for review

"""plain autograd: requires_grad and backward()"""

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
    leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
    y = forward(x, leaves)[-1]
    ((y - t) ** 2).mean().backward()
    return {k: v.grad for k, v in leaves.items()}
