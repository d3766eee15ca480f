# expect score: 0
# expect hint: H v plus the gradient of f

import torch


def hvp(f, x, v):
    x = x.detach().requires_grad_()
    f(x).backward(create_graph=True)
    (x.grad @ v).backward()
    return x.grad.detach()
