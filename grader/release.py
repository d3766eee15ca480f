"""What a student release of a course carries, and what it must never carry. Reads files only.

The rule: the course root's ``README.md`` and, for each exercise, every file of its folder except
the instructor-only ones: ``hidden/`` (hidden checks, and ``hidden/instructor.py``: mutants, hidden
case specifications, anything the solution follows from) and ``variants/`` (known-buggy and
alternative-correct files). ``solutions/`` stays behind, and so does anything else at the root
(tests, CI, the course secret's configuration). The public checks run from what is left: the
exercise's ``support.py`` must work without its instructor part.
"""

from __future__ import annotations

from pathlib import Path

INSTRUCTOR_ONLY = ("hidden", "variants")  # folders of an exercise that never ship
SKIPPED = ("__pycache__",)


def student_files(root: Path) -> list[Path]:
    """The files of the course at ``root`` that a student release carries, relative to ``root``."""
    files = [Path("README.md")] if (root / "README.md").is_file() else []
    for folder in sorted((root / "exercises").iterdir()):
        if not (folder / "exercise.json").is_file():
            continue
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder).parts
            if path.is_file() and parts[0] not in INSTRUCTOR_ONLY and not set(parts) & set(SKIPPED):
                files.append(path.relative_to(root))
    return files
