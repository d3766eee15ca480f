"""How long `grade all` takes over the whole course, against `python -c "import torch"`.

Prints, from one run on this machine, the median wall time over N runs of: importing torch;
`grade all` on the course's untouched stubs; `grade all` on a copy of the course whose student
files are the reference solutions; and each one's ratio to the torch import. Both gradings are one
session with one warm zygote (every harness imported once), as a student's `grade all` is.

    python benchmarks/course_run.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_wall(command: list[str], runs: int, cwd: Path) -> tuple[float, str]:
    times, output = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        output = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False).stdout
        times.append(time.perf_counter() - start)
    return statistics.median(times), output


def solved_copy(root: Path) -> Path:
    """A copy of the course's exercises whose student files are the reference solutions."""
    sys.path.insert(0, str(REPO))
    from grader.exercises import load_course

    shutil.copytree(REPO / "exercises", root / "exercises")
    for exercise in load_course(root).exercises:
        shutil.copyfile(REPO / "solutions" / f"{exercise.id}.py", exercise.student_paths()[0])
    return root


def score(output: str) -> str:
    reports = json.loads(output)["reports"]
    return f"{sum(r['score'] for r in reports)}/{sum(r['max_score'] for r in reports)} over {len(reports)} exercises"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    python = sys.executable
    torch_time, _ = median_wall([python, "-c", "import torch"], runs, REPO)
    print(f"median over {runs} runs")
    print(f"  python -c 'import torch'        {torch_time:6.2f} s")
    with tempfile.TemporaryDirectory(prefix="course-run-") as folder:
        for name, root in (("stubs", REPO), ("references", solved_copy(Path(folder)))):
            seconds, output = median_wall([python, "-m", "grader", "all", "--json", "--course", str(root)], runs, root)
            print(f"  grade all on the {name:10s}   {seconds:6.2f} s  {seconds / torch_time:5.2f}x  ({score(output)})")


if __name__ == "__main__":
    main()
