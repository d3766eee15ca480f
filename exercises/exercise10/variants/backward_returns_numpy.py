# expect score: 11
# expect message: backward returned a gradient that is not a tensor
# MyLinear's backward hands back numpy arrays: the values are right, but autograd accepts only
# tensors from a backward, so the Function fails in any real graph. MySigmoid is right.

import torch


class MySigmoid(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.sigmoid(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y * (1 - y)


class MyLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, W, b):
        ctx.save_for_backward(x, W)
        return x @ W.T + b

    @staticmethod
    def backward(ctx, grad_output):
        x, W = ctx.saved_tensors
        g, w, xs = grad_output.numpy(), W.numpy(), x.numpy()
        return g @ w, g.T @ xs, g.sum(axis=0)
