# expect score: full
# The catalogue accepts updating through .data (no no_grad needed: .data is outside autograd).

def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p.data -= lr * p.grad.data
            p.grad.zero_()
