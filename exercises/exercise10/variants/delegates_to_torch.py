# expect score: 2
# expect hint: own backward node

import torch


class MySigmoid(torch.autograd.Function):
    apply = torch.sigmoid


class MyLinear(torch.autograd.Function):
    apply = torch.nn.functional.linear
