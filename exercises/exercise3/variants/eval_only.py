# expect score: 10
# expect hint: model.eval() is not torch.no_grad()

import torch


def predict(model, x):
    model.eval()
    return model(x)
