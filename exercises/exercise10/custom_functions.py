"""Exercise 10: custom autograd Functions with a hand-written backward.

Edit this file, then run `grade exercise10` (or `grade 10`) to check your work.
"""

import torch


class MySigmoid(torch.autograd.Function):
    """y = sigmoid(x) = 1 / (1 + exp(-x)), elementwise; use it as MySigmoid.apply(x)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        """Return sigmoid(x), finite for every x (x = -800 and x = 800 included), and save what
        backward needs with ctx.save_for_backward(...)."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        """Return dL/dx given grad_output = dL/dy. Elementwise, dy/dx = y * (1 - y), so

            dL/dx = grad_output * y * (1 - y)
        """
        raise NotImplementedError


class MyLinear(torch.autograd.Function):
    """y = x @ W.T + b (nn.Linear's layout: W is (out, in), b is (out,)); use it as MyLinear.apply(x, W, b)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Return x @ W.T + b for x of shape (N, in), and save what backward needs."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (dL/dx, dL/dW, dL/db), one gradient per input of forward, each of its input's shape.
        With G = grad_output = dL/dy of shape (N, out):

            dL/dx = G @ W          (N, in)
            dL/dW = G.T @ x        (out, in)
            dL/db = G.sum(dim=0)   (out,): every sample adds the same b
        """
        raise NotImplementedError
