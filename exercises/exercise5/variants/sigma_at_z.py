# expect score: 0
# expect hint: z * (1 - z)

import torch


def neuron_grads(x, t, w, b):
    z = w * x + b
    a = torch.sigmoid(z)
    dz = 2 * (a - t) / x.shape[0] * z * (1 - z)
    return (dz * x).sum().item(), dz.sum().item()
