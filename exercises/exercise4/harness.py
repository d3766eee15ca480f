"""exercise4's harness: hands the student w, x, a dropout encoder and two losses; collects (g1, g2).

Runs in the sandbox child beside the student's module; the tests import it too, to rebuild the
very same encoder and losses and differentiate them with autograd. Each call of the encoder
draws its own dropout mask from the case's seed and the call's number (call 1, call 2, ...), and
the encoder counts its calls. The count is a record, which the student's code could change; the
masks show in the answer itself: a gradient taken through a second call's h is another tensor,
which the trusted side tells apart (``support.py``).

So that patching this module or torch's functions by name changes neither the masks nor which
call is which, every function here holds what it calls in default arguments, bound when the
zygote imported this module (reassigning a function's defaults is refused in the child), and
the call number comes from an ``itertools.count`` apart from the count that is reported. What
still gets through is code that rewrites the encoder's closure, intercepts torch inside the call
(a function mode) or replaces the harness's entry: far more work than retain_graph=True, and
worth the one point of "one forward pass" per case.
"""

import itertools

import torch

from grader.harness import NotPlainData, as_tensor, describe_type, entry

DROP = 0.25  # the encoder's dropout probability


def dropout_mask(seed: int, call: int, shape, dtype, _generator=torch.Generator, _rand=torch.rand,
                 _ge=torch.ge, _div=torch.div, _to=torch._C.TensorBase.to) -> torch.Tensor:
    """The mask (already scaled by 1 / (1 - DROP)) of the encoder's ``call``-th call (from 1)."""
    generator = _generator().manual_seed(seed * 1009 + call)
    keep = _ge(_rand(shape, generator=generator, dtype=torch.float64), DROP)
    return _to(_div(_to(keep, torch.float64), 1 - DROP), dtype)


def encode(w, x, seed: int, call: int, _mask=dropout_mask, _tanh=torch.tanh, _matmul=torch.matmul,
           _mul=torch.mul, _to=torch._C.TensorBase.to, _dtype=torch._C.TensorBase.dtype.__get__):
    """h = dropout(tanh(x @ w)) with the ``call``-th mask; x follows w's dtype."""
    z = _tanh(_matmul(_to(x, _dtype(w)), w))
    return _mul(z, _mask(seed, call, z.shape, _dtype(z)))


def make_encoder(seed: int, calls: list, _encode=encode, _count=itertools.count):
    """The encoder the student gets: each call uses the next mask and appends to ``calls``."""
    number = _count(1).__next__

    def encoder(w, x):
        calls.append(1)
        return _encode(w, x, seed, number())

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
def two_loss_grads(student, w, x, seed: int, losses: dict, _make_encoder=make_encoder,
                   _make_losses=make_losses, _as_tensor=as_tensor) -> dict:
    """Call the student's two_loss_grads with a fresh leaf w; report the gradients and the calls."""
    leaf = w.clone().requires_grad_(True)
    calls = []
    loss1, loss2 = _make_losses(losses)
    result = student.two_loss_grads(leaf, x.clone(), _make_encoder(seed, calls), loss1, loss2)
    if type(result) not in (tuple, list) or len(result) != 2:
        raise NotPlainData(f"returned a {describe_type(result)}, expected a pair (g1, g2) of tensors")
    g1, g2 = result
    try:
        answers = [_as_tensor(g1), _as_tensor(g2)]
    except NotPlainData as error:
        raise NotPlainData(f"{error} in the pair (g1, g2)") from None
    return {"g1": answers[0], "g2": answers[1], "same_tensor": g1 is g2, "encoder_calls": len(calls)}
