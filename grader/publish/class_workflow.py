"""The GitHub Actions workflow that grades a class on N machines and merges: ``grade class-workflow``.

It goes into the instructor's course repository (the one with ``exercises/``, the hidden checks
and the solutions), never into a student's. Run by hand (``workflow_dispatch``), it has four kinds
of job:

- ``fetch`` gets the class once, so every shard grades the same snapshot: either every student's
  repository (``gh classroom clone student-repos``, with the repository secret
  ``CLASSROOM_TOKEN``: a token of a classroom owner that can read the students' repositories), or
  a zip of the class (``submissions.zip``, an asset of a release of the course repository, read
  with the workflow's own token). It hands the class on as one tar archive, which keeps the
  clones' ``.git`` (artifacts drop hidden files) so ``--deadline`` can pick a commit;
- ``grade``, a matrix of N jobs (``fail-fast: false``), each ``grade batch --shard I/N``, each
  uploading its ``--out`` even if the batch failed;
- ``merge`` (``needs: grade``, ``if: always()``, so what was graded is never lost) downloads the
  shards and runs ``grade merge --allow-partial``, then uploads the merged reports and gradebook.

The course secret is the repository secret ``GRADER_SECRET``, given only to the grading step.
Every run step reads the workflow's inputs through ``env`` (never ``${{ }}`` inside a script, where
a value would become shell code), installs torch's CPU build pinned to the torch this grader runs
with, and the grader from the checkout; actions are pinned by major version, and the token may
only read.
"""

from __future__ import annotations

import sys

from grader.publish.install import install_commands

PATH = ".github/workflows/grade-class.yml"
DEFAULT_SHARDS = 4
MAX_SHARDS = 256  # GitHub runs at most 256 jobs of one matrix
ARTIFACT_PREFIX = "grades-shard-"
ACTIONS = {"checkout": "actions/checkout@v4", "python": "actions/setup-python@v5",
           "upload": "actions/upload-artifact@v4", "download": "actions/download-artifact@v4"}


def workflow(shards: int = DEFAULT_SHARDS, python_version: str | None = None) -> str:
    """The workflow's YAML text, for a class split into ``shards`` machines."""
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must lie in 1..{MAX_SHARDS}")
    python_version = python_version or f"{sys.version_info.major}.{sys.version_info.minor}"
    install = "\n".join(f"          {command}" for command in install_commands(python="python", grader="'.[instructor]'"))
    setup = f"""\
      - uses: {ACTIONS['checkout']}
      - uses: {ACTIONS['python']}
        with:
          python-version: '{python_version}'
          cache: pip
          cache-dependency-path: pyproject.toml
      - name: Install torch (CPU build) and the grader
        run: |
{install}"""
    matrix = ", ".join(str(i) for i in range(1, shards + 1))
    return f"""\
# Grade a class on {shards} machines, then merge their results (written by `grade class-workflow`).
# Run it from the Actions tab ("Run workflow"). Where the submissions come from (input `source`):
#   classroom: every student's repository, cloned with `gh classroom clone student-repos`. Needs
#     the repository secret CLASSROOM_TOKEN: a token of a classroom owner that can read the
#     students' repositories (a classic token with the repo and read:org scopes), and the
#     assignment's id (input `assignment`; `gh classroom assignments` lists them).
#   archive: a zip holding the class (one folder, git clone or zip per student at its top level),
#     attached as `submissions.zip` to a release of this repository (input `release`: its tag).
# The course secret: the repository secret GRADER_SECRET, passed only to the grading step.
# The result: the artifact `grades` (reports, feedback, gradebook.csv, summary.html, batch.json).
name: Grade the class
'on':
  workflow_dispatch:
    inputs:
      source:
        description: Where the submissions come from
        type: choice
        options: [classroom, archive]
        default: classroom
      assignment:
        description: "classroom: the assignment's id"
        required: false
      release:
        description: "archive: the tag of the release whose asset submissions.zip holds the class"
        required: false
      deadline:
        description: Grade each clone's last commit before this time (ISO 8601), or leave empty
        required: false
permissions:
  contents: read
env:
  EXERCISES: all  # or a list such as 1,3,6
  SEED: ''  # a fixed base seed for the drawn inputs, or empty for each exercise's own
defaults:
  run:
    shell: bash
jobs:
  fetch:
    runs-on: ubuntu-latest
    steps:
      - name: Fetch the submissions
        env:
          SOURCE: ${{{{ inputs.source }}}}
          ASSIGNMENT: ${{{{ inputs.assignment }}}}
          RELEASE: ${{{{ inputs.release }}}}
          CLASSROOM_TOKEN: ${{{{ secrets.CLASSROOM_TOKEN }}}}
          GITHUB_TOKEN: ${{{{ github.token }}}}
          REPOSITORY: ${{{{ github.repository }}}}
        run: |
          mkdir submissions
          if [ "$SOURCE" = classroom ]; then
            export GH_TOKEN="$CLASSROOM_TOKEN"
            gh extension install github/gh-classroom
            (cd submissions && gh classroom clone student-repos -a "$ASSIGNMENT")
          else
            GH_TOKEN="$GITHUB_TOKEN" gh release download "$RELEASE" --repo "$REPOSITORY" --pattern submissions.zip
            unzip -q submissions.zip -d submissions
          fi
          tar -czf submissions.tar.gz submissions
      - uses: {ACTIONS['upload']}
        with:
          name: submissions
          path: submissions.tar.gz
          retention-days: 1
  grade:
    needs: fetch
    runs-on: ubuntu-latest
    strategy:
      fail-fast: false
      matrix:
        shard: [{matrix}]
    steps:
{setup}
      - uses: {ACTIONS['download']}
        with:
          name: submissions
      - name: Grade this shard
        env:
          GRADER_SECRET: ${{{{ secrets.GRADER_SECRET }}}}
          SHARD: ${{{{ matrix.shard }}}}
          DEADLINE: ${{{{ inputs.deadline }}}}
        run: |
          tar -xzf submissions.tar.gz
          .venv/bin/grade batch submissions --shard "$SHARD/{shards}" --exercises "$EXERCISES" \\
            ${{SEED:+--seed "$SEED"}} ${{DEADLINE:+--deadline "$DEADLINE"}} --out grades
      - uses: {ACTIONS['upload']}
        if: always()
        with:
          name: {ARTIFACT_PREFIX}${{{{ matrix.shard }}}}
          path: grades/
          if-no-files-found: ignore
  merge:
    needs: grade
    if: always()
    runs-on: ubuntu-latest
    steps:
{setup}
      - uses: {ACTIONS['download']}
        with:
          pattern: {ARTIFACT_PREFIX}*
          path: shards
      - name: Merge the shards
        run: .venv/bin/grade merge shards/* --out grades --allow-partial
      - uses: {ACTIONS['upload']}
        if: always()
        with:
          name: grades
          path: grades/
"""
