# expect score: full
# expect hint: none
# expect flags: none
# numpy from start to end, the gradients returned as numpy arrays: the values are what is graded.

import numpy as np


def mlp_backward(x, t, params):
    p = {name: value.numpy() for name, value in params.items()}
    x, t = x.numpy(), t.numpy()

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    a1 = sigmoid(x @ p["W1"].T + p["b1"])
    a2 = sigmoid(a1 @ p["W2"].T + p["b2"])
    y = a2 @ p["W3"].T + p["b3"]
    delta = 2 * (y - t) / y.size
    grads = {"W3": delta.T @ a2, "b3": delta.sum(axis=0)}
    delta = (delta @ p["W3"]) * a2 * (1 - a2)
    grads.update(W2=delta.T @ a1, b2=delta.sum(axis=0))
    delta = (delta @ p["W2"]) * a1 * (1 - a1)
    grads.update(W1=delta.T @ x, b1=delta.sum(axis=0))
    return grads
