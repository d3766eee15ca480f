# expect score: 0
# expect hint: backpropagated the sum of the losses

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    h = encoder(w, x)
    (loss1(h) + loss2(h)).backward()
    return w.grad.clone(), w.grad.clone()
