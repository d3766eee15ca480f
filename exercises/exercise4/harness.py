"""exercise4's harness: hands the student w, x, a dropout encoder and two losses; collects (g1, g2).

Runs in the sandbox child beside the student's module; the tests import it too, to rebuild the
very same encoder and losses and differentiate them with autograd. The encoder counts its calls,
and each call draws its own dropout mask from the case's seed and the call's number (call 1,
call 2, ...). The count is a record the student's code could change; the masks are not: a
gradient taken through a second call's h is a different tensor, which the trusted side can tell
from the answer itself.
"""

import torch

from grader.harness import NotPlainData, as_tensor, describe_type, entry

DROP = 0.25  # the encoder's dropout probability


def dropout_mask(seed: int, call: int, shape, dtype) -> torch.Tensor:
    """The mask (already scaled by 1 / (1 - DROP)) of the encoder's ``call``-th call (from 1)."""
    generator = torch.Generator().manual_seed(seed * 1009 + call)
    keep = torch.rand(shape, generator=generator, dtype=torch.float64) >= DROP
    return (keep.to(torch.float64) / (1 - DROP)).to(dtype)


def encode(w, x, seed: int, call: int):
    """h = dropout(tanh(x @ w)) with the ``call``-th mask; x follows w's dtype."""
    z = torch.tanh(x.to(w.dtype) @ w)
    return z * dropout_mask(seed, call, z.shape, z.dtype)


def make_encoder(seed: int, calls: list):
    """The encoder the student gets: each call appends to ``calls`` and uses the next mask."""
    def encoder(w, x):
        calls.append(1)
        return encode(w, x, seed, len(calls))

    return encoder


def make_losses(spec: dict):
    """loss1(h) = mean((h - a)**2); loss2(h) = mean(softplus(h @ u)); both follow h's dtype."""
    a, u = spec["a"], spec["u"]

    def loss1(h):
        return ((h - a.to(h.dtype)) ** 2).mean()

    def loss2(h):
        return torch.nn.functional.softplus(h @ u.to(h.dtype)).mean()

    return loss1, loss2


@entry
def two_loss_grads(student, w, x, seed: int, losses: dict) -> dict:
    """Call the student's two_loss_grads with a fresh leaf w; report the gradients and the calls."""
    leaf = w.clone().requires_grad_(True)
    calls = []
    loss1, loss2 = make_losses(losses)
    result = student.two_loss_grads(leaf, x.clone(), make_encoder(seed, calls), loss1, loss2)
    if type(result) not in (tuple, list) or len(result) != 2:
        raise NotPlainData(f"returned a {describe_type(result)}, expected a pair (g1, g2) of tensors")
    g1, g2 = result
    try:
        answers = [as_tensor(g1), as_tensor(g2)]
    except NotPlainData as error:
        raise NotPlainData(f"{error} in the pair (g1, g2)") from None
    return {"g1": answers[0], "g2": answers[1], "same_tensor": g1 is g2, "encoder_calls": len(calls)}
