"""Exercise 5: the chain rule by hand through one sigmoid neuron. Read README.md for the maths.

Edit this file, then run `grade exercise5` (or `grade 5`) to check your work.
"""

import torch


def neuron_grads(x, t, w: float, b: float) -> tuple[float, float]:
    """Return (dL/dw, dL/db) as Python floats, computed by hand (autograd is switched off).

    x and t are 1-D tensors of N samples; w and b are numbers. For each sample i:

        z_i = w * x_i + b          a_i = sigmoid(z_i)          L = (1/N) * sum_i (a_i - t_i)**2

    The chain rule, one factor per step from the loss back:

        dL/da_i = 2 * (a_i - t_i) / N
        da_i/dz_i = a_i * (1 - a_i)            (sigma'(z) written with the activation a)
        dz_i/dw = x_i,   dz_i/db = 1

        dL/dw = sum_i dL/da_i * da_i/dz_i * x_i      dL/db = sum_i dL/da_i * da_i/dz_i
    """
    raise NotImplementedError
