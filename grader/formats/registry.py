"""The registry of views: a name (``--format NAME``) to the module that renders it.

Every view module defines::

    DESCRIPTION: str                 one line for ``--help``
    EXIT_ZERO_WHEN_WRITTEN: bool     its consumer needs exit 0 once the output is written
                                     (GitHub Classroom: the grading step must not fail the job)
    render(reports, versions, bundle, settings) -> Output
    render_failure(error, settings) -> Output | None
                                     a document for a run that graded nothing (the course did
                                     not load, the sandbox did not start), for consumers that
                                     must always get one; None where stderr's line is enough

A view reads finished reports (``grader.report.model``) and never computes a score: every number
it writes is a report's or a check's own. Adding a view is a module and one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from grader.errors import UsageProblem

VIEWS = {
    "text": "grader.formats.terminal",
    "json": "grader.formats.json_document",
    "classroom": "grader.formats.classroom",
    "gradescope": "grader.formats.gradescope",
    "junit": "grader.formats.junit",
}
DEFAULT = "text"


def names() -> list[str]:
    return list(VIEWS)


def get(name: str) -> ModuleType:
    """The view called ``name``; ``UsageProblem`` listing the valid names otherwise."""
    if name not in VIEWS:
        raise UsageProblem(f"unknown format {name!r}; choose one of: {', '.join(VIEWS)}")
    return importlib.import_module(VIEWS[name])
