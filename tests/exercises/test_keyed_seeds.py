"""Every exercise's reference scores full marks on hidden inputs keyed by a course secret, for
several base seeds and several submissions (each draws its own hidden cases)."""

from __future__ import annotations

import pytest

from ..conftest import SOLUTIONS, Grader

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SECRETS = {"exercise1": b"one course secret, 32 bytes long", "exercise6": b"six" * 11,
           "exercise8": b"0123456789abcdef0123456789abcdef"}


@pytest.mark.parametrize("exercise_id", ["exercise1", "exercise6", "exercise8"])
def test_reference_scores_full_marks_on_keyed_hidden_inputs(course, tmp_path, exercise_id):
    grader = Grader(course, exercise_id, tmp_path, secret=SECRETS[exercise_id])
    solution = (SOLUTIONS / f"{exercise_id}.py").read_text()
    try:
        reports = [grader.source(solution, seed=seed) for seed in (None, 11, 2024)]
        reports += [grader.source(solution + f"\n# submission {n}\n") for n in (2, 3)]
    finally:
        grader.close()
    submissions = set()
    for report in reports:
        assert report.seeding["hidden"] == "keyed"
        assert (report.score, report.max_score) == (report.max_score, grader.exercise.points), \
            [(t.name, t.message, t.hint) for t in report.tests if t.status != "passed"]
        assert not report.flags
        submissions.add(report.seeding["submission"])
    assert len(submissions) == 3
