# expect score: full
# expect hint: none
# expect flags: none

"""correct, with numpy and a loop over the samples; returns numpy floats"""

import numpy as np


def neuron_grads(x, t, w, b):
    xs, ts = x.numpy().astype(np.float64), t.numpy().astype(np.float64)
    n = len(xs)
    dw = db = np.float64(0.0)
    for xi, ti in zip(xs, ts):
        a = 1.0 / (1.0 + np.exp(-(w * xi + b)))
        dz = 2.0 * (a - ti) / n * a * (1.0 - a)
        dw += dz * xi
        db += dz
    return dw, db
