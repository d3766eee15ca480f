# expect score: 1
# expect hint: v belongs in the backward pass

"""right on the diagonal Jacobian (sin) only; a shape error where v and x differ in size"""

import torch


def vjp(f, x, v):
    leaf = x.detach().requires_grad_()
    f(leaf).sum().backward()
    return leaf.grad * v
