"""Exercise 7: one step of gradient descent by hand.

Edit this file, then run `grade exercise7` (or `grade 7`) to check your work.
"""

import torch


def sgd_step(params: list[torch.Tensor], lr: float) -> None:
    """Take one step of plain gradient descent on each parameter, in place, then clear its grad.

    params are leaf tensors with requires_grad=True; after loss.backward() each holds its
    gradient dL/dp in p.grad (or None, if the loss does not depend on it: leave that one as it is).
    The update is

        p <- p - lr * dL/dp

    applied to the very tensor objects you are given (the caller's model holds them), under
    torch.no_grad() so that autograd does not record the update. Then clear each gradient
    (p.grad = None, or p.grad.zero_()) so that the next backward() starts from zero.
    Return nothing.
    """
    raise NotImplementedError
