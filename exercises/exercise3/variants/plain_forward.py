# expect score: 10
# expect hint: recorded a graph

import torch


def predict(model, x):
    return model(x)
