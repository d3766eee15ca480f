# expect score: 0

"""random tensors of the right shapes"""

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
    g = torch.Generator().manual_seed(7)
    return {k: torch.randn(v.shape, generator=g, dtype=v.dtype) for k, v in params.items()}
