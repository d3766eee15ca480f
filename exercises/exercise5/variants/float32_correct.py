# expect score: full
# expect hint: none
# expect flags: none

"""correct, computed in float32 whatever the inputs' dtype"""

import torch


def neuron_grads(x, t, w, b):
    x, t = x.float(), t.float()
    a = torch.sigmoid(w * x + b)
    dz = 2 * (a - t) / len(x) * a * (1 - a)
    return float((dz * x).sum()), float(dz.sum())
