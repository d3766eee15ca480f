"""``grade watch``: the real command in a subprocess, driven by real file writes."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.formats import changes
from grader.report.model import CheckResult, ExerciseReport
from tests.helpers import REPO, SOLUTIONS, run_cli, variant

STUB = REPO / "exercises" / "exercise1" / "dydx.py"


class Lines:
    """The lines a process prints, read as they come."""

    def __init__(self, stream):
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line.rstrip("\n")) for line in stream], daemon=True).start()

    def until(self, pattern: str, timeout: float = 90) -> list[str]:
        """Every line up to and including the first that matches ``pattern``."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            if re.search(pattern, line):
                return seen
        raise AssertionError(f"no line matching {pattern!r} in {timeout} s; got {seen}")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            pass
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def save_by_rename(target: Path, text: str) -> None:
    """What many editors do: write a new file beside the old one, then rename it over it."""
    temporary = target.with_name(f".{target.name}.swp")
    temporary.write_text(text)
    os.replace(temporary, target)


def start_watching(tmp_path: Path) -> tuple[subprocess.Popen, Path, Path, Path]:
    """``grade watch exercise1`` on a copy of the stub, over a copy of the course, with a
    TMPDIR of its own: the process, the course, the student's file and the TMPDIR."""
    course = tmp_path / "course"
    shutil.copytree(REPO / "exercises" / "exercise1", course / "exercises" / "exercise1",
                    ignore=shutil.ignore_patterns("__pycache__"))
    student = tmp_path / "work" / "dydx.py"
    student.parent.mkdir()
    shutil.copyfile(STUB, student)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    process = subprocess.Popen([sys.executable, "-m", "grader", "--course", str(course), "watch", "exercise1",
                                str(student)], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return process, course, student, scratch


def stop_and_check_nothing_is_left(process: subprocess.Popen, out: Lines, scratch: Path, how: int) -> None:
    helpers = children_of(process.pid)
    assert helpers, "the warm session's zygote should be running"
    process.send_signal(how)
    assert out.until(r"stopped watching", timeout=30)
    assert process.wait(timeout=30) == 0
    time.sleep(0.5)  # the zygote's own exit follows its parent's closing of the channel
    assert not [pid for pid in helpers if alive(pid)]
    assert not list(scratch.iterdir()), "grade watch left folders behind"


@pytest.mark.slow
def test_watch_regrades_each_save_and_picks_up_a_course_change(tmp_path):
    process, course, student, scratch = start_watching(tmp_path)
    try:
        out = Lines(process.stdout)
        first = out.until(r"hint:")
        assert any(re.search(r"exercise1 0/7 in", line) for line in first)
        assert any("not implemented" in line for line in first)

        # a course change: a check's title edited, picked up by a new session
        public = course / "exercises" / "exercise1" / "test_exercise1_public.py"
        public.write_text(public.read_text().replace("f is a cubic polynomial, x0 a float",
                                                     "a cubic, retitled by the instructor"))
        assert any("the course changed" in line and "test_exercise1_public.py" in line
                   for line in out.until(r"the course changed"))
        assert any("a cubic, retitled by the instructor" in line for line in out.until(r"first failing"))

        shutil.copyfile(SOLUTIONS / "exercise1.py", student)  # written in place
        block = out.until(r"every check passes")
        assert any("exercise1 7/7" in line for line in block)
        assert any("now passing: the same (f, x0) three times" in line for line in block)

        save_by_rename(student, variant("exercise1", "reused_leaf").read_text())
        block = out.until(r"hint:")
        assert any("exercise1 6/7" in line for line in block)
        assert any("stopped passing: the same (f, x0) three times" in line for line in block)
        assert any("accumulates" in line for line in block)

        student.write_text("def dydx(f, x0:\n")  # a save in the middle of an edit
        block = out.until(r"SyntaxError")
        assert any("exercise1 0/7" in line for line in block)

        save_by_rename(student, (SOLUTIONS / "exercise1.py").read_text())
        assert any("exercise1 7/7" in line for line in out.until(r"every check passes"))

        stop_and_check_nothing_is_left(process, out, scratch, signal.SIGINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_watch_stopped_by_sigterm_leaves_nothing_behind(tmp_path):
    process, _course, _student, scratch = start_watching(tmp_path)
    try:
        out = Lines(process.stdout)
        out.until(r"hint:")
        stop_and_check_nothing_is_left(process, out, scratch, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def check(name: str, status: str, hint: str | None = None, message: str = "") -> CheckResult:
    return CheckResult(name=name, title=f"title of {name}", status=status, points=status == "passed",
                       max_points=1, visibility="visible", hint=hint, message=message)


def report(*tests: CheckResult, error: dict | None = None) -> ExerciseReport:
    return ExerciseReport(exercise={"id": "exercise1", "slug": "dydx", "title": "t"}, submission={},
                          status="error" if error else "graded", score=sum(t.points for t in tests),
                          max_score=len(tests), seed=0, seeding={}, tests=list(tests), limits={}, isolation={},
                          versions={}, error=error)


def test_the_compact_view_names_what_changed_and_the_first_hint():
    before = report(check("a", "passed"), check("b", "failed", "hint b"), check("c", "passed"))
    after = report(check("a", "failed", message="wrong\x1b[2J"), check("b", "passed"), check("c", "failed", "hint c"))
    lines = changes.lines(after, before, 0.25, "12:00:00")
    assert lines[0] == "[12:00:00] exercise1 1/3 in 0.25 s"
    assert "  now passing: title of b" in lines
    assert "  stopped passing: title of a" in lines and "  stopped passing: title of c" in lines
    failing = next(line for line in lines if "first failing" in line)
    assert "(and 1 more)" in failing and "\x1b" not in failing  # the student's text is escaped
    assert lines[-1] == "  hint: hint c"


def test_the_compact_view_of_a_submission_that_cannot_run_is_its_reason():
    error = {"kind": "submission", "message": "dydx.py line 1: SyntaxError: '(' was never closed"}
    lines = changes.lines(report(check("a", "failed"), error=error), None, 0.1, "12:00:00")
    assert lines == ["[12:00:00] exercise1 0/1 in 0.10 s", f"  {error['message']}"]


@pytest.mark.parametrize("args, says", [
    (("watch", "nosuch"), "unknown exercise 'nosuch'"),
    (("watch", "all", "dydx.py"), "grade watch all takes no FILE"),
    (("watch", "exercise1", "missing.py"), "no such file: missing.py"),
])
def test_watch_refuses_what_it_cannot_watch_in_one_line(args, says, tmp_path):
    result = run_cli(*args, "--course", str(REPO), cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("grade: error: ")
    assert says in result.stderr
