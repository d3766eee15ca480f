"""What a student release of a course carries, and what it must never carry. Reads files only.

The rule: for each exercise, every file of its folder except the instructor-only ones: ``hidden/``
(hidden checks, and ``hidden/instructor.py``: mutants, hidden case specifications, anything the
solution follows from) and ``variants/`` (known-buggy and alternative-correct files). With
``with_hidden``, the hidden checks ``hidden/test_*.py`` ship too, but only for an exercise without
``hidden/instructor.py``: that file never ships, and its hidden checks cannot run without it.
``solutions/`` stays behind, and so does everything at the root (tests, CI, the course secret's
configuration, the instructor's README: a release writes its own). The public checks run from
what is left: the exercise's ``support.py`` must work without its instructor part. An autograder
(``autograder_files``) carries the hidden part too, but still no variants and no solutions.
"""

from __future__ import annotations

from pathlib import Path

INSTRUCTOR_ONLY = ("hidden", "variants")  # folders of an exercise that never ship
SKIPPED = ("__pycache__",)


def student_files(root: Path, with_hidden: bool = False) -> list[Path]:
    """The files of the course at ``root`` that a student release carries, relative to ``root``."""
    files = []
    for folder in sorted((root / "exercises").iterdir()):
        if not (folder / "exercise.json").is_file():
            continue
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder).parts
            if not path.is_file() or set(parts) & set(SKIPPED):
                continue
            hidden_check = (with_hidden and not (folder / "hidden" / "instructor.py").is_file()
                            and parts[0] == "hidden" and len(parts) == 2 and parts[1].startswith("test_"))
            if parts[0] not in INSTRUCTOR_ONLY or hidden_check:
                files.append(path.relative_to(root))
    return files


def autograder_files(folder: Path) -> list[Path]:
    """The files of one exercise's folder that an autograder (run by the instructor's platform,
    never by students) carries, relative to ``folder``: everything but ``variants/``."""
    return [path.relative_to(folder) for path in sorted(folder.rglob("*"))
            if path.is_file() and not set(path.relative_to(folder).parts) & {"variants", *SKIPPED}]
