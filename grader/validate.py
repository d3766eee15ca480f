"""``grade validate``: prove that each exercise of a course is sound. Trusted process, instructor side.

Per exercise, one row per claim, each a pass or a failure with the reason:

- ``metadata``: ``exercise.json`` validates against its schema (and names its folder);
- ``statement``: the statement ``README.md`` names the student's file and, for each function the
  student writes, the stub's exact signature (a ``def`` line with the same parameter names in
  the same order, the same defaults and the same return annotation);
- ``points``: the public and hidden checks' points markers add up to ``exercise.json``'s points;
- ``reference seed N``: ``solutions/<id>.py`` scores full marks, with no hint and no flag, on each
  of ``REFERENCE_SEEDS`` (the exercise's default seed first);
- ``stub``: the stub the student starts from gets its declared result (``exercise.json``'s
  ``stub``; by default 0 points, every check saying "not implemented");
- ``variant NAME``: each file of ``exercises/<id>/variants/`` meets the expectation written at its
  top (``grader.expectations``); one expecting full marks must also get no hint.

The course-wide test of the test suite runs these same functions, so a new exercise is covered
without a new test file. Grading goes through ``GradingSession``, exactly as a student's file is
graded (variants at the exercise's default seed).
"""

from __future__ import annotations

import ast
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import CourseError
from grader.exercises import METADATA, Exercise, load_exercise
from grader.expectations import Expectation, broken, read_variant, stub_expectation

REFERENCE_SEEDS = (None, 1, 2)  # None: the exercise's default seed
VARIANTS = "variants"


@dataclass
class Row:
    """One claim about one exercise: ``ok`` or not, and why."""

    exercise: str
    check: str
    ok: bool
    detail: str = ""


def exercise_folders(root: Path, wanted: list[str] | None = None) -> list[Path]:
    """The exercise folders of the course at ``root`` (all, or those ``wanted`` name by id)."""
    folders = sorted(p.parent for p in (root / "exercises").glob(f"*/{METADATA}"))
    return folders if not wanted else [f for f in folders if f.name in wanted]


def validate(root: Path, exercises: list[Exercise], broken_metadata: list[Row] = ()) -> list[Row]:
    """Every claim of every exercise; one grading session (one zygote) serves them all."""
    from grader.exercises import Course
    from grader.session import GradingSession

    rows = list(broken_metadata)
    if not exercises:
        return rows
    course = Course(root=root.resolve(), exercises=tuple(exercises))
    with GradingSession(course, list(exercises)) as session:
        for exercise in exercises:
            rows.extend(validate_exercise(session, root, exercise))
    return rows


def load_for_validation(root: Path, wanted: list[str] | None = None) -> tuple[list[Exercise], list[Row]]:
    """The exercises whose metadata loads, and a failed ``metadata`` row for each that does not."""
    exercises, rows = [], []
    for folder in exercise_folders(root, wanted):
        try:
            exercises.append(load_exercise(folder))
        except CourseError as error:
            rows.append(Row(folder.name, "metadata", False, str(error)))
    return exercises, rows


def validate_exercise(session, root: Path, exercise: Exercise) -> list[Row]:
    """The rows of one exercise, graded with ``session`` (a ``GradingSession`` that has it)."""
    rows = [Row(exercise.id, "metadata", True), statement_row(exercise)]
    grade = Grading(session, exercise)
    reference = root / "solutions" / f"{exercise.id}.py"
    for seed in REFERENCE_SEEDS:
        name = f"reference seed {exercise.default_seed if seed is None else seed}"
        if not reference.is_file():
            rows.append(Row(exercise.id, name, False, f"no reference solution at solutions/{exercise.id}.py"))
            break
        report = grade(reference, seed)
        if seed is None:
            rows.append(points_row(exercise, report))
        full = Expectation(exercise.points, exercise.points, no_hint=True, no_flags=True)
        rows.append(result_row(exercise, name, full, report))
    stubs = exercise.student_paths()
    expected = stub_expectation(exercise.stub, exercise.points, f"{exercise.id}/{METADATA} stub")
    rows.append(result_row(exercise, "stub", expected, grade(stubs[0], None)))
    for path in sorted((exercise.folder / VARIANTS).glob("*.py")):
        name = f"variant {path.stem}"
        try:
            expected = read_variant(path, exercise.points)
        except CourseError as error:
            rows.append(Row(exercise.id, name, False, str(error)))
            continue
        rows.append(result_row(exercise, name, expected, grade(path, None)))
    return rows


class Grading:
    """Grade one file for one exercise through the session, at a given seed."""

    def __init__(self, session, exercise: Exercise):
        self.session, self.exercise = session, exercise

    def __call__(self, path: Path, seed: int | None):
        from grader.submission import load_submission

        self.session.seed = self.exercise.default_seed if seed is None else seed
        return self.session.grade([load_submission(self.exercise, [path])])[0]


def result_row(exercise: Exercise, name: str, expected: Expectation, report) -> Row:
    problems = broken(expected, report, exercise.points)
    if problems:
        return Row(exercise.id, name, False, "; ".join(problems))
    return Row(exercise.id, name, True, f"{report.score}/{report.max_score} ({expected.describe()})")


def points_row(exercise: Exercise, report) -> Row:
    if report.status != "graded":
        return Row(exercise.id, "points", False, (report.error or {}).get("message", "not graded"))
    if report.max_score != exercise.points:
        return Row(exercise.id, "points", False, f"the checks add up to {report.max_score}, "
                                                 f"{METADATA} says {exercise.points}")
    return Row(exercise.id, "points", True, f"{report.max_score}")


def statement_row(exercise: Exercise) -> Row:
    """The statement names the student's file and shows each function's and each class's methods'
    exact signatures (the stub's)."""
    statement = (exercise.folder / "README.md").read_text(encoding="utf-8")
    if f"`{exercise.module_file}`" not in statement:
        return Row(exercise.id, "statement", False, f"README.md does not name `{exercise.module_file}`")
    stub = exercise.student_paths()[0]
    try:
        stub_source = stub.read_text(encoding="utf-8")
        stub_defs, stub_classes = signatures(stub_source), class_signatures(stub_source)
    except (OSError, SyntaxError) as error:
        return Row(exercise.id, "statement", False, f"the stub {stub.name} does not parse: {error}")
    problem = function_problem(exercise, statement, stub, stub_defs) or class_problem(exercise, statement, stub,
                                                                                      stub_classes)
    if problem:
        return Row(exercise.id, "statement", False, problem)
    return Row(exercise.id, "statement", True, ", ".join(exercise.defines))


def function_problem(exercise: Exercise, statement: str, stub: Path, stub_defs: dict) -> str | None:
    statement_defs = statement_signatures(statement)
    for function in exercise.functions:
        top = function.split(".")[0]
        if "." in function:  # a method of a class the student writes: the class must be named
            if f"class {top}" not in statement:
                return f"README.md does not show `class {top}`"
            continue
        if top not in stub_defs:
            return f"the stub {stub.name} does not define {top}"
        if top not in statement_defs:
            return f"README.md shows no `def {top}(...)` line"
        if statement_defs[top] != stub_defs[top]:
            return f"README.md's signature of {top} {statement_defs[top]} differs from the stub's {stub_defs[top]}"
    return None


def class_problem(exercise: Exercise, statement: str, stub: Path, stub_classes: dict) -> str | None:
    """Each class of ``classes`` is in the stub and in a Python block of the statement, with the
    same base classes and, for each method listed, the same signature."""
    shown = {}
    for block in python_blocks(statement):
        try:
            shown.update(class_signatures(block))
        except SyntaxError:
            continue
    for name, methods in exercise.classes:
        if name not in stub_classes:
            return f"the stub {stub.name} does not define class {name}"
        if name not in shown:
            return f"README.md shows no `class {name}(...)` in a python code block"
        for method in ("(bases)", *methods):
            if method not in stub_classes[name]:
                return f"the stub's class {name} does not define {method}"
            if shown[name].get(method) != stub_classes[name][method]:
                return (f"README.md's {name}.{method} {shown[name].get(method)} differs from the stub's "
                        f"{stub_classes[name][method]}")
    return None


def python_blocks(markdown: str) -> list[str]:
    """The contents of the statement's fenced ```python blocks."""
    blocks, current = [], None
    for line in markdown.splitlines():
        if current is None and line.strip().startswith("```python"):
            current = []
        elif current is not None and line.strip().startswith("```"):
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def class_signatures(source: str) -> dict[str, dict[str, tuple]]:
    """Top-level classes in ``source``: their methods' signatures, and their bases under "(bases)"."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            methods = definitions(node.body)
            methods["(bases)"] = tuple(ast.unparse(b) for b in node.bases)
            found[node.name] = methods
    return found


def signatures(source: str) -> dict[str, tuple]:
    """Top-level functions' (parameter names, defaults, return annotation) in ``source``."""
    return definitions(ast.parse(source).body)


def definitions(body: list) -> dict[str, tuple]:
    """The (parameter names, defaults, return annotation) of the functions defined in ``body``."""
    found = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args
            names = tuple(a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs))
            defaults = tuple(ast.unparse(d) for d in (*args.defaults, *(d for d in args.kw_defaults if d)))
            found[node.name] = (names, defaults, ast.unparse(node.returns) if node.returns else None)
    return found


def statement_signatures(statement: str) -> dict[str, tuple]:
    """The signatures of the ``def`` lines a statement shows (in code blocks or inline)."""
    found = {}
    for line in statement.splitlines():
        text = line.strip().strip("`").strip()
        if not text.startswith("def "):
            continue
        text = text.removesuffix("...").rstrip().removesuffix(":")
        try:
            found.update(signatures(text + ": ..."))
        except SyntaxError:
            continue
    return found


def summary(rows: list[Row]) -> dict:
    failed = [r for r in rows if not r.ok]
    return {"ok": not failed, "checks": len(rows), "failed": len(failed),
            "rows": [asdict(r) for r in rows]}


def run(root: Path, wanted: list[str] | None = None) -> tuple[list[Row], float]:
    """Validate the course at ``root`` (every exercise, or those ``wanted``); rows and seconds."""
    start = time.monotonic()
    exercises, rows = load_for_validation(root, wanted)
    rows = validate(root, exercises, rows)
    return rows, time.monotonic() - start
