"""Exercise 4: two gradients from one forward pass.

Edit this file, then run `grade exercise4` (or `grade 4`) to check your work.
"""

import torch


def two_loss_grads(w, x, encoder, loss1, loss2) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (g1, g2) = (dL1/dw, dL2/dw) for L1 = loss1(h) and L2 = loss2(h), h = encoder(w, x).

    w is a leaf that requires grad (like a model's parameter) and whose .grad starts as None.
    Call encoder(w, x) ONCE: both losses share that h (the encoder is expensive, and it uses
    dropout, so a second call would give another h). By the chain rule, each gradient flows back
    through the same graph:

        dL1/dw = dL1/dh * dh/dw        dL2/dw = dL2/dh * dh/dw

    backward() frees the graph's saved tensors unless told otherwise: the first of the two
    backward passes needs retain_graph=True. backward() also *adds* into w.grad, so keep the
    first gradient (a clone) and clear w.grad before the second. Return two tensors shaped like w.
    """
    raise NotImplementedError
