# expect score: full
# expect hint: none
# expect flags: none

"""correct, with torch.no_grad() as a decorator"""

import torch


@torch.no_grad()
def predict(model, x):
    return model(x)
