# expect score: 8
# expect hint: Only the last micro-batch's gradient is left

from torch import nn


def accumulate(model, x, y, micro_bs):
    n = x.shape[0]
    for start in range(0, n, micro_bs):
        model.zero_grad()
        xb, yb = x[start:start + micro_bs], y[start:start + micro_bs]
        (nn.functional.mse_loss(model(xb), yb) * xb.shape[0] / n).backward()
