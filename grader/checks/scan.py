"""A static scan of a submission's syntax tree for the ways around a "by hand" rule.

The no-autograd guard in the sandbox stops autograd at run time; this scan adds evidence for a
reviewer: where the file names autograd, grad modes, the interpreter's back doors, attribute
lookups by a computed name (the way a name the scan would flag is built at run time), or the
machinery that runs code behind the caller's back (torch's function and dispatch modes and
operator registrations, trace and profile functions, signals and timers, collector callbacks,
audit hooks). It reads the syntax tree, not the text, so a docstring or comment saying "without
autograd" is no finding.
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
                                      "f_locals", "f_back", "f_globals", "__wrapped__", "__getattribute__",
                                      "__subclasses__", "__code__", "__defaults__", "attrgetter",
                                      "cell_contents", "__self__"})
# Machinery that runs code behind the caller's back: after a function returned, or under another
# function's operations (names, attributes, imported names, module path parts, defined methods).
MACHINERY_NAMES = frozenset({
    "TorchFunctionMode", "TorchDispatchMode", "__torch_function__", "__torch_dispatch__", "overrides",
    "_python_dispatch", "library", "settrace", "setprofile", "monitoring", "setitimer", "callbacks",
    "addaudithook", "signal", "attrgetter",
})
COMPUTED_LOOKUPS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
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
        if node.attr in AUTOGRAD_NAMES | INTROSPECTION_ATTRIBUTES | MACHINERY_NAMES:
            return f"uses .{node.attr}"
        if node.attr == "func" and isinstance(node.value, ast.Name) and node.value.id == "torch":
            return "uses torch.func"
        if isinstance(node.value, ast.Name) and node.value.id == "signal":
            return "uses signal"
    elif isinstance(node, ast.Name) and node.id in DYNAMIC_NAMES | MACHINERY_NAMES:
        return f"uses {node.id}"
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in MACHINERY_NAMES:
        return f"defines {node.name}"
    elif isinstance(node, ast.Subscript):
        return keyed_namespace(node)
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
        if parts & (AUTOGRAD_NAMES | DYNAMIC_NAMES | MACHINERY_NAMES | {"func", "functorch", "_functorch"}):
            return f"imports {module}"
    for name in names:
        if name in AUTOGRAD_NAMES | DYNAMIC_NAMES | MACHINERY_NAMES | {"func"}:
            return f"imports {name} from {modules[0]}"
    return None


def keyed_namespace(node: ast.Subscript) -> str | None:
    """``vars(x)[key]`` and ``x.__dict__[key]``: attribute lookups that bypass the attribute syntax."""
    value = node.value
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "vars":
        return "reads vars(...) by key"
    if isinstance(value, ast.Attribute) and value.attr == "__dict__":
        return "reads __dict__ by key"
    return None


def suspicious_call(node: ast.Call) -> str | None:
    """``inference_mode(False)``, ``getattr(x, "autograd")``-style lookups by string, and
    ``getattr``/``setattr``/``delattr``/``hasattr`` with a name computed at run time."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
    if name == "inference_mode":
        flags = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "mode")]
        if any(isinstance(a, ast.Constant) and a.value is False for a in flags):
            return "uses inference_mode(False)"
    if name in (*COMPUTED_LOOKUPS, "__getattribute__") and len(node.args) >= (2 if name in COMPUTED_LOOKUPS else 1):
        key = node.args[1] if name in COMPUTED_LOOKUPS else node.args[0]
        if not isinstance(key, ast.Constant):
            return "looks up an attribute by a computed name"
        if key.value in AUTOGRAD_NAMES | DYNAMIC_NAMES | MACHINERY_NAMES | {"func"}:
            return f"looks up {key.value!r} by name"
    return None
