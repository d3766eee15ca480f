# expect score: full
# expect hint: none
# expect flags: none

"""correct: switches grad mode off by hand and puts back what it found"""

import torch


def predict(model, x):
    before = torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        return model(x)
    finally:
        torch.set_grad_enabled(before)
