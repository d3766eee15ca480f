# expect score: full
# expect hint: none
# expect flags: none

# Correct: passing the seed gradient 1 explicitly, as one does for a non-scalar output.
import torch


def dydx(f, x0):
    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    y = f(x)
    y.backward(torch.ones_like(y))
    return x.grad.item()
