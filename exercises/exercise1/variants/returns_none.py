# expect score: 0
# expect hint: returned None

import torch


def dydx(f, x0):
    x = torch.tensor(float(x0), requires_grad=True)
    f(x).backward()
