# expect score: full
# expect hint: none
# expect flags: none

"""correct, written with numpy and explicit loops over samples"""

import numpy as np
import torch


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def mlp_backward(x, t, params):
    p = {k: v.numpy().astype(np.float64) for k, v in params.items()}
    xs, ts = x.numpy().astype(np.float64), t.numpy().astype(np.float64)
    n, d = ts.shape
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    for i in range(n):
        a0 = xs[i]
        a1 = sigmoid(p["W1"] @ a0 + p["b1"])
        a2 = sigmoid(p["W2"] @ a1 + p["b2"])
        y = p["W3"] @ a2 + p["b3"]
        dy = 2 * (y - ts[i]) / (n * d)
        grads["W3"] += np.outer(dy, a2)
        grads["b3"] += dy
        dz2 = (p["W3"].T @ dy) * a2 * (1 - a2)
        grads["W2"] += np.outer(dz2, a1)
        grads["b2"] += dz2
        dz1 = (p["W2"].T @ dz2) * a1 * (1 - a1)
        grads["W1"] += np.outer(dz1, a0)
        grads["b1"] += dz1
    return {k: torch.from_numpy(v).to(x.dtype) for k, v in grads.items()}
