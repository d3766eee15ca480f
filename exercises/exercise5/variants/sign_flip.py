# expect score: 0
# expect hint: opposite sign

import torch


def neuron_grads(x, t, w, b):
    a = torch.sigmoid(w * x + b)
    dz = 2 * (t - a) / x.shape[0] * a * (1 - a)
    return (dz * x).sum().item(), dz.sum().item()
