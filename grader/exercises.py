"""Find a course and load its exercises' metadata. Reads files; never runs any of them.

A course is a folder holding ``exercises/<id>/exercise.json`` for each exercise (validated
against ``grader/schemas/exercise.schema.json``), beside the statement ``README.md``, the stub
the student edits, public tests ``test_*.py``, the sandbox ``harness.py``, an optional trusted
test helper ``support.py`` and, in the instructor's copy only, ``hidden/test_*.py``, its optional
``hidden/instructor.py`` (what a student must not see: mutants, hidden cases) and ``variants/``. Reference
solutions live in ``solutions/<id>.py`` at the course root.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jsonschema

from grader import schemas
from grader.errors import CourseError, UsageProblem
from grader.sandbox.outcome import Limits

METADATA = "exercise.json"
COURSE_ENV = "GRADER_COURSE"


@dataclass(frozen=True)
class Exercise:
    id: str
    slug: str
    title: str
    concept: str
    points: int
    student_files: tuple[str, ...]
    functions: tuple[str, ...]
    forbidden: tuple[str, ...]
    default_seed: int
    limits: Limits
    folder: Path
    stub: dict | None = None  # what the stub must get (``grade validate``): score, hint, message
    classes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (class name, its methods) the student writes

    @property
    def defines(self) -> tuple[str, ...]:
        """The names the student's module must define: its functions, then its classes."""
        return (*self.functions, *(name for name, _ in self.classes))

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("exercise"))

    @property
    def module_file(self) -> str:
        return self.student_files[0]

    @property
    def module_name(self) -> str:
        return self.module_file.removesuffix(".py")

    @property
    def harness_path(self) -> Path:
        return self.folder / "harness.py"

    @property
    def support_path(self) -> Path:
        return self.folder / "support.py"

    @property
    def instructor_path(self) -> Path:
        """The instructor-only part of the trusted support (mutants, hidden cases): optional."""
        return self.folder / "hidden" / "instructor.py"

    @property
    def public_tests(self) -> list[Path]:
        return sorted(self.folder.glob("test_*.py"))

    @property
    def hidden_tests(self) -> list[Path]:
        return sorted((self.folder / "hidden").glob("test_*.py"))

    def student_paths(self) -> list[Path]:
        """Where the student's files live in a course checkout (the stubs, in the instructor's)."""
        return [self.folder / name for name in self.student_files]


@dataclass(frozen=True)
class Course:
    root: Path
    exercises: tuple[Exercise, ...]

    def resolve(self, reference: str) -> Exercise:
        """An exercise by id, number, ``exN`` or slug; a UsageProblem listing the valid ones."""
        wanted = reference.strip().lower()
        match = re.fullmatch(r"(?:exercise|ex)?(\d+)", wanted)
        for exercise in self.exercises:
            if wanted in (exercise.id, exercise.slug) or (match and int(match[1]) == exercise.number):
                return exercise
        valid = ", ".join(f"{e.id} ({e.slug})" for e in self.exercises)
        raise UsageProblem(f"unknown exercise '{reference}'; valid exercises: {valid}")


def find_course(start: Path | None = None) -> Course:
    """The course named by $GRADER_COURSE, or the nearest folder at or above ``start`` with exercises."""
    return load_course(find_course_root(start))


def find_course_root(start: Path | None = None) -> Path:
    """The folder of the course ``find_course`` would load, without loading it."""
    if os.environ.get(COURSE_ENV):
        root = Path(os.environ[COURSE_ENV]).expanduser()
        if not (root / "exercises").is_dir():
            raise UsageProblem(f"${COURSE_ENV}={root} has no exercises/ folder")
        return root
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / "exercises").glob(f"*/{METADATA}")):
            return folder
    raise UsageProblem(
        f"no course found: no exercises/*/{METADATA} in {here} or above; "
        f"run inside a course repository, or pass --course DIR"
    )


def load_course(root: Path) -> Course:
    root = root.resolve()
    folders = sorted(p.parent for p in (root / "exercises").glob(f"*/{METADATA}"))
    if not folders:
        raise UsageProblem(f"{root} has no exercises/*/{METADATA}: not a course folder")
    exercises = sorted((load_exercise(folder) for folder in folders), key=lambda e: e.number)
    slugs = [e.slug for e in exercises]
    for slug in slugs:
        if slugs.count(slug) > 1:
            raise CourseError(f"two exercises share the slug '{slug}': slugs must be unique")
    return Course(root=root, exercises=tuple(exercises))


def load_exercise(folder: Path) -> Exercise:
    path = folder / METADATA
    where = display(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{where}: cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CourseError(f"{where}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    error = jsonschema.exceptions.best_match(metadata_validator().iter_errors(data))
    if error is not None:
        field = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise CourseError(f"{where}: field '{field}': {error.message}")
    if data["id"] != folder.name:
        raise CourseError(f"{where}: field 'id' is '{data['id']}' but the folder is '{folder.name}'")
    # The student's files are not required here: in a student's checkout a missing one is that
    # submission's problem (its report says so), not a broken course.
    for required in ("harness.py", "README.md"):
        if not (folder / required).is_file():
            raise CourseError(f"{display(folder)}: missing {required}")
    return Exercise(
        id=data["id"],
        slug=data["slug"],
        title=data["title"],
        concept=data["concept"],
        points=data["points"],
        student_files=tuple(data["student_files"]),
        functions=tuple(data.get("functions", ())),
        forbidden=tuple(data.get("forbidden", ())),
        default_seed=data.get("seed", zlib.crc32(data["id"].encode()) % 2**31),
        limits=Limits(**data.get("limits", {})),
        folder=folder,
        stub=data.get("stub"),
        classes=tuple((name, tuple(methods)) for name, methods in data.get("classes", {}).items()),
    )


@cache
def metadata_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schemas.load("exercise.schema.json"))


def display(path: Path) -> str:
    """A path relative to the working directory where that is shorter."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
