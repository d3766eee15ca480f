"""What the class summary page costs for a large class: its size and the time to build it.

Builds ``summary.html`` for N synthetic students (default 200) over every exercise of the course.
Each student's bundle is made with the real report model and validated against the shipped
schema: per exercise a mix of full, partial and zero scores, missing files, the odd grader error,
review flags, hints drawn from a pool of a dozen per exercise, long messages quoting a student's
text; a few students carry a ``tampering`` entry (as ``grade batch --template`` writes)::

    .venv/bin/python benchmarks/summary_page.py [--students 200] [--seed 17]

Prints the page's size in KB (and how much of it is the embedded plots), the time of the first
build (matplotlib's import included), of a second build, and whether the two pages are identical.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.batch import page  # noqa: E402
from grader.exercises import load_course  # noqa: E402
from grader.report.model import CheckResult, ExerciseReport, bundle, validate  # noqa: E402
from grader.sandbox import isolation  # noqa: E402
from grader.seeds import seeding  # noqa: E402

CHECKS = 6
HINTS_PER_EXERCISE = 12
VERSIONS = {"grader": "0.1.0", "python": "3.11.2", "torch": "2.13.0", "pytest": "8.4.0"}


def exercise_report(exercise, rng: random.Random, hints: list[str]) -> ExerciseReport:
    """One synthetic but schema-valid report of ``exercise``."""
    roll = rng.random()
    digest = None if roll < 0.06 else f"{rng.getrandbits(256):064x}"
    shares = [exercise.points // CHECKS + (i < exercise.points % CHECKS) for i in range(CHECKS)]
    skill = 0.0 if roll < 0.12 else rng.random() ** 0.5
    tests, error, flags = [], None, []
    for number, points in enumerate(shares):
        passed = digest is not None and rng.random() < skill
        hint = None if passed or digest is None else rng.choice(hints)
        message = "" if passed else (f"{exercise.id}: the gradient of case {number} is off at index [{rng.randrange(9)}]: "
                                     f"expected {rng.uniform(-1, 1):.6f}, got {rng.uniform(-1, 1):.6f}; your code "
                                     f"printed {'<b>' * 3}{'x' * rng.randrange(200)}")
        tests.append(CheckResult(name=f"test_{number}", title=f"check {number}", status="passed" if passed else "failed",
                                 points=points if passed else 0, max_points=points,
                                 visibility="visible" if number < 3 else "hidden", message=message, hint=hint,
                                 duration=0.01 if number < 3 else None))
    if digest is None:
        error = {"kind": "submission", "message": f"{exercise.student_files[0]} is missing: no file of that name"}
    elif roll > 0.99:
        error = {"kind": "grader", "message": "the grader's worker process died while grading this submission"}
    elif roll > 0.96:
        flags.append(f"{exercise.id}: the gradients look like finite differences (normwise error up to 3.1e-07)")
    ran = digest is not None and not (error and error["kind"] == "grader")
    return ExerciseReport(
        exercise={"id": exercise.id, "slug": exercise.slug, "title": exercise.title},
        submission={"path": f"student/{exercise.student_files[0]}", "files": {exercise.student_files[0]: digest}},
        status="error" if error and error["kind"] == "grader" else "graded", score=sum(t.points for t in tests),
        max_score=exercise.points, seed=5,
        seeding=seeding(exercise.id, exercise.default_seed, True, {exercise.student_files[0]: digest}, 5, None).record(),
        tests=tests, limits=exercise.limits.as_dict(),
        isolation=isolation.describe(dict.fromkeys(isolation.LAYERS, True) if ran else None, exercise.limits),
        versions=VERSIONS, flags=flags, error=error, duration=0.03)


def synthetic_class(exercises, students: int, seed: int) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    hints = {e.id: [f"Hint {k} of {e.id}: " + "the gradient accumulates in .grad across calls; " * rng.randint(1, 4)
                    for k in range(HINTS_PER_EXERCISE)] for e in exercises}
    rows = []
    for number in range(students):
        document = bundle([exercise_report(e, rng, hints[e.id]) for e in exercises], VERSIONS)
        validate(document)
        if rng.random() < 0.03:
            document["tampering"] = {"template": f"{rng.getrandbits(256):064x}", "changes": [
                {"path": ".github/workflows/classroom.yml", "change": "modified"},
                {"path": f"exercises/{exercises[0].id}/test_public.py", "change": "deleted"}]}
        rows.append((f"student{number:03d}-<{rng.getrandbits(32):08x}>", document))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    options = parser.parse_args()
    exercises = list(load_course(REPO).exercises)
    rows = synthetic_class(exercises, options.students, options.seed)
    context = {"made by": "benchmarks/summary_page.py", "generated": "fixed"}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = page.write(Path(folder), exercises, rows, context)
        first = time.perf_counter() - started
        source = path.read_text(encoding="utf-8")
        started = time.perf_counter()
        again = page.render(exercises, rows, context)
        second = time.perf_counter() - started
    plots = sum(len(part.split('"', 1)[0]) for part in source.split('src="')[1:])
    print(f"{options.students} students, {len(exercises)} exercises, plots: "
          f"{'matplotlib' if page.plotting_available() else 'none (matplotlib missing)'}")
    print(f"page size: {len(source.encode()) / 1024:.0f} KB (embedded plots {plots / 1024:.0f} KB)")
    print(f"build time: first {first:.2f} s (matplotlib import included), second {second:.2f} s")
    print(f"identical on a second build: {again == source}")


if __name__ == "__main__":
    main()
