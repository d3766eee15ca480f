"""Does the Gradescope autograder fit its container when a submission hogs memory?

Builds the autograder zip, sets up a stand-in ``/autograder`` (``setup.sh``: a venv with torch and
the vendored grader; a minute or two), then runs ``run_autograder`` in a memory cgroup the size of
Gradescope's container (768 MB, no swap) on one submission: a correct exercise8, and exercise1
and exercise6 solutions that allocate until something stops them. Twice: with the zip's scaled
limits, and with the exercises' own (``memory_mb`` 1024). For each it prints the cgroup's peak,
the OOM kills, the points and what the hog's checks said. Needs root and a memory cgroup
controller (v1 or v2), and /usr/bin/python3.

    python benchmarks/gradescope_memory.py [--container-mb 768]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.publish import standin  # noqa: E402 - the stand-in root the slow tests use

HOGS = {
    "dydx.py": "def dydx(f, x0):\n    keep = []\n    while True:\n        keep.append(bytearray(50 << 20))\n",
    "mlp_backward.py": ("import torch\ndef mlp_backward(*a, **k):\n    keep = []\n    while True:\n"
                        "        keep.append(torch.ones(10_000_000))\n"),
    "train.py": REPO / "solutions" / "exercise8.py",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--container-mb", type=int, default=768)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gradescope-memory-"))
    archive = work / "autograder.zip"
    subprocess.run([sys.executable, "-m", "grader", "gradescope-package", str(archive),
                    "--memory-mb", str(args.container_mb)], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    root = standin.set_up(archive)
    try:
        course = root / "source" / "course" / "exercises"
        scaled = {p: p.read_text() for p in course.glob("*/exercise.json")}
        for label, memory in (("scaled limits", None), ("the exercises' own limits", 1024)):
            for path, text in scaled.items():
                path.write_text(text if memory is None else re.sub(r'"memory_mb": \d+', f'"memory_mb": {memory}', text))
            child_mb = json.loads(next(iter(scaled)).read_text())["limits"]["memory_mb"]
            results, peak_mb, kills = standin.run(root, HOGS, args.container_mb)
            said = sorted({t["output"].split("\n")[0][:60] for t in results["tests"] if t["score"] < t["max_score"]})
            print(f"{label}: child {child_mb} MB; peak {peak_mb} MB of {args.container_mb} MB "
                  f"({peak_mb / args.container_mb:.2f}); OOM kills {kills}; score {results['score']} "
                  f"with {len(results['tests'])} tests; the hogs' checks said: {said[:3]}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
