# expect score: 0
# expect hint: by hand
# expect message: used autograd
# expect flag: for review

"""plain autograd: requires_grad and backward()"""

import torch


def neuron_grads(x, t, w, b):
    w = torch.tensor(w, requires_grad=True)
    b = torch.tensor(b, requires_grad=True)
    loss = ((torch.sigmoid(w * x + b) - t) ** 2).mean()
    loss.backward()
    return w.grad.item(), b.grad.item()
