"""What the after-call checks cost per call, measured in forked children set up like the zygote's.

The parent imports what the zygote imports (torch, numpy, the sandbox child and every exercise's
harness) and runs no torch operation; each repetition forks a child that, as a grading child
does, sets one torch thread, enforces the no-autograd guard (or not), arms the checks
(``integrity.arm``), runs a trivial "student" call, and then runs ``integrity.check``, timing
the whole and each of its steps. The figures are medians over the repetitions, in microseconds.
The collector is paused in the measured child: a collection that falls due during a step (the
forked child's first ones cost 10-200 ms, touching every object) would be charged to whichever
step allocated last, and it falls due in the student's call anyway.
Run with::

    .venv/bin/python benchmarks/after_call_cost.py [--repeats 30]

Not measured here: the kernel layers (Landlock, seccomp), which cost the same with and without
these checks.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def steps(integrity, baseline, active, value) -> dict:
    """Each step of ``integrity.check`` again on its own (each is idempotent once the check ran)."""
    own, own_items, namespaces, classes, modules, module_table, signals, dispatch, kernels, threads = baseline
    timed = {
        "collector (gc.disable, callbacks)": lambda: integrity.stop_the_collector([]),
        "signals (handlers, 3 timers)": lambda: integrity.stop_signals(signals, []),
        "namespaces (builtins, os, json, struct, math, torch, Tensor, sandbox modules)":
            lambda: integrity.restore_namespaces(namespaces, classes, modules, module_table, []),
        "tracing (trace, profile, monitoring)": lambda: integrity.check_tracing([]),
        "torch state (mode stacks, dispatch keys, functorch)":
            lambda: integrity.check_torch_state(dispatch, (), []),
        "kernels (17 encoder operators, _dispatch_dump)": lambda: integrity.check_torch_state(dispatch, kernels, []),
        "threads (/proc/self/task)": lambda: integrity.check_threads(threads, []),
        "result tensors (instance attributes)": lambda: integrity.check_value(value, []),
    }
    if active is not None:
        timed["guard self-check (Guard.problems)"] = active.problems
    figures = {}
    for name, step in timed.items():
        start = time.perf_counter()
        step()
        figures[name] = (time.perf_counter() - start) * 1e6
    return figures


def one_child(guarded: bool) -> dict:
    import torch

    from grader.sandbox import child, guard, integrity

    torch.set_num_threads(1)
    gc.disable()
    start = time.perf_counter()
    active = guard.enforce(["autograd"] if guarded else [])
    enforced = time.perf_counter()
    baseline = integrity.arm(child.AFTER_CALL_MODULES, () if active is None else (active, type(active)))
    armed = time.perf_counter()
    value = {name: torch.zeros(5, 4) for name in ("W1", "b1", "W2", "b2", "W3", "b3")}  # the "call"
    checked_from = time.perf_counter()
    problems = integrity.check(baseline, active, value)
    checked = time.perf_counter()
    figures = {"guard.enforce": (enforced - start) * 1e6, "integrity.arm": (armed - enforced) * 1e6,
               "integrity.check (whole)": (checked - checked_from) * 1e6}
    figures.update(steps(integrity, baseline, active, value))
    return {"figures": figures, "problems": problems}


def measure(guarded: bool, repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_end)
                os.write(write_end, json.dumps(one_child(guarded)).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        data = b""
        while chunk := os.read(read_end, 1 << 16):
            data += chunk
        os.close(read_end)
        os.waitpid(pid, 0)
        runs.append(json.loads(data))
    problems = [r["problems"] for r in runs if r["problems"]]
    names = runs[0]["figures"].keys()
    return {"medians": {n: statistics.median(r["figures"][n] for r in runs) for n in names}, "problems": problems}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=30)
    options = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import importlib.util

    import numpy  # noqa: F401 - as the zygote
    import torch  # noqa: F401

    from grader.sandbox import child, guard  # noqa: F401

    guard.preload()
    for harness in sorted(REPO.glob("exercises/*/harness.py")):
        spec = importlib.util.spec_from_file_location(f"grader_harness_{harness.parent.name}", harness)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    for guarded in (True, False):
        result = measure(guarded, options.repeats)
        print(f"\n{'guarded (exercise6-like)' if guarded else 'no guard (exercise1/8-like)'}: "
              f"median of {options.repeats} forked children, microseconds")
        for name, value in result["medians"].items():
            print(f"  {value:9.1f}  {name}")
        if result["problems"]:
            print(f"  problems reported in an idle child (should be none): {result['problems'][0]}")


if __name__ == "__main__":
    main()
