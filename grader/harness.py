"""The API an exercise's ``harness.py`` is written against.

A harness is instructor code that runs *inside the sandboxed child*, next to the student's
module: it builds what the student's function needs (an opaque function ``f``, a model, an
optimizer), calls the student's code, and turns what comes back into plain data. Entries are
called by name from the trusted side with plain-data keyword arguments and must return plain
data (see ``grader.sandbox.protocol``). Everything an entry returns is untrusted: the checks in
the trusted process recompute what they can.

The same harness module is also imported by the trusted process, so that tests can rebuild
exactly the function the student was handed (from the same plain-data parameters) and compute
the reference with ``torch.autograd``. Nothing of the student's runs there.

A harness is imported once by the zygote, before it forks: at import time it may define
functions and constants but must not run a torch operation (a fork after torch has started its
thread pools hangs the children). Build tensors inside entries.

This module is imported by the sandbox zygote: it imports nothing of the grader.
"""

from __future__ import annotations

import sys


def entry(function):
    """Mark a harness function as callable from the trusted side by its name."""
    function.grader_entry = True
    return function


def is_entry(obj) -> bool:
    return callable(obj) and getattr(obj, "grader_entry", False) is True


class NotPlainData(Exception):
    """The student's function returned something the harness cannot turn into plain data."""


def describe_type(value) -> str:
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def as_number(value):
    """A student's scalar answer as plain data, without trusting the object's own methods.

    Exact ``float``/``int``/``bool`` pass through; an exact ``torch.Tensor`` with one element is
    read with ``Tensor.item`` taken from the class (a subclass is refused before any of its
    methods run); an exact numpy floating-point scalar (what numpy code returns) is read with
    ``float``, and an exact one-element numpy array of numbers (``x.grad.numpy()``) with
    ``ndarray.item``, since numpy's types are built in and cannot be patched. Returns
    ``(number, kind)`` where kind names what the student returned.
    """
    import torch

    kind = type(value)
    if kind is float or kind is int:
        return value, kind.__name__
    numpy = sys.modules.get("numpy")
    if numpy is not None and kind in (numpy.float64, numpy.float32, numpy.float16):
        return float(value), "numpy"
    if numpy is not None and kind is numpy.ndarray and value.size == 1 and value.dtype.kind in "fiu":
        return numpy.ndarray.item(value), "numpy"  # x.grad.numpy(): a 0-d array
    if value is None:
        raise NotPlainData("returned None, expected a Python float")
    if kind is torch.Tensor:
        if torch.Tensor.numel(value) != 1:
            raise NotPlainData(f"returned a tensor of shape {tuple(value.shape)}, expected one number")
        return torch.Tensor.item(torch.Tensor.detach(value)), "tensor"
    raise NotPlainData(f"returned a {describe_type(value)}, expected a Python float")


def as_tensor(value, allow_numpy: bool = True):
    """A student's tensor answer as a plain, detached CPU tensor; refuses subclasses.

    An exact numpy array of floats or integers (what numpy code returns) is taken as the tensor
    it holds, copied in native byte order: numpy's types are built in and cannot be patched.
    ``allow_numpy=False`` where only a tensor works (what autograd itself would receive)."""
    import torch

    numpy = sys.modules.get("numpy")
    if allow_numpy and numpy is not None and type(value) is numpy.ndarray and value.dtype.kind in "fi" and value.dtype.itemsize <= 8:
        return torch.from_numpy(value.astype(value.dtype.newbyteorder("="), copy=True))
    if type(value) is not torch.Tensor:
        raise NotPlainData(f"returned a {describe_type(value)}, expected a torch.Tensor")
    return torch.Tensor.detach(value).clone()
