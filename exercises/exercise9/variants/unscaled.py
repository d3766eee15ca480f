# expect score: 8
# expect hint: added their gradients unscaled

from torch import nn


def accumulate(model, x, y, micro_bs):
    model.zero_grad()
    for start in range(0, x.shape[0], micro_bs):
        nn.functional.mse_loss(model(x[start:start + micro_bs]), y[start:start + micro_bs]).backward()
