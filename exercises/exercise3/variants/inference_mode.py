# expect score: full
# expect hint: none
# expect flags: none

"""correct, with torch.inference_mode()"""

import torch


def predict(model, x):
    with torch.inference_mode():
        return model(x)
