# expect score: full
# expect hint: none
# expect flag: returned a tensor where the statement asks for a Python float

import torch


def dydx(f, x0):
    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    f(x).backward()
    return x.grad  # a 0-d tensor rather than a float: accepted
