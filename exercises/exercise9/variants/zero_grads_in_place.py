# expect score: full
# Zeroing the stale grads in place (not None) and weighting by the micro-batch's share.

import torch


def accumulate(model, x, y, micro_bs):
    for p in model.parameters():
        if p.grad is not None:
            p.grad.zero_()
    n = x.shape[0]
    for start in range(0, n, micro_bs):
        xb, yb = x[start:start + micro_bs], y[start:start + micro_bs]
        loss = ((model(xb) - yb) ** 2).mean()
        (loss * (len(xb) / n)).backward()
