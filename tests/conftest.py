"""Shared fixtures: the repository's course, a warm grading session, schema-checked reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.exercises import load_course
from grader.report import model
from grader.session import GradingSession
from grader.submission import load_submission

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SOLUTIONS = REPO / "solutions"


@pytest.fixture(scope="session")
def course():
    return load_course(REPO)


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


@pytest.fixture(scope="module")
def grader1(course, tmp_path_factory):
    grader = Grader(course, "exercise1", tmp_path_factory.mktemp("ex1"))
    yield grader
    grader.close()


@pytest.fixture(scope="module")
def grader8(course, tmp_path_factory):
    grader = Grader(course, "exercise8", tmp_path_factory.mktemp("ex8"))
    yield grader
    grader.close()


def run_cli(*args: str, cwd: Path = REPO, env: dict | None = None, timeout: float = 120):
    """Run the real ``grade`` command in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env=env,
    )
