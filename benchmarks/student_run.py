"""How long a student waits on a first run: `grade EXERCISE FILE` against `python -c "import torch"`.

Prints, from one run on this machine, for each exercise and each kind of submission (the
reference, the untouched stub, one that fails every check, one that raises in every call): the
median wall time over N runs and its ratio to importing torch (target <= 1.5x; exercise8 <= 1.8x,
its zygote also imports torch._dynamo). The commands take turns in rounds, so a change in the
machine's load touches them alike. Then, for one exercise and submission, where a grading run's
time goes, measured in-process: imports, the zygote becoming ready, pytest, the children.

    python benchmarks/student_run.py [--runs 5] [--exercise exercise1 ...] [--phases exercise6:stub]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"exercise8": 1.8}  # the others: 1.5
TARGET = 1.5

# Submissions that fail every check without raising, and that raise in every call (the
# exercises named here; the others are measured on their reference and stub).
FAILING = {
    "exercise1": "def dydx(f, x0):\n    return 0.0\n",
    "exercise6": "import torch\n\ndef mlp_backward(x, t, params):\n"
                 "    return {name: torch.zeros_like(value) for name, value in params.items()}\n",
    "exercise8": "def train(model, x, y, lr, epochs):\n    return [0.0] * epochs\n",
}
RAISING = {
    "exercise1": "def dydx(f, x0):\n    raise ValueError('not today')\n",
    "exercise6": "def mlp_backward(x, t, params):\n    raise ValueError('not today')\n",
    "exercise8": "def train(model, x, y, lr, epochs):\n    raise ValueError('not today')\n",
}

PHASES = r"""
import sys, time
t0 = time.perf_counter()
marks = {}
from pathlib import Path
from grader.exercises import load_course
from grader.submission import load_submission
course = load_course(Path(sys.argv[1]))
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
from grader.runner import student
durations = []
original = student.Student.outcome
def spy(self, *args, **kwargs):
    outcome = original(self, *args, **kwargs)
    durations.append(outcome.duration)
    return outcome
student.Student.outcome = spy
reports = session.grade([load_submission(exercise, [Path(sys.argv[2])])])
marks["run pytest (all checks)"] = time.perf_counter()
session.close()
marks["stop the zygote"] = time.perf_counter()
previous = t0
for name, t in marks.items():
    print(f"  {name:42s} {1000 * (t - previous):8.1f} ms")
    previous = t
print(f"  {'total (after interpreter start)':42s} {1000 * (previous - t0):8.1f} ms")
if durations:
    print(f"  children: {len(durations)}, median round trip {1000 * sorted(durations)[len(durations) // 2]:.1f} ms, "
          f"sum {1000 * sum(durations):.1f} ms; score {reports[0].score}/{reports[0].max_score}")
"""


def submissions(exercise: str, folder: Path) -> dict[str, Path]:
    """The four kinds of first run, each as a file named as the student's."""
    from grader.exercises import load_course

    stub = load_course(REPO).resolve(exercise).student_paths()[0]
    files = {"reference": REPO / "solutions" / f"{exercise}.py", "stub": stub}
    for kind, sources in (("fails every check", FAILING), ("raises in every call", RAISING)):
        if exercise not in sources:
            continue
        path = folder / kind.replace(" ", "-") / stub.name
        path.parent.mkdir(parents=True)
        path.write_text(sources[exercise])
        files[kind] = path
    return files


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exercise", nargs="*", default=["exercise1", "exercise6", "exercise8"])
    parser.add_argument("--phases", default="exercise6:stub", help="EXERCISE:KIND whose phases to show")
    options = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        commands = {("python -c 'import torch'", ""): [python, "-c", "import torch"]}
        files = {}
        for exercise in options.exercise:
            for kind, path in submissions(exercise, Path(folder) / exercise).items():
                files[exercise, kind] = path
                commands[exercise, kind] = [python, "-m", "grader", exercise, str(path)]
        times = {key: [] for key in commands}
        for _ in range(options.runs):
            for key, command in commands.items():
                times[key].append(timed(command))
        medians = {key: statistics.median(values) for key, values in times.items()}
        torch_time = medians["python -c 'import torch'", ""]
        print(f"first runs, median of {options.runs} (taking turns), ratio to importing torch")
        print(f"  {'python -c import torch':44s} {torch_time:6.2f} s")
        for (exercise, kind), seconds in medians.items():
            if kind:
                target = TARGETS.get(exercise, TARGET)
                verdict = "ok" if seconds / torch_time <= target else "OVER"
                print(f"  grade {exercise} <{kind}>{'':{max(0, 28 - len(exercise) - len(kind))}} {seconds:6.2f} s"
                      f"  {seconds / torch_time:5.2f}x  (target <= {target}x: {verdict})")
        exercise, kind = options.phases.split(":")
        if (exercise, kind) in files:
            print(f"where one grading run's time goes ({exercise}, {kind}):")
            subprocess.run([python, "-c", PHASES, str(REPO), str(files[exercise, kind]), exercise], cwd=REPO,
                           check=True)


if __name__ == "__main__":
    main()
