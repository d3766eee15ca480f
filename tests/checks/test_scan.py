"""The static scan reads the syntax tree: names that lead to autograd are flagged, prose is not."""

from __future__ import annotations

import pytest

from grader.checks.scan import scan_for_autograd


def findings(source: str) -> list[str]:
    return [f.what for f in scan_for_autograd("mlp.py", source.encode())]


@pytest.mark.parametrize("source, expected", [
    ("loss.backward()", "uses .backward"),
    ("import torch\ng = torch.autograd.grad(l, w)", "uses .autograd"),
    ("from torch.autograd import grad", "imports torch.autograd"),
    ("from torch import autograd", "imports autograd from torch"),
    ("import torch.func", "imports torch.func"),
    ("g = torch.func.grad(f)", "uses torch.func"),
    ("w.requires_grad_()", "uses .requires_grad_"),
    ("with torch.enable_grad(): pass", "uses .enable_grad"),
    ("torch.set_grad_enabled(True)", "uses .set_grad_enabled"),
    ("with torch.inference_mode(False): pass", "uses inference_mode(False)"),
    ("with torch.inference_mode(mode=False): pass", "uses inference_mode(False)"),
    ("e = torch._C._ImperativeEngine()", "uses ._C"),
    ("Variable._execution_engine", "uses ._execution_engine"),
    ("torch._C.DisableTorchFunction", "uses .DisableTorchFunction"),
    ("import importlib", "imports importlib"),
    ("m = __import__('torch')", "uses __import__"),
    ("exec('x = 1')", "uses exec"),
    ("eval('1')", "uses eval"),
    ("import gc\nfound = gc.get_objects()", "imports gc"),
    ("found = gc.get_objects()", "uses .get_objects"),
    ("cell = f.__closure__[0]", "uses .__closure__"),
    ("f = getattr(torch, 'autograd')", "looks up 'autograd' by name"),
    # attribute access by a computed name
    ("f = getattr(torch._C, '_saved' + '_tensors')", "looks up an attribute by a computed name"),
    ("name = 'grad'\nf = getattr(m, name)", "looks up an attribute by a computed name"),
    ("setattr(m, name, None)", "looks up an attribute by a computed name"),
    ("f = m.__getattribute__(name)", "uses .__getattribute__"),
    ("f = object.__getattribute__(m, 'x')", "uses .__getattribute__"),
    ("f = vars(m)['gr' + 'ad']", "reads vars(...) by key"),
    ("f = m.__dict__[name]", "reads __dict__ by key"),
    ("import operator\nf = operator.attrgetter(name)(m)", "uses .attrgetter"),
    ("from operator import attrgetter", "imports attrgetter from operator"),
    ("engine = [c for c in object.__subclasses__()]", "uses .__subclasses__"),
    # the overrides and modes machinery, and what runs behind the caller's back
    ("from torch.overrides import TorchFunctionMode", "imports torch.overrides"),
    ("class M(torch.overrides.TorchFunctionMode): pass", "uses .TorchFunctionMode"),
    ("from torch.utils._python_dispatch import TorchDispatchMode", "imports torch.utils._python_dispatch"),
    ("class M:\n    def __torch_dispatch__(self, f, t, a, k): pass", "defines __torch_dispatch__"),
    ("class T:\n    def __torch_function__(self, f, t, a, k): pass", "defines __torch_function__"),
    ("lib = torch.library.Library('aten', 'IMPL')", "uses .library"),
    ("import sys\nsys.settrace(t)", "uses .settrace"),
    ("threading.setprofile(p)", "uses .setprofile"),
    ("sys.monitoring.use_tool_id(1, 'x')", "uses .monitoring"),
    ("import signal", "imports signal"),
    ("signal.signal(14, h)", "uses signal"),
    ("from signal import setitimer", "imports signal"),
    ("from sys import settrace", "imports settrace from sys"),
    ("gc.callbacks.append(cb)", "uses .callbacks"),
    ("sys.addaudithook(h)", "uses .addaudithook"),
    ("f.__code__ = g.__code__", "uses .__code__"),
    ("g = [c.cell_contents for c in f.__closure__][0].__self__", "uses .cell_contents"),
])
def test_flags(source, expected):
    assert expected in findings(source)


@pytest.mark.parametrize("source", [
    '"""Gradients by hand, without autograd or backward()."""',
    "# no torch.autograd here",
    "def backward(dz):\n    return dz\n\nbackward(1)",
    "message = 'do not call loss.backward()'",
    "with torch.inference_mode(): pass",
    "with torch.no_grad(): pass",
    "n = getattr(x, 'shape')",
    "total = {k: v.sum() for k, v in grads.items()}",
])
def test_prose_and_honest_code_are_no_finding(source):
    assert findings(source) == []


def test_findings_carry_the_line_and_a_syntax_error_is_no_finding():
    found = scan_for_autograd("mlp.py", b"x = 1\n\ny.backward()\n")
    assert [(f.line, f.describe()) for f in found] == [(3, "mlp.py line 3: uses .backward")]
    assert scan_for_autograd("mlp.py", b"def (:") == []
