import torch
def dydx(f, x0):
    x = torch.tensor(float(x0), requires_grad=True)
    return f(x).item()
