# expect score: full
# expect hint: none
# expect flags: none

"""correct, computed in float32: graded with float32 tolerances"""

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    w32 = w.detach().float().requires_grad_()
    h = encoder(w32, x.float())
    (g1,) = torch.autograd.grad(loss1(h), w32, retain_graph=True)
    (g2,) = torch.autograd.grad(loss2(h), w32)
    return g1, g2
