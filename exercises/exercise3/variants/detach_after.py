# expect score: 16
# expect hint: detached its output

import torch


def predict(model, x):
    return model(x).detach()
