# expect score: 0
# expect hint: don't replace the items of the list

import torch


def sgd_step(params, lr):
    with torch.no_grad():
        for i, p in enumerate(params):
            if p.grad is not None:
                params[i] = (p - lr * p.grad).requires_grad_()
