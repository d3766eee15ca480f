"""The arrows of the untrusted side: what runs in the zygote and the child imports nothing of the
grader but the protocol, the layers, its own after-call modules and the harness API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[2] / "grader" / "sandbox"
ALLOWED = {
    "child": {"grader.harness", "grader.sandbox.describe", "grader.sandbox.guard", "grader.sandbox.integrity",
              "grader.sandbox.layers", "grader.sandbox.protocol"},
    "integrity": set(),
    "describe": set(),
    "guard": set(),
    "zygote": {"grader.sandbox.child", "grader.sandbox.cleanup", "grader.sandbox.guard", "grader.sandbox.layers",
               "grader.sandbox.probe", "grader.sandbox.protocol", "grader.sandbox.scratch"},
    "probe": {"grader.sandbox.landlock", "grader.sandbox.layers", "grader.sandbox.seccomp_filter"},
    "layers": {"grader.sandbox.landlock", "grader.sandbox.namespaces", "grader.sandbox.scratch",
               "grader.sandbox.seccomp_filter"},
    "scratch": {"grader.sandbox.namespaces"},
    "namespaces": set(),
    "cleanup": set(),
    "landlock": set(),
    "seccomp_filter": set(),
}


def grader_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("grader"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("grader"):
            found.update(f"{node.module}.{alias.name}" if node.module == "grader.sandbox" or node.module == "grader"
                         else node.module for alias in node.names)
    return found


@pytest.mark.parametrize("module", ALLOWED)
def test_child_side_modules_import_only_what_they_may(module):
    assert grader_imports(SANDBOX / f"{module}.py") <= ALLOWED[module]
