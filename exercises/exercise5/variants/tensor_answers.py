# expect score: full
# expect hint: none
# expect flags: none

"""correct; returns 0-d tensors rather than floats, which is accepted"""

import torch


def neuron_grads(x, t, w, b):
    a = torch.sigmoid(w * x + b)
    dz = 2 * (a - t) / len(x) * a * (1 - a)
    return (dz * x).sum(), dz.sum()
