"""Reference solution for exercise2 (instructor only)."""

import torch


def vjp(f, x, v) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    y = f(leaf)
    y.backward(gradient=v)
    return leaf.grad
