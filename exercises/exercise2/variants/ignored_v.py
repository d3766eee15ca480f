# expect score: 0
# expect hint: does not depend on v

import torch


def vjp(f, x, v):
    leaf = x.detach().requires_grad_()
    f(leaf).sum().backward()
    return leaf.grad
