# expect score: full
# backward twice is right when x.grad is cleared between the calls (and only the second kept).

import torch


def hvp(f, x, v):
    x = x.detach().requires_grad_()
    f(x).backward(create_graph=True)
    g = x.grad
    x.grad = None
    (g @ v).backward()
    return x.grad.detach()
