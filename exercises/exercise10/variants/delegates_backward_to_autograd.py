# expect score: 2
# expect message: used autograd
# A Function whose backward hands the work to torch's autograd on a graph built in forward:
# the backward runs under the no-autograd guard, so it earns no backward credit.

import torch


class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        with torch.enable_grad():
            inner = x.detach().requires_grad_()
            y = torch.sigmoid(inner)
        ctx.graph = (inner, y)
        return y.detach()

    @staticmethod
    def backward(ctx, grad_output):
        inner, y = ctx.graph
        return torch.autograd.grad(y, inner, grad_output, retain_graph=True)[0]


class MyLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, W, b):
        with torch.enable_grad():
            leaves = [t.detach().requires_grad_() for t in (x, W, b)]
            y = torch.nn.functional.linear(*leaves)
        ctx.graph = (leaves, y)
        return y.detach()

    @staticmethod
    def backward(ctx, grad_output):
        leaves, y = ctx.graph
        return torch.autograd.grad(y, leaves, grad_output, retain_graph=True)
