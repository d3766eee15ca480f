"""The GitHub Classroom workflow a release carries: Classroom's own template with our steps.

Kept as Classroom generates it (the workflow's name, the job, its permissions, the guard against
the Classroom bot, the triggers), with the steps it would hold for a "Python" test replaced by
ours: checkout, Python with a pip cache, torch's CPU build and the vendored grader, ``grade all
--format classroom`` (which appends ``result`` to ``$GITHUB_OUTPUT``), and the reporter with
``if: always()``, reading the step's result from ``GRADE_RESULTS``. The step id is letters only:
the reporter derives the variable's name from it and misreports ids with ``-`` or ``_``.
"""

from __future__ import annotations

import sys

from grader.publish.install import install_commands, wheel_path

PATH = ".github/workflows/classroom.yml"
STEP_ID = "grade"
REPORTER = "classroom-resources/autograding-grading-reporter@v1"


def workflow(python_version: str | None = None) -> str:
    """The workflow's YAML text."""
    python_version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    install = "\n".join(f"          {command}" for command in install_commands(python="python"))
    return f"""\
name: Autograding Tests
'on':
- push
- workflow_dispatch
- repository_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  run-autograding-tests:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - name: Checkout code
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: '{python_version}'
          cache: pip
          cache-dependency-path: {wheel_path()}
      - name: Install torch (CPU build) and the grader
        run: |
{install}
      - name: Grade
        id: {STEP_ID}
        run: .venv/bin/grade all --format classroom
      - name: Autograding Reporter
        uses: {REPORTER}
        if: always()
        env:
          {STEP_ID.upper()}_RESULTS: "${{{{steps.{STEP_ID}.outputs.result}}}}"
        with:
          runners: {STEP_ID}
"""
