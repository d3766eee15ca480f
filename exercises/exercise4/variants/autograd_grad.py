# expect score: full
# expect hint: none
# expect flags: none

"""correct, with torch.autograd.grad instead of backward"""

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    (g1,) = torch.autograd.grad(loss1(h), w, retain_graph=True)
    (g2,) = torch.autograd.grad(loss2(h), w)
    return g1, g2
