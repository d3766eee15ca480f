# expect score: 6
# expect hint: w.grad still held g1

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    loss1(h).backward(retain_graph=True)
    g1 = w.grad.clone()
    loss2(h).backward()
    return g1, w.grad.clone()
