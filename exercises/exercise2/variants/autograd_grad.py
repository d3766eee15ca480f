# expect score: full
# expect hint: none
# expect flags: none

"""correct, with torch.autograd.grad instead of backward"""

import torch


def vjp(f, x, v):
    leaf = x.detach().requires_grad_()
    (grad,) = torch.autograd.grad(f(leaf), leaf, grad_outputs=v)
    return grad
