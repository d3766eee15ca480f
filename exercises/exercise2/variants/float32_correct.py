# expect score: full
# expect hint: none
# expect flags: none

"""correct, computed in float32: graded with float32 tolerances"""

import torch


def vjp(f, x, v):
    leaf = x.detach().float().requires_grad_()
    f(leaf).backward(gradient=v.float())
    return leaf.grad
