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
])
def test_prose_and_honest_code_are_no_finding(source):
    assert findings(source) == []


def test_findings_carry_the_line_and_a_syntax_error_is_no_finding():
    found = scan_for_autograd("mlp.py", b"x = 1\n\ny.backward()\n")
    assert [(f.line, f.describe()) for f in found] == [(3, "mlp.py line 3: uses .backward")]
    assert scan_for_autograd("mlp.py", b"def (:") == []
