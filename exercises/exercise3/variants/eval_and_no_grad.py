# expect score: full
# expect hint: none
# expect flags: none

"""correct: eval() as well as no_grad(), as a real inference function would"""

import torch


def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
