"""What hostile text from the child costs the trusted side: `grade exercise1 FILE --json` per submission.

Each submission below raises (or forges a result frame) with text chosen to be huge, to make the
hint rules backtrack, or to be unencodable; the last grades a bad and a good submission in one run.
Prints, for each: the wall time of the whole command (cut at --timeout), its exit code, and the
scores it reported (none when it printed no report).

    python benchmarks/hostile_text.py [--timeout 300] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "solutions" / "exercise1.py"

RAISES = "def dydx(f, x0):\n    {}\n"
FORGER = """import os, sys
MB = 1 << 20
protocol = sys.modules["grader.sandbox.protocol"]

def dydx(f, x0):
    data = protocol.pack_frame(protocol.encode({{"stage": "result", "ok": False, "phase": "call",
        "warnings": [], "error": {{"type": "ValueError", "message": {}, "traceback": "",
        "where": {{"line": 1, "function": "dydx"}}, "harness": False}}}}))
    for fd in range(3, 256):
        try:
            os.write(fd, data)
        except OSError:
            pass
    os._exit(0)
"""

SUBMISSIONS = {
    "reference": SOLUTION.read_text(),
    "type name 'NoneType' * 16384 (128 KiB)": RAISES.format('raise type("NoneType" * 16384, (Exception,), {})("boom")'),
    "type name 'argument' * 16384 (128 KiB)": RAISES.format('raise type("argument" * 16384, (Exception,), {})("boom")'),
    "forged message 'argument ' * 116508 (1 MiB)": FORGER.format('"argument " * (MB // 9)'),
    "lone surrogate in the message": RAISES.format('raise ValueError("bad \\ud800 value")'),
}


def grade(files: list[Path], timeout: float) -> tuple[float, str, str]:
    started = time.monotonic()
    try:
        result = subprocess.run([sys.executable, "-m", "grader", "exercise1", *map(str, files), "--json"],
                                cwd=REPO, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return timeout, "killed", f"no report in {timeout:g} s"
    elapsed = time.monotonic() - started
    try:
        document = json.loads(result.stdout)
        reports = document.get("reports", [document])
        scores = ", ".join(f"{r['score']}/{r['max_score']}" for r in reports)
    except ValueError:
        scores = "no report: " + (result.stderr.strip().splitlines() or [""])[-1][:100]
    return elapsed, str(result.returncode), scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", help="a substring of the submissions' names")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        jobs = {}
        for index, (name, text) in enumerate(SUBMISSIONS.items()):
            path = Path(folder) / f"s{index}" / "dydx.py"
            path.parent.mkdir()
            path.write_text(text)
            jobs[name] = [path]
        jobs["surrogate submission, then the reference, in one run"] = (
            jobs["lone surrogate in the message"] + [SOLUTION])
        print(f"{'submission':58s} {'wall s':>8s} {'exit':>6s}  scores")
        for name, files in jobs.items():
            if args.only and args.only not in name:
                continue
            elapsed, code, scores = grade(files, args.timeout)
            print(f"{name:58s} {elapsed:8.1f} {code:>6s}  {scores}", flush=True)


if __name__ == "__main__":
    main()
