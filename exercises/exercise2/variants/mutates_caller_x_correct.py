# expect score: full
# expect flag: changed the caller's x

"""right answers, but the caller's x is left requiring grad: reported, not penalised"""

import torch


def vjp(f, x, v):
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(f(x), x, grad_outputs=v)
    return grad
