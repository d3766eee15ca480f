# expect score: 16
# expect hint: still off after predict returned

import torch


def predict(model, x):
    torch.set_grad_enabled(False)
    return model(x)
