"""Exercise 1: the derivative of a scalar function with autograd.

Edit this file, then run `grade exercise1` (or `grade 1`) to check your work.
"""

import torch


def dydx(f, x0: float | int) -> float:
    """Return f'(x0), the derivative of f at x0, computed with autograd, as a Python float.

    f is a function you cannot see inside: it takes a 0-d tensor x and returns a 0-d tensor
    y = f(x), built from torch operations (it may branch on the value of x).

    The maths autograd does for you: it records y = f(x) as a graph of operations and, on
    y.backward(), applies the chain rule backwards through that graph to leave dy/dx in x.grad:

        dy/dx = dy/du_n * du_n/du_(n-1) * ... * du_1/dx

    Steps: make x a leaf tensor that requires grad (x0 may be an int: gradients need a floating
    point dtype), compute y = f(x), call y.backward(), and read x.grad. Each call must be
    independent of the previous ones.
    """
    raise NotImplementedError
