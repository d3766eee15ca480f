"""How long a student waits: `grade EXERCISE <reference>` against `python -c "import torch"`.

Prints, from one run on this machine: the median wall time of each command over N runs, their
ratio (target <= 1.5), and where a grading run's time goes, measured in-process: imports, the
zygote becoming ready, pytest, and the children's round trips.

    python benchmarks/student_run.py [--runs 7] [--exercise exercise1] [--stub]

``--stub`` grades the exercise's untouched stub instead of the reference (every call raises).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PHASES = r"""
import sys, time
t0 = time.perf_counter()
marks = {}
from grader.exercises import load_course
from grader.submission import load_submission
course = load_course(__import__("pathlib").Path(sys.argv[1]))
exercise = course.resolve(sys.argv[3])
marks["load the course"] = time.perf_counter()
from grader.session import GradingSession
marks["import the session (pytest, jsonschema)"] = time.perf_counter()
session = GradingSession(course, [exercise])
marks["start the zygote (spawn only)"] = time.perf_counter()
import torch
marks["import torch in the parent"] = time.perf_counter()
session.sandbox.wait_ready()
marks["wait for the zygote to be ready"] = time.perf_counter()
from grader.runner import plugin
durations = []
original = plugin.GraderPlugin.check_result
def spy(self, item, run, phases):
    student = getattr(item, "grader_student", None)
    durations.extend(o.duration for o in (student.outcomes if student else []))
    return original(self, item, run, phases)
plugin.GraderPlugin.check_result = spy
reports = session.grade([load_submission(exercise, [__import__("pathlib").Path(sys.argv[2])])])
marks["run pytest (all checks)"] = time.perf_counter()
session.close()
marks["stop the zygote"] = time.perf_counter()
previous = t0
for name, t in marks.items():
    print(f"  {name:42s} {1000 * (t - previous):8.1f} ms")
    previous = t
print(f"  {'total (after interpreter start)':42s} {1000 * (previous - t0):8.1f} ms")
print(f"  children: {len(durations)}, median round trip {1000 * sorted(durations)[len(durations) // 2]:.1f} ms, "
      f"sum {1000 * sum(durations):.1f} ms; score {reports[0].score}/{reports[0].max_score}")
"""


def median_wall(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--exercise", default="exercise1")
    parser.add_argument("--stub", action="store_true", help="grade the untouched stub, not the reference")
    options = parser.parse_args()
    runs, exercise = options.runs, options.exercise
    what = "stub" if options.stub else "reference"
    graded = REPO / "solutions" / f"{exercise}.py"
    if options.stub:
        from grader.exercises import load_course

        graded = load_course(REPO).resolve(exercise).student_paths()[0]
    python = sys.executable
    torch_time = median_wall([python, "-c", "import torch"], runs)
    grade_time = median_wall([python, "-m", "grader", exercise, str(graded)], runs)
    print(f"median over {runs} runs")
    print(f"  python -c 'import torch'            {torch_time:6.2f} s")
    print(f"  {f'grade {exercise} <{what}>':36s}{grade_time:6.2f} s")
    print(f"  ratio                               {grade_time / torch_time:6.2f}x  (target <= 1.5x)")
    print("where one grading run's time goes:")
    subprocess.run([python, "-c", PHASES, str(REPO), str(graded), exercise], cwd=REPO, check=True)


if __name__ == "__main__":
    main()
