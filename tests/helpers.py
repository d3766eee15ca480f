"""Helpers the tests share: the repository's paths, a warm grader, the real CLI, report lookups.

Fixtures live in ``conftest.py``; everything else a second test module would copy lives here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.report import model
from grader.session import GradingSession
from grader.submission import load_submission

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SOLUTIONS = REPO / "solutions"


def variant(exercise_id: str, name: str) -> Path:
    """A variant file of an exercise (``exercises/<id>/variants/<name>.py``)."""
    return REPO / "exercises" / exercise_id / "variants" / f"{name.removesuffix('.py')}.py"


def failed(report) -> list:
    """The checks of a report that did not pass."""
    return [t for t in report.tests if t.status != "passed"]


def by_name(report) -> dict:
    """A report's checks by name."""
    return {t.name: t for t in report.tests}


class Grader:
    """Grade sources or files for one exercise with one warm zygote; every report is validated.

    Runs are reproducible: without a ``seed`` the exercise's default is passed explicitly (an
    instructor's copy without a secret would otherwise draw a random one); ``secret`` keys the
    hidden checks as an instructor's run does.
    """

    def __init__(self, course, exercise_id: str, tmp_root: Path, secret: bytes | None = None):
        self.course = course
        self.exercise = course.resolve(exercise_id)
        self.tmp_root = tmp_root
        self.session = GradingSession(course, [self.exercise], secret=secret)
        self._count = 0

    def file(self, path: Path, seed: int | None = None) -> model.ExerciseReport:
        self.session.seed = self.exercise.default_seed if seed is None else seed
        report = self.session.grade([load_submission(self.exercise, [path])])[0]
        model.validate(report.to_dict())
        json.loads(model.to_json(report.to_dict()))
        return report

    def source(self, text: str, seed: int | None = None) -> model.ExerciseReport:
        self._count += 1
        folder = self.tmp_root / f"submission{self._count}"
        folder.mkdir()
        path = folder / self.exercise.module_file
        path.write_text(text)
        return self.file(path, seed)

    def close(self):
        self.session.close()


def graded_no_better_than(grader: Grader, text: str, honest: Path | str,
                          reference_points: int | None = None) -> model.ExerciseReport:
    """Grade a hostile source with ``grader``: it parses (an attack that does not parse would
    prove nothing), is graded, every check passed or failed (none ended in an error of the
    grader's), and it scores no more than the honest wrong answer ``honest`` (a file, or its
    source); the reference graded next in the same warm session keeps its full marks
    (``reference_points``, by default the exercise's maximum)."""
    import textwrap

    text = textwrap.dedent(text)
    compile(text, "submission", "exec")
    honest_report = grader.file(honest) if isinstance(honest, Path) else grader.source(textwrap.dedent(honest))
    assert honest_report.status == "graded", honest_report.error
    report = grader.source(text)
    assert report.status == "graded", report.error
    assert all(t.status in ("passed", "failed") for t in report.tests), [(t.name, t.message) for t in report.tests]
    assert report.score <= honest_report.score, [(t.name, t.points, t.message) for t in report.tests]
    after = grader.file(SOLUTIONS / f"{grader.exercise.id}.py")
    full = after.max_score if reference_points is None else reference_points
    assert after.score == full, [(t.name, t.message) for t in after.tests if t.status != "passed"]
    return report


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: float = 120):
    """Run the real ``grade`` command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env=env,
    )


def in_a_child(function):
    """Run ``function()`` in a forked child and return what it returned (plain data, via JSON):
    for what changes a process for good (mounts, audit hooks, a stopped collector)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            os.write(write_end, json.dumps(function()).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(data)
