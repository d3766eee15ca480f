# expect score: full
# expect hint: none
# expect flag: finite differences

"""central finite differences in float64: passes, and gets flagged for review"""

import torch


def loss(x, t, p):
    a1 = torch.sigmoid(x @ p["W1"].T + p["b1"])
    a2 = torch.sigmoid(a1 @ p["W2"].T + p["b2"])
    return (((a2 @ p["W3"].T + p["b3"]) - t) ** 2).mean().item()


def mlp_backward(x, t, params):
    h = 1e-5
    x64, t64 = x.double(), t.double()
    p = {k: v.double().clone() for k, v in params.items()}
    grads = {}
    for name, value in p.items():
        g = torch.zeros_like(value)
        flat, gflat = value.view(-1), g.view(-1)
        for i in range(flat.numel()):
            keep = flat[i].item()
            flat[i] = keep + h
            up = loss(x64, t64, p)
            flat[i] = keep - h
            down = loss(x64, t64, p)
            flat[i] = keep
            gflat[i] = (up - down) / (2 * h)
        grads[name] = g.to(params[name].dtype)
    return grads
