"""A Ctrl-C during a grading ends it: pytest catches it, the session raises it again."""

from __future__ import annotations

import pytest

from grader.submission import load_submission
from tests.helpers import SOLUTIONS


def test_a_ctrl_c_inside_a_check_is_no_partial_grade_and_the_session_grades_on(grader1, monkeypatch):
    session = grader1.session
    submission = load_submission(grader1.exercise, [SOLUTIONS / "exercise1.py"])

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(session.sandbox, "call", interrupted)
        with pytest.raises(KeyboardInterrupt):
            session.grade([submission])
    report = grader1.file(SOLUTIONS / "exercise1.py")
    assert report.score == report.max_score == 7
