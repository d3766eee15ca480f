# expect score: 0
# expect hint: same tensor, w.grad

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    loss1(h).backward(retain_graph=True)
    g1 = w.grad
    loss2(h).backward()
    g2 = w.grad
    return g1, g2
