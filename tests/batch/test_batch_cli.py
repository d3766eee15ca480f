"""``grade batch`` as an instructor runs it: the real command over a small class, in a subprocess.

Each test starts workers (a torch import and a zygote each): they are slow by the suite's measure.
"""

from __future__ import annotations

import csv
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.batch.engine import failure_document
from grader.exercises import load_course
from grader.report import model
from grader.report.model import to_json
from grader.submission import Submission

from ..conftest import EXAMPLES, REPO, SOLUTIONS, run_cli
from ..helpers import in_a_child

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

HANGS_AT_IMPORT = "import time\ntime.sleep(1000)\n"
PR_SET_CHILD_SUBREAPER = 36


@pytest.fixture
def course_copy(tmp_path):
    """A copy of the course (exercise1 only), so a test can change it."""
    root = tmp_path / "course"
    shutil.copytree(REPO / "exercises" / "exercise1", root / "exercises" / "exercise1")
    return root


def make_class(root: Path) -> Path:
    """student1 right (release layout), student2's zip wrong, student3 crashes at import, student5 links to the
    solution, student6 hands in nothing."""
    (root / "student1" / "exercises" / "exercise1").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "exercise1.py", root / "student1" / "exercises" / "exercise1" / "dydx.py")
    with zipfile.ZipFile(root / "student2.zip", "w") as archive:
        archive.write(EXAMPLES / "exercise1" / "reused-leaf.py", "hw/dydx.py")
    (root / "student3").mkdir()
    (root / "student3" / "dydx.py").write_text("import os\nos._exit(3)\n")
    (root / "student5").mkdir()
    (root / "student5" / "dydx.py").symlink_to(SOLUTIONS / "exercise1.py")
    (root / "student6").mkdir()
    (root / "student6" / "README.md").write_text("nothing here\n")
    return root


def batch(course: Path, submissions: Path, out: Path, *extra: str, env: dict | None = None):
    result = run_cli("batch", str(submissions), "--course", str(course), "--out", str(out),
                     "--progress", "jsonl", "--seed", "5", *extra, env=env, timeout=300)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, events


def gradebook(out: Path) -> dict:
    with open(out / "gradebook.csv", newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_a_class_gets_reports_feedback_and_a_gradebook_then_resumes(tmp_path, course_copy):
    students, out = make_class(tmp_path / "class"), tmp_path / "out"
    result, events = batch(course_copy, students, out, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert [e["event"] for e in events][0] == "start" and events[-1]["event"] == "summary"

    book = gradebook(out)
    assert book["max points"]["exercise1"] == "7"
    assert {name: book[name]["exercise1"] for name in ("student1", "student2", "student3", "student5", "student6")} == {
        "student1": "7", "student2": "6", "student3": "0", "student5": "missing", "student6": "missing"}
    for name in ("student1", "student2", "student3", "student5", "student6"):
        document = json.loads((out / "reports" / f"{name}.json").read_text())
        model.validate(document)
        (report,) = document["reports"]
        assert report["seed"] == 5
        if name in ("student1", "student2", "student3"):
            assert report["isolation"]["level"] in ("partial", "strong")
        feedback = (out / "feedback" / f"{name}.txt").read_text()
        assert "Score:" in feedback and "Traceback" not in feedback
    def first_message(name):
        return json.loads((out / "reports" / f"{name}.json").read_text())["reports"][0]["tests"][0]["message"]

    assert "leads out of the submission" in first_message("student5")
    assert "ended abnormally while being imported" in first_message("student3")

    written = {p.name: p.stat().st_mtime_ns for p in (out / "reports").iterdir()}
    result, events = batch(course_copy, students, out, "--resume")
    assert result.returncode == 0, result.stderr
    assert all(e["resumed"] for e in events if e["event"] == "graded")
    assert {p.name: p.stat().st_mtime_ns for p in (out / "reports").iterdir()} == written

    (students / "student3" / "dydx.py").write_bytes((SOLUTIONS / "exercise1.py").read_bytes())
    result, events = batch(course_copy, students, out, "--resume")
    assert {e["id"] for e in events if e["event"] == "graded" and not e["resumed"]} == {"student3"}
    assert gradebook(out)["student3"]["exercise1"] == "7"

    test_file = next((course_copy / "exercises" / "exercise1").glob("test_*.py"))
    test_file.write_text(test_file.read_text() + "\n# the course changed\n")
    result, events = batch(course_copy, students, out, "--resume")
    assert not any(e["resumed"] for e in events if e["event"] == "graded")


def test_one_hanging_submission_costs_its_budget_and_the_batch_goes_on(tmp_path, course_copy):
    students = tmp_path / "class"
    for name, source in (("a-hangs", HANGS_AT_IMPORT), ("b-right", (SOLUTIONS / "exercise1.py").read_text())):
        (students / name).mkdir(parents=True)
        (students / name / "dydx.py").write_text(source)
    started = time.monotonic()
    result, events = batch(course_copy, students, tmp_path / "out", "--jobs", "1", "--budget", "4")
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 90
    hung = json.loads((tmp_path / "out" / "reports" / "a-hangs.json").read_text())["reports"][0]
    assert hung["error"]["kind"] == "submission" and "budget of 4 s" in hung["error"]["message"]
    assert gradebook(tmp_path / "out")["b-right"]["exercise1"] == "7"


def test_below_the_required_isolation_nothing_is_graded(tmp_path, course_copy):
    students = make_class(tmp_path / "class")
    env = {**os.environ, "GRADER_LAYERS": "none"}
    result, _ = batch(course_copy, students, tmp_path / "out", "--jobs", "1", env=env)
    assert result.returncode == 5, result.stderr
    assert "requires isolation 'partial'" in result.stderr
    assert not list((tmp_path / "out" / "reports").glob("*.json"))


def leftovers_after_interrupting(command: list[str], env: dict, wait_for: str, how: int) -> dict:
    """Run ``command``, send it signal ``how`` once a line containing ``wait_for`` appears on its stdout,
    and return its exit code and the processes it left behind (this process adopts orphans)."""
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    for line in process.stdout:
        if wait_for in line:
            break
    process.send_signal(how)
    code = process.wait(120)
    time.sleep(2)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and stat.rsplit(")", 1)[1].split()[0] != "Z":
            left.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            os.kill(int(pid), signal.SIGKILL)
    return {"code": code, "left": left}


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_ctrl_c_keeps_finished_reports_and_leaves_no_process_or_temporary_folder(tmp_path, course_copy, how):
    students = tmp_path / "class"
    for index in range(6):
        (students / f"s{index}").mkdir(parents=True)
        source = HANGS_AT_IMPORT if index == 2 else (SOLUTIONS / "exercise1.py").read_text()
        (students / f"s{index}" / "dydx.py").write_text(source)
    temporary, out = tmp_path / "tmp", tmp_path / "out"
    temporary.mkdir()
    stale = failure_document([Submission(load_course(course_copy).resolve("exercise1"), "s5")], "from an earlier "
                             "batch", "submission", None, None)
    (out / "reports").mkdir(parents=True)
    (out / "reports" / "s5.json").write_text(to_json(stale))  # never graded by the batch interrupted below
    env = {**os.environ, "TMPDIR": str(temporary)}
    command = [sys.executable, "-m", "grader", "batch", str(students), "--course", str(course_copy),
               "--out", str(out), "--jobs", "1", "--progress", "jsonl"]
    outcome = in_a_child(lambda: leftovers_after_interrupting(command, env, '"event": "graded"', how))
    assert outcome["code"] == 130
    assert not (out / "reports" / "s5.json").exists()  # an earlier batch's report is not taken for this one's
    assert json.loads((out / "batch.json").read_text())["finished"] is None
    merged = run_cli("merge", str(out), "--out", str(tmp_path / "merged"), "--course", str(course_copy))
    assert merged.returncode == 2 and "was interrupted" in merged.stderr and "'s5'" in merged.stderr, merged.stderr
    assert outcome["left"] == []
    assert list(temporary.iterdir()) == []
    finished = sorted((out / "reports").glob("*.json"))
    assert finished and len(finished) < 6
    for path in finished:
        model.validate(json.loads(path.read_text()))
        assert (out / ".resume" / f"{path.stem}.key").is_file()
    assert not list(out.glob("*/.*.part"))
