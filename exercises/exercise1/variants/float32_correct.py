# expect score: full
# expect hint: none
# expect flags: none

import torch
def dydx(f, x0):
    x = torch.tensor(float(x0), requires_grad=True)
    f(x).backward()
    return x.grad.item()
