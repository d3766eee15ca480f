# expect score: 16
# expect hint: exactly once through model(x)

"""no_grad, but model.forward(x) skips the model's hooks: the grader cannot see the forward"""

import torch


def predict(model, x):
    with torch.no_grad():
        return model.forward(x)
