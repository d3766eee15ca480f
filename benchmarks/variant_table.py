"""Every variant's score and hints, as a table: run it on two commits and diff the output.

    PYTHONPATH=. python benchmarks/variant_table.py [--course DIR] [EXERCISE...] > table.txt

Finds the variants where either layout keeps them (``exercises/<id>/variants/`` or the older
``tests/exercises/variants/<id>/``), grades each at its exercise's default seed with one grading
session, and prints one row per variant: exercise, file, score, and the distinct hints of its
failed checks in check order (cut to 90 characters each), then its flags for review (cut to 60).
The stub and the reference are rows too. Same course, same seed: the table changes only where grading did.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grader
from grader.exercises import load_course
from grader.session import GradingSession
from grader.submission import load_submission

HINT_WIDTH = 90
FLAG_WIDTH = 60


def variant_files(root: Path, exercise_id: str) -> list[Path]:
    for folder in (root / "exercises" / exercise_id / "variants", root / "tests" / "exercises" / "variants" / exercise_id):
        if folder.is_dir():
            return sorted(folder.glob("*.py"))
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("exercises", nargs="*", help="the exercises to tabulate (default: all)")
    options = parser.parse_args()
    root = options.course.resolve()
    course = load_course(root)
    chosen = [course.resolve(name) for name in options.exercises] or list(course.exercises)
    print(f"# grader from {Path(grader.__file__).parent}", file=sys.stderr)
    with GradingSession(course, chosen) as session:
        for exercise in chosen:
            files = [("(stub)", exercise.student_paths()[0]), ("(reference)", root / "solutions" / f"{exercise.id}.py")]
            files += [(path.stem, path) for path in variant_files(root, exercise.id)]
            for name, path in files:
                session.seed = exercise.default_seed
                report = session.grade([load_submission(exercise, [path])])[0]
                hints = list(dict.fromkeys(t.hint for t in report.tests if t.status != "passed" and t.hint))
                shown = " | ".join(h[:HINT_WIDTH] for h in hints) or "-"
                flags = " | ".join(f[:FLAG_WIDTH] for f in dict.fromkeys(report.flags)) or "-"
                print(f"{exercise.id}\t{name}\t{report.score}/{report.max_score}\t{shown}\tflags: {flags}")


if __name__ == "__main__":
    main()
