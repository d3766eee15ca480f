"""What ``grade batch`` costs over a generated class: throughput, peak memory, a hanging student.

Generates N submissions of exercise1 (by default 200 and 50) as per-student folders: the
reference solution, the stub, the exercise's known-buggy and alternative variants, the bundled
examples, and misbehaving code (an import that hangs, one that exhausts memory, one that crashes,
output that floods, a syntax error), then runs the real command over them with ``--jobs 1`` and
``--jobs 2``::

    .venv/bin/python benchmarks/batch.py [--sizes 200,50] [--jobs 1,2]
    .venv/bin/python benchmarks/batch.py --profile 20    # where one worker's time goes

``--profile N`` grades N ordinary submissions (references and variants) with one warm session in
this process, as a worker does, and prints the time per grading spent in pytest (its collection
at unconfigure apart), in the sandboxed calls, and on the batch's own path (reading the files,
the bundle's validation and JSON, the feedback view).

Printed per run: exercise-gradings per second end to end (worker start-up included) and once
the first report is written (steady state); each grading's median time; the slowest
submissions; the peak (and median) memory of the whole process tree (the batch, its workers,
their zygotes and children) as the sum of PSS sampled every 0.1 s, and, where this process can make a memory
cgroup (root, cgroup v1 or v2), the cgroup's own peak (v2 ``memory.peak``, v1
``memory.max_usage_in_bytes``, which counts page cache charged to the run too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXERCISE = REPO / "exercises" / "exercise1"

MISBEHAVING = {
    "hangs-at-import": "import time\ntime.sleep(10_000)\n",
    "exhausts-memory": "held = []\nwhile True:\n    held.append(bytearray(64 << 20))\n",
    "crashes-at-import": "import os\nos._exit(7)\n",
    "floods-output": "def dydx(f, x0):\n    while True:\n        print('x' * 10_000)\n",
    "syntax-error": "def dydx(f, x0)\n    return 0\n",
}


def sources() -> dict[str, str]:
    """Every kind of submission once; a class repeats them in turn."""
    found = {"reference": (REPO / "solutions" / "exercise1.py").read_text(),
             "stub": (EXERCISE / "dydx.py").read_text()}
    for path in sorted((EXERCISE / "variants").glob("*.py")):
        found[f"variant-{path.stem}"] = path.read_text()
    for path in sorted((REPO / "examples" / "exercise1").glob("*.py")):
        found[f"example-{path.stem}"] = path.read_text()
    return found


def make_class(root: Path, size: int) -> None:
    """``size`` students: each misbehaving one once, the rest cycling through ``sources``."""
    ordinary = list(sources().items())
    students = [(name, text) for name, text in MISBEHAVING.items()]
    students += [ordinary[i % len(ordinary)] for i in range(size - len(students))]
    for number, (kind, text) in enumerate(students[:size]):
        folder = root / f"student{number:03d}-{kind}" / "exercises" / "exercise1"
        folder.mkdir(parents=True)
        (folder / "dydx.py").write_text(text)


class MemoryCgroup:
    """A memory cgroup of our own under this process's, where the kernel lets us make one."""

    def __init__(self):
        self.path, self.peak_file = None, None
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, where = line.split(":", 2)
            if controllers == "memory" and Path("/sys/fs/cgroup/memory").is_dir():
                base, peak = Path("/sys/fs/cgroup/memory") / where.lstrip("/"), "memory.max_usage_in_bytes"
            elif controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").is_file():
                base, peak = Path("/sys/fs/cgroup") / where.lstrip("/"), "memory.peak"
            else:
                continue
            try:
                path = base / f"grade-batch-benchmark-{os.getpid()}"
                path.mkdir()
                if not (path / peak).exists():
                    path.rmdir()
                    continue
                self.path, self.peak_file = path, peak
                return
            except OSError:
                continue

    def enter(self) -> None:
        """Called in the benchmarked process before exec: it and all its descendants are charged here."""
        if self.path:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self) -> int | None:
        return int((self.path / self.peak_file).read_text()) if self.path else None

    def remove(self) -> None:
        if self.path:
            for _ in range(50):
                try:
                    self.path.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)


def tree_pss(root: int) -> int:
    """The PSS of ``root`` and every descendant, in bytes."""
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parents[int(name)] = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


def run(students: Path, jobs: int, out: Path) -> dict:
    cgroup = MemoryCgroup()
    command = [sys.executable, "-m", "grader", "batch", str(students), "--course", str(REPO), "--exercises", "1",
               "--jobs", str(jobs), "--out", str(out), "--progress", "jsonl", "--seed", "1"]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=cgroup.enter, cwd=REPO)
    samples, done = [], threading.Event()

    def sample():
        while not done.is_set():
            samples.append(tree_pss(process.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    events, first = [], None
    for line in process.stdout:
        event = json.loads(line)
        if event["event"] == "graded":
            first = first or time.monotonic()
            events.append(event)
    process.wait()
    wall = time.monotonic() - started
    done.set()
    sampler.join()
    cgroup_peak = cgroup.peak()
    cgroup.remove()
    if process.returncode != 0:
        raise SystemExit(f"grade batch exited {process.returncode}: {process.stderr.read()[-2000:]}")
    steady = wall - (first - started) if first else wall
    seconds = {e["id"]: e["seconds"] for e in events}
    return {
        "jobs": jobs, "submissions": len(events), "wall_s": round(wall, 1),
        "gradings_per_s": round(len(events) / wall, 2),
        "gradings_per_s_after_first_report": round((len(events) - 1) / steady, 2) if steady > 0 else None,
        "median_grading_s": round(statistics.median(seconds.values()), 3),
        "slowest": sorted(seconds.items(), key=lambda kv: -kv[1])[:4],
        "hanging_submission_s": next((v for k, v in seconds.items() if "hangs-at-import" in k), None),
        "peak_pss_mb": round(max(samples) / 2**20),
        "median_pss_mb": round(statistics.median(samples) / 2**20),
        "cgroup_peak_mb": round(cgroup_peak / 2**20) if cgroup_peak else None,
        "cgroup_file": cgroup.peak_file,
    }


def profile(count: int) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(REPO))
    from grader.batch import discovery
    from grader.batch.workers import feedback
    from grader.exercises import load_course
    from grader.report import model
    from grader.session import GradingSession

    course = load_course(REPO)
    exercise = course.resolve("exercise1")
    scratch = Path(tempfile.mkdtemp(prefix="grade-batch-profile-"))
    try:
        make_class(scratch, count + len(MISBEHAVING))
        found = [f for f in discovery.discover(scratch) if not any(k in f.id for k in MISBEHAVING)][:count]
        with GradingSession(course, [exercise], seed=1) as session:
            session.require_isolation("partial")
            session.grade(discovery.read_submission(found[0], [exercise]))  # warm
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for entry in found:
                reports = session.grade(discovery.read_submission(entry, [exercise]))
                model.to_json(model.bundle(reports, session.versions()))
                feedback(reports)
            profiler.disable()
            wall = time.perf_counter() - started
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    stats = pstats.Stats(profiler).stats
    def cumulative(module: str, function: str) -> float:
        return sum(v[3] for (file, _, name), v in stats.items() if file.endswith(module) and name == function)
    per = {"wall": wall, "pytest.main": cumulative("_pytest/config/__init__.py", "main"),
           "  of which gc.collect at unconfigure": cumulative("_pytest/unraisableexception.py", "gc_collect_harder"),
           "sandboxed calls (pool.call)": cumulative("grader/sandbox/pool.py", "call"),
           "reading the files (discovery)": cumulative("grader/batch/discovery.py", "read_submission"),
           "report validation (model.validate)": cumulative("grader/report/model.py", "validate"),
           "feedback view": cumulative("grader/batch/workers.py", "feedback")}
    for label, seconds in per.items():
        print(f"{label:40s} {1000 * seconds / len(found):8.1f} ms per grading")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,50")
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N gradings in this process instead")
    options = parser.parse_args()
    if options.profile:
        profile(options.profile)
        return
    scratch = Path(tempfile.mkdtemp(prefix="grade-batch-benchmark-"))
    try:
        for size in (int(s) for s in options.sizes.split(",")):
            students = scratch / f"class{size}"
            make_class(students, size)
            for jobs in (int(j) for j in options.jobs.split(",")):
                result = run(students, jobs, scratch / f"out{size}-{jobs}")
                print(json.dumps({"size": size, **result}), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
