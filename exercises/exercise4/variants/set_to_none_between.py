# expect score: full
# expect hint: none
# expect flags: none

"""correct: keeps g1 itself and sets w.grad to None before the second backward"""

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    loss1(h).backward(retain_graph=True)
    g1 = w.grad
    w.grad = None
    loss2(h).backward()
    return g1, w.grad
