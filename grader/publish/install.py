"""How a release or an autograder installs torch and the grader: the same commands everywhere.

The student README, the Classroom workflow and Gradescope's ``setup.sh`` all install the CPU build
of the torch the instructor graded with (PyPI's default Linux build carries CUDA: gigabytes a grading
run never uses), then the grader from the wheel the release vendors. No package index entry for
the grader and no access to the instructor's repository are needed; the grader's own dependencies
(click, pytest, ...) come from PyPI.
"""

from __future__ import annotations

from importlib import metadata

from grader.publish import wheel

TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
VENDOR = "vendor"  # the release's folder holding the grader's wheel


def torch_requirement() -> str:
    """``torch==X.Y.Z``: the torch this grader runs with, without its local label (``+cpu``)."""
    try:
        version = metadata.version("torch").split("+", 1)[0]
    except metadata.PackageNotFoundError:
        return "torch"
    return f"torch=={version}"


def wheel_path() -> str:
    """The vendored wheel, relative to the release's root."""
    return f"{VENDOR}/{wheel.wheel_name()}"


def install_commands(venv: str = ".venv", python: str = "python3", grader: str | None = None) -> list[str]:
    """Shell commands, run from the release's root, that make ``venv`` with torch and the grader
    (``grader``: what pip installs it from; default the vendored wheel, ``.`` for the course's own
    repository)."""
    return [
        f"{python} -m venv {venv}",
        f"{venv}/bin/pip install {torch_requirement()} --index-url {TORCH_CPU_INDEX}",
        f"{venv}/bin/pip install {grader or wheel_path()}",
    ]
