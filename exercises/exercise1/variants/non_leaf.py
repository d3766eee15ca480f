# expect score: 0
# expect hint: not a leaf

import torch
def dydx(f, x0):
    x = torch.tensor(float(x0), requires_grad=True).double()
    f(x).backward()
    return x.grad.item()
