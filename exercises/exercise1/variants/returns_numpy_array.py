# expect score: full
# expect hint: none
# x.grad.numpy() is a 0-d numpy array: one number, read as one.

import torch


def dydx(f, x0):
    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    f(x).backward()
    return x.grad.numpy()
