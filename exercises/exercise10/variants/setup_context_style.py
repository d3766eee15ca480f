# expect score: full
# PyTorch 2.0's style: forward without ctx, and a separate setup_context that saves what backward
# needs. autograd runs it as it runs the classic style; so must the grader.

import torch


class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad_output * y * (1 - y)


class MyLinear(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.addmm(b, x, W.T)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, W, _ = inputs
        ctx.save_for_backward(x, W)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        x, W = ctx.saved_tensors
        return grad_output @ W, grad_output.T @ x, grad_output.sum(dim=0)
