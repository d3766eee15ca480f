"""Reference solution for exercise3 (instructor only)."""

import torch


def predict(model, x) -> torch.Tensor:
    with torch.no_grad():
        return model(x)
