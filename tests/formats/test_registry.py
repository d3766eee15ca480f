"""The registry of views: every view has the same shape, reads reports only, and an unknown name
fails listing the valid ones."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from grader.errors import UsageProblem
from grader.formats import registry

FORMATS = Path(registry.__file__).parent


def test_unknown_view_lists_the_valid_ones():
    with pytest.raises(UsageProblem) as caught:
        registry.get("xml")
    assert str(caught.value) == "unknown format 'xml'; choose one of: text, json, classroom, gradescope, junit"


@pytest.mark.parametrize("name", registry.names())
def test_every_view_has_the_interface(name):
    view = registry.get(name)
    assert isinstance(view.DESCRIPTION, str) and isinstance(view.EXIT_ZERO_WHEN_WRITTEN, bool)
    parameters = list(inspect.signature(view.render).parameters)
    assert len(parameters) == 4 and parameters[:2] == ["reports", "versions"] and parameters[3] == "settings"
    assert list(inspect.signature(view.render_failure).parameters) == ["error", "settings"]


def test_formats_import_nothing_above_the_report():
    """Views read finished reports: never the CLI, the session, the runner, checks or the sandbox."""
    for path in FORMATS.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for module in names:
                if module.startswith("grader."):
                    assert module.split(".")[1] in ("formats", "report", "errors"), (path.name, module)
