# expect score: 6
# expect hint: Integer tensors cannot require gradients

import torch
def dydx(f, x0):
    x = torch.tensor(x0, requires_grad=True)
    f(x).backward()
    return x.grad.item()
