"""A static scan of a submission's syntax tree for the ways around a "by hand" rule.

The no-autograd guard in the sandbox stops autograd at run time; this scan adds evidence for a
reviewer: where the file names autograd, grad modes or the interpreter's back doors. It reads the
syntax tree, not the text, so a docstring or comment saying "without autograd" is no finding.
Findings are flags for review, never deductions: a student may name ``requires_grad`` to check
that an input has none. Runs in the trusted process; nothing of the submission is executed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

# Attribute or variable names that lead to autograd or around the guard.
AUTOGRAD_NAMES = frozenset({
    "backward", "autograd", "requires_grad", "requires_grad_", "enable_grad", "set_grad_enabled",
    "_C", "_execution_engine", "run_backward", "DisableTorchFunction", "forward_ad",
    "saved_tensors_hooks", "grad_fn",
})
# Names of the interpreter's back doors: code built at run time escapes any scan, and the
# garbage collector's and frames' views reach the originals the run-time guard replaced.
DYNAMIC_NAMES = frozenset({"importlib", "__import__", "exec", "eval", "compile", "gc", "ctypes"})
INTROSPECTION_ATTRIBUTES = frozenset({"get_objects", "get_referrers", "get_referents", "__closure__",
                                      "f_locals", "f_back", "f_globals", "__wrapped__"})
MAX_FINDINGS = 10


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    what: str

    def describe(self) -> str:
        return f"{self.file} line {self.line}: {self.what}"


def scan_for_autograd(file: str, source: bytes) -> list[Finding]:
    """Where ``source`` reaches for autograd or for code built at run time (first ten, by line)."""
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the submission's own problem line already says so
    findings = {}
    for node in ast.walk(tree):
        what = finding_at(node)
        if what and (node.lineno, what) not in findings:
            findings[(node.lineno, what)] = Finding(file, node.lineno, what)
    return [findings[key] for key in sorted(findings)][:MAX_FINDINGS]


def finding_at(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        if node.attr in AUTOGRAD_NAMES | INTROSPECTION_ATTRIBUTES:
            return f"uses .{node.attr}"
        if node.attr == "func" and isinstance(node.value, ast.Name) and node.value.id == "torch":
            return "uses torch.func"
    elif isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES:
        return f"uses {node.id}"
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        return imported(node)
    elif isinstance(node, ast.Call):
        return suspicious_call(node)
    return None


def imported(node: ast.Import | ast.ImportFrom) -> str | None:
    modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    names = [alias.name for alias in node.names] if isinstance(node, ast.ImportFrom) else []
    for module in modules:
        parts = set(module.split("."))
        if parts & (AUTOGRAD_NAMES | DYNAMIC_NAMES | {"func", "functorch", "_functorch"}):
            return f"imports {module}"
    for name in names:
        if name in AUTOGRAD_NAMES | DYNAMIC_NAMES | {"func"}:
            return f"imports {name} from {modules[0]}"
    return None


def suspicious_call(node: ast.Call) -> str | None:
    """``inference_mode(False)``, and ``getattr(x, "autograd")``-style lookups by string."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name == "inference_mode":
        flags = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "mode")]
        if any(isinstance(a, ast.Constant) and a.value is False for a in flags):
            return "uses inference_mode(False)"
    if name in ("getattr", "setattr", "__getattribute__") and len(node.args) >= 2:
        key = node.args[1]
        if isinstance(key, ast.Constant) and key.value in AUTOGRAD_NAMES | DYNAMIC_NAMES | {"func"}:
            return f"looks up {key.value!r} by name"
    return None
