# expect score: full
# expect hint: none
# expect flags: none

"""correct, in plain Python floats"""

import math


def neuron_grads(x, t, w, b):
    n = len(x)
    dw = db = 0.0
    for xi, ti in zip(x.tolist(), t.tolist()):
        a = 1.0 / (1.0 + math.exp(-(w * xi + b)))
        dz = 2.0 * (a - ti) / n * a * (1.0 - a)
        dw += dz * xi
        db += dz
    return dw, db
