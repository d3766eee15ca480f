# expect score: 16
# expect hint: That is right only when all micro-batches have the same size

import math

from torch import nn


def accumulate(model, x, y, micro_bs):
    model.zero_grad()
    chunks = math.ceil(x.shape[0] / micro_bs)
    for start in range(0, x.shape[0], micro_bs):
        loss = nn.functional.mse_loss(model(x[start:start + micro_bs]), y[start:start + micro_bs])
        (loss / chunks).backward()
