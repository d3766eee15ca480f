# expect score: 4
# expect hint: grow from one call to the next
# expect flag: changed the caller's x

"""sets requires_grad on the caller's x and returns x.grad: the second call on that x accumulates"""

import torch


def vjp(f, x, v):
    x.requires_grad_(True)
    f(x).backward(gradient=v)
    return x.grad.clone()
