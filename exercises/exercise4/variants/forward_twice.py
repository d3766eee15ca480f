# expect score: 8
# expect hint: called the encoder more than once

"""no retain_graph needed, because each loss gets a forward pass of its own"""

import torch


def two_loss_grads(w, x, encoder, loss1, loss2):
    loss1(encoder(w, x)).backward()
    g1 = w.grad.clone()
    w.grad = None
    loss2(encoder(w, x)).backward()
    return g1, w.grad.clone()
