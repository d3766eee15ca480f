"""Exercise 11: Hessian-vector products, by differentiating a gradient.

Edit this file, then run `grade exercise11` (or `grade 11`) to check your work.
"""

import torch


def hvp(f, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Return H v, the Hessian of the scalar function f at x times the vector v.

    f takes a 1-D tensor x of n elements and returns a 0-d tensor. Its Hessian H is the n x n
    matrix of second derivatives, H[i, j] = d^2 f / dx_i dx_j. H v is the gradient of the
    scalar g(x) . v, where g(x) = df/dx is the gradient:

        H v = d/dx ( (df/dx) . v )

    so differentiate twice: g = torch.autograd.grad(f(x), x, create_graph=True)[0] keeps the
    graph of g itself (create_graph=True), and then torch.autograd.grad(g @ v, x)[0] is H v.
    Don't build H. Don't modify x or v.
    """
    raise NotImplementedError
