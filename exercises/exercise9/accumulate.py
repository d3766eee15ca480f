"""Exercise 9: gradient accumulation over micro-batches.

Edit this file, then run `grade exercise9` (or `grade 9`) to check your work.
"""

import torch
from torch import nn


def accumulate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, micro_bs: int) -> None:
    """Leave in each parameter's .grad the gradient of the full-batch loss, computed micro-batch by micro-batch.

    The full-batch loss is the mean squared error over all N samples (N = x.shape[0]):

        L = mse_loss(model(x), y) = 1/N * sum_i l_i,   l_i = the mean of (model(x_i) - y_i)**2 over outputs

    Split the batch into consecutive micro-batches of at most micro_bs samples (the last may be
    smaller): B_1, ..., B_K with sizes n_1, ..., n_K. Each micro-batch's loss L_k =
    mse_loss(model(x[B_k]), y[B_k]) is the mean over its n_k samples, so

        L = sum_k (n_k / N) * L_k      and      dL/dp = sum_k (n_k / N) * dL_k/dp

    backward() adds into .grad, so calling ((n_k / N) * L_k).backward() for each micro-batch
    leaves dL/dp in p.grad. The model's parameters may hold stale gradients when you are called:
    clear them first. Run the model only on micro-batches, never on the whole batch at once,
    and do not change the parameters (no optimizer step). Return nothing.
    """
    raise NotImplementedError
