"""exercise6: backpropagation by hand. Read README.md for the maths; edit this file only."""

import torch


def mlp_backward(x, t, params) -> dict:
    """The gradient of the mean squared error with respect to each parameter, without autograd.

    x: (N, D0) inputs; t: (N, D3) targets; params: a dict with W1 (H1, D0), b1 (H1,),
    W2 (H2, H1), b2 (H2,), W3 (D3, H2), b3 (D3,) in nn.Linear's layout (out_features first).

    Forward pass (given below):
        z1 = x @ W1.T + b1;  a1 = sigmoid(z1)
        z2 = a1 @ W2.T + b2; a2 = sigmoid(z2)
        y  = a2 @ W3.T + b3
        L  = mean over all N * D3 entries of (y - t) ** 2     (what nn.MSELoss() computes)

    Return a dict with the same keys, each value dL/d(that parameter) with the parameter's shape.
    Autograd is switched off while this runs: use the chain rule.
    """
    W1, b1, W2, b2, W3, b3 = (params[name] for name in ("W1", "b1", "W2", "b2", "W3", "b3"))

    # Forward pass: keep these intermediate values, the backward pass needs them.
    z1 = x @ W1.T + b1
    a1 = torch.sigmoid(z1)
    z2 = a1 @ W2.T + b2
    a2 = torch.sigmoid(z2)
    y = a2 @ W3.T + b3
    loss = ((y - t) ** 2).mean()  # noqa: F841 - the value the gradients below are of

    # Backward pass: start from dL/dy and walk back to W1.
    raise NotImplementedError("compute dL/dW3, dL/db3, ..., dL/dW1, dL/db1 and return them in a dict")
