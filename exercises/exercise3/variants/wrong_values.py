# expect score: 0
# expect hint: predict must return model(x)

"""no graph, grad mode untouched, but not the model's output: the records count for nothing"""

import torch


def predict(model, x):
    with torch.no_grad():
        return model(x) + 1.0
