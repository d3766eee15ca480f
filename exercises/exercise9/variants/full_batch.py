# expect score: 20
# expect hint: no forward or backward pass holds the whole batch

from torch import nn


def accumulate(model, x, y, micro_bs):
    model.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
