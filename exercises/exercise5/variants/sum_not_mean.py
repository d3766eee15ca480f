# expect score: 1
# expect hint: N times too large

"""right only where N = 1, where the sum and the mean agree"""

import torch


def neuron_grads(x, t, w, b):
    a = torch.sigmoid(w * x + b)
    dz = 2 * (a - t) * a * (1 - a)
    return (dz * x).sum().item(), dz.sum().item()
