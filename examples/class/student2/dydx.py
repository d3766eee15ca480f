"""Reuses one leaf across calls without zeroing: answers grow."""

import torch
x = torch.zeros((), dtype=torch.float64, requires_grad=True)
def dydx(f, x0):
    with torch.no_grad():
        x.fill_(float(x0))
    f(x).backward()
    return x.grad.item()
