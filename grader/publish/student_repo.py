"""``grade release OUT_DIR``: build the students' repository from the instructor's course.

Trusted side; copies files and writes a few. What ships is ``grader.release.student_files`` (stubs,
statements, public checks, ``harness.py`` and ``support.py``; hidden checks only when asked), plus
a README for students, the Classroom workflow and the grader's wheel in ``vendor/``. A file that
would ship holding the course secret stops the release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.errors import CourseError, UsageProblem
from grader.exercises import Course
from grader.publish import wheel, workflow
from grader.publish.install import VENDOR
from grader.publish.student_readme import readme
from grader.release import student_files

GITIGNORE = ".venv/\n__pycache__/\n*.pyc\n"


def build(course: Course, out_dir: Path, with_hidden: bool = False, secret: bytes | None = None) -> list[Path]:
    """Write the release into ``out_dir`` (new or empty); return its files, relative to it, sorted."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UsageProblem(f"{out_dir} already exists and is not an empty folder; name a new folder")
    if out_dir.resolve().is_relative_to(course.root):
        raise UsageProblem(f"{out_dir} is inside the course; build the release outside it")
    copied = student_files(course.root, with_hidden)
    for relative in copied:
        if secret and secret in (course.root / relative).read_bytes():
            raise CourseError(f"{relative} holds the course secret; move the secret out of the course")
    out_dir.mkdir(parents=True, exist_ok=True)
    for relative in copied:
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course.root / relative, out_dir / relative)
    written = {Path("README.md"): readme(course, with_hidden), Path(".gitignore"): GITIGNORE,
               Path(workflow.PATH): workflow.workflow()}
    for relative, text in written.items():
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / relative).write_text(text, encoding="utf-8")
    built = wheel.build(out_dir / VENDOR)
    return sorted([*copied, *written, built.relative_to(out_dir)])
