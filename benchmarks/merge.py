"""What ``grade merge`` costs for a large class, and how even ``--shard I/N`` keeps the shards.

Grades the bundled example class once (``grade batch examples/class --exercises 1,8``) for real
reports, then builds N shard folders of a generated class of S students (each student's report
one of those real ones, as a batch would have written it, with the shard's ``batch.json``), and
runs the real ``grade merge`` over them::

    .venv/bin/python benchmarks/merge.py [--students 1000] [--shards 4]

Printed: the shards' sizes (largest over smallest), the merge's wall time end to end (a fresh
process: imports included) and per report, the merged folder's size, and the share of the time
a second merge into the same folder takes (its reports overwritten).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.batch import class_files, manifest  # noqa: E402
from grader.batch.engine import course_fingerprint  # noqa: E402
from grader.batch.outputs import Outputs, file_name  # noqa: E402
from grader.batch.shard import Shard  # noqa: E402
from grader.exercises import load_course  # noqa: E402

EXERCISES = "1,8"


def grade(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", *command], cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--shards", type=int, default=4)
    options = parser.parse_args()
    course = load_course(REPO)
    exercises = [course.resolve(name) for name in EXERCISES.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        grade(["batch", "examples/class", "--exercises", EXERCISES, "--seed", "5", "--quiet", "--out", str(root / "real")])
        real = [(p.read_text(), json.loads(p.read_text())) for p in sorted((root / "real" / "reports").glob("*.json"))]
        ids = sorted(f"student{n:05}" for n in range(options.students))
        sizes = []
        for index in range(1, options.shards + 1):
            shard = Shard(index, options.shards)
            part = shard.select(ids)
            sizes.append(len(part))
            outputs, rows = Outputs(root / f"shard{index}"), []
            for position, submission_id in enumerate(part):
                text, document = real[position % len(real)]
                outputs.write(file_name(submission_id), text, "feedback\n", "key")
                rows.append((submission_id, document))
            described = manifest.describe(
                course=course_fingerprint(exercises), exercises=exercises, seed=5, secret_id=None, deadline=None,
                shard=shard.as_dict(), class_ids=ids, ids=part)
            class_files.write(outputs, exercises, rows, described)
        shards = [str(root / f"shard{i}") for i in range(1, options.shards + 1)]
        first = grade(["merge", *shards, "--out", str(root / "merged"), "--quiet"])
        again = grade(["merge", *shards, "--out", str(root / "merged"), "--quiet"])
        size = sum(p.stat().st_size for p in (root / "merged").rglob("*") if p.is_file())
    print(f"{options.students} students in {options.shards} shards: sizes {min(sizes)}..{max(sizes)} "
          f"(largest/smallest {max(sizes) / max(1, min(sizes)):.3f})")
    print(f"grade merge: {first:.2f} s end to end, {first / options.students * 1000:.2f} ms per report; "
          f"merged folder {size / 2**20:.1f} MiB; merging again into it: {again:.2f} s ({again / first:.2f}x)")
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
