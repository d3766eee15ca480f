# expect score: 0
# expect hint: by hand
# expect message: used autograd
# expect flag: for review

"""a reference to torch.autograd.grad captured at import time"""

from torch.autograd import grad as take_gradient

import torch


def forward(x, params):
    W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    z1 = x @ W1.T + b1
    a1 = torch.sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = torch.sigmoid(z2)
    return z1, a1, z2, a2, a2 @ W3.T + b3


def mlp_backward(x, t, params):
    with torch.enable_grad():
        leaves = {k: v.clone().requires_grad_() for k, v in params.items()}
        loss = ((forward(x, leaves)[-1] - t) ** 2).mean()
        return dict(zip(leaves, take_gradient(loss, list(leaves.values()))))
