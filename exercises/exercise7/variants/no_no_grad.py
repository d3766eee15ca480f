# expect score: 0
# expect hint: Do the update inside `with torch.no_grad():`

def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p -= lr * p.grad
            p.grad = None
