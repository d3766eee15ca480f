"""What each isolation layer costs a child, and batch throughput with all layers on and off.

For each configuration a zygote is started with only those kernel layers, and a child is asked
N times (default 40) to import a small submission and run a 64x64 matmul, the configurations
taking turns in rounds of 5 calls; the figure is the median round trip (fork, layers, import,
call, reply) and its difference from rlimits only.
Then a batch of calls runs on 2 threads (as batch grading does across 2 cores), all layers on
vs off, and prints calls per second. Layers this machine refuses are reported, not faked.

    python benchmarks/sandbox_layers.py [--children 40] [--batch 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.sandbox.outcome import Limits
from grader.sandbox.pool import Zygote

HARNESS = """
from grader.harness import entry

@entry
def run(student):
    return student.work()
"""
SUBMISSION = b"""
import torch

def work():
    a = torch.ones(64, 64)
    return float((a @ a).sum())
"""
CONFIGURATIONS = {
    "rlimits only": (),
    "+ netns": ("netns",),
    "+ landlock": ("landlock",),
    "+ seccomp": ("seccomp",),
    "+ seccomp + audit hook": ("seccomp", "audit_hook"),
    "+ scratch mount": ("scratch_mount",),
    "all layers": ("netns", "landlock", "seccomp", "audit_hook", "uid_drop", "bwrap", "scratch_mount"),
}
REQUEST = {"module_name": "sub", "module_file": "sub.py", "files": {"sub.py": SUBMISSION},
           "harness": "t", "entry": "run", "args": {}}


def round_trips(zygote: Zygote, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        outcome = zygote.call(REQUEST, Limits())
        times.append(time.perf_counter() - started)
        if not outcome.ok:
            raise SystemExit(f"a benchmark call failed: {outcome.status} {outcome.detail} {outcome.error}")
    return times


def in_force(zygote: Zygote) -> str:
    outcome = zygote.call(REQUEST, Limits())
    on = [name for name, active in outcome.layers.items() if active and name not in ("zygote_fork",)]
    return ", ".join(on)


def throughput(zygote: Zygote, calls: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: zygote.call(REQUEST, Limits()), range(calls)))
    elapsed = time.perf_counter() - started
    assert all(o.ok for o in outcomes)
    return calls / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--batch", type=int, default=200)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    harness = folder / "harness.py"
    harness.write_text(HARNESS)
    print(f"median round trip over {options.children} children (fork, layers, import, 64x64 matmul, reply),")
    print("configurations interleaved in rounds of 5, so that a machine's drift in load touches them all alike")
    zygotes = {name: Zygote({"t": harness}, layers=layers) for name, layers in CONFIGURATIONS.items()}
    try:
        times: dict[str, list[float]] = {name: [] for name in zygotes}
        for zygote in zygotes.values():
            zygote.wait_ready()
            round_trips(zygote, 5)  # warm up
        for _ in range(max(1, options.children // 5)):
            for name, zygote in zygotes.items():
                times[name] += round_trips(zygote, 5)
        medians = {name: statistics.median(found) * 1000 for name, found in times.items()}
        for name, zygote in zygotes.items():
            extra = medians[name] - medians["rlimits only"]
            print(f"  {name:<26} {medians[name]:6.2f} ms  ({extra:+.2f} ms)   in force: {in_force(zygote)}")
    finally:
        for zygote in zygotes.values():
            zygote.close()
    added = medians["all layers"] - medians["rlimits only"]
    print(f"all layers together add {added:.2f} ms per child (target: under 10 ms)")
    print(f"batch of {options.batch} calls on 2 threads:")
    for name in ("rlimits only", "all layers"):
        with Zygote({"t": harness}, layers=CONFIGURATIONS[name]) as zygote:
            zygote.wait_ready()
            round_trips(zygote, 3)
            print(f"  {name:<26} {throughput(zygote, options.batch):6.1f} calls/s")


if __name__ == "__main__":
    main()
