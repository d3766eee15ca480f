"""`grade watch`: from a save to the printed result, the cost of waiting, and memory over many re-grades.

Runs the real command (`python -m grader watch EXERCISE FILE`) on a copy of the reference and
saves the file over and over, alternating the reference and a known-buggy variant so every save
changes the result. Prints, from one run on this machine:

- per exercise, the time from each save to the result's first line: median and worst over
  N saves (target under 0.3 s for exercise1 and exercise6);
- the CPU time the watching process uses while nothing is saved (the polling's cost);
- the resident memory of the watching process (peak, and now) after a few re-grades and after
  many (200 by default): no growth beyond noise.

    python benchmarks/watch.py [--saves 50] [--regrades 200] [--exercise exercise1 exercise6 exercise8]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUGGY = {"exercise1": "reused_leaf", "exercise6": "transposed_dw", "exercise8": "smaller_lr"}
TICKS = os.sysconf("SC_CLK_TCK")


class Watching:
    """A running `grade watch` and the result headers it prints, as they come."""

    def __init__(self, exercise: str, student: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "grader", "watch", exercise, str(student)],
                                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.headers: queue.Queue = queue.Queue()
        threading.Thread(target=self.read, args=(exercise,), daemon=True).start()

    def read(self, exercise: str) -> None:
        for line in self.process.stdout:
            if f"] {exercise} " in line:
                self.headers.put((time.perf_counter(), line.strip()))

    def next_result(self, timeout: float = 120) -> tuple[float, str]:
        return self.headers.get(timeout=timeout)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def memory_mb(self) -> tuple[float, float]:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines())
        return int(status["VmHWM"].split()[0]) / 1024, int(status["VmRSS"].split()[0]) / 1024

    def stop(self) -> None:
        self.process.send_signal(2)
        self.process.wait(timeout=60)


def sources(exercise: str) -> list[str]:
    return [(REPO / "solutions" / f"{exercise}.py").read_text(),
            (REPO / "exercises" / exercise / "variants" / f"{BUGGY[exercise]}.py").read_text()]


def save_times(exercise: str, saves: int, folder: Path) -> tuple[list[float], float]:
    """Seconds from each save to its printed result; and the idle CPU share of the watcher."""
    texts = sources(exercise)
    student = folder / exercise / stub_name(exercise)
    student.parent.mkdir()
    student.write_text(texts[0])
    watching = Watching(exercise, student)
    try:
        watching.next_result()  # the first run: start-up, not a re-grade
        before, started = watching.cpu_seconds(), time.perf_counter()
        time.sleep(5)
        idle = (watching.cpu_seconds() - before) / (time.perf_counter() - started)
        times = []
        for i in range(saves):
            saved = time.perf_counter()
            student.write_text(texts[(i + 1) % 2])
            printed, _ = watching.next_result()
            times.append(printed - saved)
            time.sleep(0.1)
    finally:
        watching.stop()
    return times, idle


def memory(exercise: str, regrades: int, folder: Path) -> list[tuple[int, float, float]]:
    """(re-grades so far, peak MB, resident MB) of the watching process along the way."""
    texts = sources(exercise)
    student = folder / f"memory-{exercise}" / stub_name(exercise)
    student.parent.mkdir()
    student.write_text(texts[0])
    watching = Watching(exercise, student)
    marks = []
    try:
        watching.next_result()
        for i in range(1, regrades + 1):
            student.write_text(texts[i % 2])
            watching.next_result()
            if i in (10, regrades // 2, regrades):
                marks.append((i, *watching.memory_mb()))
    finally:
        watching.stop()
    return marks


def stub_name(exercise: str) -> str:
    from grader.exercises import load_course

    return load_course(REPO).resolve(exercise).student_files[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--regrades", type=int, default=200)
    parser.add_argument("--exercise", nargs="*", default=["exercise1", "exercise6", "exercise8"])
    parser.add_argument("--memory-exercise", default="exercise1")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        torch_times = []
        for _ in range(3):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import torch"], check=True)
            torch_times.append(time.perf_counter() - started)
        print(f"python -c 'import torch' now: {statistics.median(torch_times):.2f} s (median of 3), for scale")
        print(f"save to printed result, over {options.saves} saves (reference and a buggy variant in turn)")
        for exercise in options.exercise:
            times, idle = save_times(exercise, options.saves, Path(folder))
            print(f"  {exercise}: median {statistics.median(times):.3f} s, worst {max(times):.3f} s; "
                  f"idle watcher's CPU {100 * idle:.2f}% of one core")
        if options.regrades:
            print(f"memory of the watching process ({options.memory_exercise}), peak and resident")
            for count, peak, resident in memory(options.memory_exercise, options.regrades, Path(folder)):
                print(f"  after {count:4d} re-grades: peak {peak:7.1f} MB, resident {resident:7.1f} MB")


if __name__ == "__main__":
    main()
