# expect score: 1
# expect hint: v belongs in the backward pass

"""J v by forward mode: right only where J is symmetric (sin); a shape error where v and x differ"""

import torch


def vjp(f, x, v):
    _, product = torch.autograd.functional.jvp(f, x.detach(), v)
    return product
