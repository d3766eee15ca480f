# expect score: 0
# expect hint: Pass create_graph=True

import torch


def hvp(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    (hv,) = torch.autograd.grad(g @ v, x)
    return hv
