# expect score: full
# In-place sub_ with alpha, gradients zeroed rather than set to None.

import torch


def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.sub_(p.grad, alpha=lr)
                p.grad.zero_()
