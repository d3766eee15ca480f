# expect score: 0
# expect hint: backward() without arguments only works on a scalar

import torch


def vjp(f, x, v):
    leaf = x.detach().requires_grad_()
    f(leaf).backward()
    return leaf.grad * v
