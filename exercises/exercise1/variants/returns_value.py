# expect score: 0
# expect hint: You returned f(x0)
# expect message: expected

import torch
def dydx(f, x0):
    x = torch.tensor(float(x0), requires_grad=True)
    return f(x).item()
