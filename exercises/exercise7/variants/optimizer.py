# expect score: full
# torch.optim.SGD over the same parameters is the same step.

import torch


def sgd_step(params, lr):
    optimizer = torch.optim.SGD(params, lr=lr)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
