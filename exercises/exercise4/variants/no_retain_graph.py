# expect score: 0
# expect hint: retain_graph=True

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    loss1(h).backward()
    g1 = w.grad.clone()
    w.grad = None
    loss2(h).backward()
    return g1, w.grad
