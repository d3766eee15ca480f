"""``grade gradescope-package OUT.zip``: Gradescope's autograder zip for a course.

Trusted side; reads the course, writes one zip. The zip holds, at its root::

    setup.sh          run once when Gradescope builds the image: a venv with torch's CPU build
                      and the grader from the vendored wheel
    run_autograder    run per submission: makes the course private, grades with a time limit,
                      and writes results/results.json whatever happened
    autograder.json   what run_autograder grades and how (exercises, isolation, visibility, time)
    vendor/           the grader's wheel
    course/           the instructor's exercises: hidden checks and instructor.py included,
                      variants left out, no solutions; each exercise.json's limits scaled

Limits are scaled so that the grader, the zygote and one child fit the container together: a
memory hog then meets its own limit (a ``MemoryError`` its checks report) before the container's.
Past the container's, the kernel's OOM killer picks a victim: the hog, which then reads as a crash,
or, where the container is killed as a group (cgroup v2's ``memory.oom.group``), the grader too,
and no results. A child may use what the container leaves after ``GRADER_RESERVE_MB`` and its
scratch space; its wall clock stretches to the CPU share, so its CPU seconds can still be spent.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from grader.errors import UsageProblem
from grader.exercises import Course, Exercise
from grader.publish import wheel
from grader.publish.install import TORCH_CPU_INDEX, torch_requirement, wheel_path
from grader.release import autograder_files
from grader.sandbox.outcome import Limits

# What the grader's own process and the zygote hold at their peak while a child runs (measured
# with torch 2.13 on exercise8, the heaviest: 383 MB for both, in a memory cgroup), with room.
GRADER_RESERVE_MB = 448
MIN_CHILD_MB = 64
MARGIN_SECONDS = 40  # of the autograder's time, kept to write results.json after a timeout
CONFIG = "autograder.json"
COURSE = "course"


@dataclass(frozen=True)
class Options:
    """The container (Gradescope's defaults) and how the course is graded in it."""

    memory_mb: int = 768
    cpus: float = 0.5
    minutes: int = 10
    require: str = "weak"
    hidden_visibility: str = "after_published"


def scaled(limits: Limits, options: Options) -> Limits:
    """An exercise's limits, cut to fit the container (never raised past the exercise's own,
    except the wall clock, which a CPU share below one stretches)."""
    memory = options.memory_mb - GRADER_RESERVE_MB - limits.scratch_mb
    if memory < MIN_CHILD_MB:
        raise UsageProblem(f"a {options.memory_mb} MB container leaves {memory} MB for student code; "
                           f"give --memory-mb {GRADER_RESERVE_MB + limits.scratch_mb + MIN_CHILD_MB} or more")
    wall = max(limits.wall_seconds, math.ceil(limits.cpu_seconds / min(options.cpus, 1.0)) + 2)
    return replace(limits, memory_mb=min(limits.memory_mb, memory), wall_seconds=float(wall))


def build(course: Course, exercises: list[Exercise], out_zip: Path, options: Options) -> list[str]:
    """Write the zip; return lines describing it for the instructor."""
    out_zip = Path(out_zip)
    if out_zip.suffix != ".zip":
        raise UsageProblem(f"{out_zip}: name the package with .zip")
    budget = options.minutes * 60 - MARGIN_SECONDS
    config = {"exercises": [e.id for e in exercises], "require_isolation": options.require,
              "hidden_visibility": options.hidden_visibility, "budget_seconds": budget,
              "container": asdict(options)}
    entries: dict[str, tuple[bytes, int]] = {
        "setup.sh": (setup_script().encode(), 0o755),
        "run_autograder": (run_script(budget).encode(), 0o755),
        CONFIG: ((json.dumps(config, indent=2) + "\n").encode(), 0o644),
    }
    lines = []
    for exercise in exercises:
        limits = scaled(exercise.limits, options)
        for relative in autograder_files(exercise.folder):
            data = (exercise.folder / relative).read_bytes()
            if relative == Path("exercise.json"):
                data = with_limits(data, limits)
            entries[f"{COURSE}/exercises/{exercise.id}/{relative.as_posix()}"] = (data, 0o644)
        lines.append(f"{exercise.id}: a child gets {limits.memory_mb} MB (the exercise asks {exercise.limits.memory_mb}),"
                     f" {limits.cpu_seconds} s of CPU, {limits.wall_seconds:g} s of wall clock")
    entries[wheel_path()] = (wheel.wheel_bytes(), 0o644)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    out_zip.write_bytes(wheel.zip_bytes(entries))
    return [f"wrote {out_zip} ({out_zip.stat().st_size // 1024} KiB, {len(entries)} files) for "
            f"{options.memory_mb} MB, {options.cpus:g} CPU, {options.minutes} minutes", *lines,
            f"run_autograder stops grading after {budget} s and still writes results.json"]


def with_limits(data: bytes, limits: Limits) -> bytes:
    metadata = json.loads(data)
    metadata["limits"] = {**metadata.get("limits", {}), **limits.as_dict()}
    return (json.dumps(metadata, indent=2) + "\n").encode()


def setup_script() -> str:
    return f"""\
#!/usr/bin/env bash
# Runs once, as root, when Gradescope builds the autograder's image (Ubuntu).
# AUTOGRADER_ROOT (default /autograder), PYTHON (default python3) and TORCH_INDEX_URL (default
# torch's CPU index; empty: pip's own configuration) are for trying it outside Gradescope.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{PYTHON:-python3}}"
INDEX="${{TORCH_INDEX_URL-{TORCH_CPU_INDEX}}}"
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! ldconfig -p | grep -q libseccomp.so.2; then
    apt-get update && apt-get install -y python3 python3-venv libseccomp2
fi
# The interpreter must not live under /root: children drop to uid 65534 and must still read it.
"$PYTHON" -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install -q {torch_requirement()} ${{INDEX:+--index-url "$INDEX"}}
"$ROOT/venv/bin/pip" install -q "$ROOT/source/{wheel_path()}"
"$ROOT/venv/bin/grade" doctor --course "$ROOT/source/{COURSE}" || true
"""


def run_script(budget: int) -> str:
    return f"""\
#!/usr/bin/env bash
# Runs per submission. Whatever happens, results/results.json exists when this script ends.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
export AUTOGRADER_ROOT="$ROOT"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
rm -f "$RESULTS"
# The course (hidden checks) private to root: children drop to uid 65534 before student code runs.
chmod -R go-rwx "$ROOT/source"
timeout --kill-after=10 {budget} "$ROOT/venv/bin/python" -m grader.publish.autograder
status=$?
if [ ! -s "$RESULTS" ]; then
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        why="grading took longer than the autograder's {budget} s"
    else
        why="the grader stopped unexpectedly (exit status $status), possibly out of memory"
    fi
    printf '{{"score": 0, "output": "Grading failed, so this is not your grade: %s. Your instructor can rerun it.", "output_format": "text", "stdout_visibility": "hidden", "extra_data": {{"error": "%s", "exit_status": %d}}, "tests": []}}\\n' "$why" "$why" "$status" > "$RESULTS"
fi
exit 0
"""
