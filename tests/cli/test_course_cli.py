"""The course read as one: ``grade list`` shows every exercise in order with its concept, and
``grade all`` grades one student's whole course in one session, with a one-screen summary."""

from __future__ import annotations

import json
import shutil

import pytest

from grader.exercises import load_course
from grader.report import model
from tests.helpers import REPO, SOLUTIONS, run_cli


def test_list_shows_every_exercise_in_order_with_its_concept():
    course = load_course(REPO)
    result = run_cli("list", env={"COLUMNS": "200", "PATH": ""})
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.lstrip("│ ").startswith("exercise")]
    assert [row.strip("│ ").split()[0] for row in rows] == [e.id for e in course.exercises]
    for exercise, row in zip(course.exercises, rows):
        assert exercise.concept in row and exercise.slug in row


@pytest.fixture(scope="module")
def solved_course(tmp_path_factory):
    """A copy of the course whose student files are the reference solutions."""
    root = tmp_path_factory.mktemp("solved")
    shutil.copytree(REPO / "exercises", root / "exercises")
    for exercise in load_course(root).exercises:
        shutil.copyfile(SOLUTIONS / f"{exercise.id}.py", exercise.student_paths()[0])
    return root


@pytest.mark.sandbox
@pytest.mark.slow
def test_grade_all_on_the_references_scores_full_marks(solved_course):
    result = run_cli("all", "--json", "--course", str(solved_course), timeout=600)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    model.validate(document)
    assert [(r["exercise"]["id"], r["score"]) for r in document["reports"]] == [
        (e.id, e.points) for e in load_course(solved_course).exercises]


@pytest.mark.sandbox
@pytest.mark.slow
def test_grade_all_on_the_stubs_is_one_screen_with_each_score_and_first_hint():
    course = load_course(REPO)
    result = run_cli("all", env={"COLUMNS": "80", "PATH": ""}, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) <= len(course.exercises) + 6, result.stdout
    for exercise in course.exercises:
        stub = exercise.stub or {"score": 0}
        row = next(line for line in lines if line.startswith(exercise.id + " "))
        assert f"{stub['score']}/{exercise.points}" in row
        first_words = (stub.get("hint") or f"Replace the `raise NotImplementedError` in {exercise.module_file}")[:20]
        assert first_words in row or exercise.id == "exercise8", row
    assert f"over {len(course.exercises)} exercises" in result.stdout
