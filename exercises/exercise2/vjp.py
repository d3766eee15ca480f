"""Exercise 2: a vector-Jacobian product with backward(gradient=v).

Edit this file, then run `grade exercise2` (or `grade 2`) to check your work.
"""

import torch


def vjp(f, x, v) -> torch.Tensor:
    """Return v^T J, where J is the Jacobian of y = f(x) at x, as a tensor shaped like x.

    f takes a tensor shaped like x and returns a tensor y; v is shaped like y. Autograd never
    builds J: y.backward(gradient=v) walks the graph once and leaves, in the leaf's .grad,

        (v^T J)_j = sum_i v_i * dy_i/dx_j

    where i runs over every element of y and j over every element of x.

    Steps: make a leaf that requires grad from x's values (leave the caller's x unchanged),
    compute y = f(leaf), call y.backward(gradient=v) (or torch.autograd.grad(y, leaf, v)), and
    return the leaf's gradient. Each call must stand alone.
    """
    raise NotImplementedError
