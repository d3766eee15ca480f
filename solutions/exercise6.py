"""exercise6 reference: backpropagation by hand through the two-hidden-layer network."""

import torch


def mlp_backward(x, t, params):
    W1, b1, W2, b2, W3, b3 = (params[name] for name in ("W1", "b1", "W2", "b2", "W3", "b3"))

    z1 = x @ W1.T + b1
    a1 = torch.sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = torch.sigmoid(z2)
    y = a2 @ W3.T + b3

    n, d_out = y.shape
    dy = 2 * (y - t) / (n * d_out)   # dL/dy: the mean runs over all N * D3 entries
    da2 = dy @ W3                    # dL/da2
    dz2 = da2 * a2 * (1 - a2)        # dL/dz2: sigma'(z2) = a2 (1 - a2)
    da1 = dz2 @ W2
    dz1 = da1 * a1 * (1 - a1)
    return {
        "W3": dy.T @ a2, "b3": dy.sum(0),
        "W2": dz2.T @ a1, "b2": dz2.sum(0),
        "W1": dz1.T @ x, "b1": dz1.sum(0),
    }
