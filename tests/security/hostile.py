"""Grading a hostile submission against the honest wrong answer it is built on.

A hostile submission may score no more than the honest wrong answer that does the same work
without the trick (for a probe that it fakes, the answer that does not fake it), and must not
affect the next submission: the reference, graded next by the same warm session, gets full marks.
"""

from __future__ import annotations

import textwrap


def grade(grader, text: str):
    text = textwrap.dedent(text)
    compile(text, "submission", "exec")  # an attack that does not even parse would prove nothing
    report = grader.source(text)
    assert report.status == "graded", report.error
    return report


def grade_hostile(grader, text: str, honest: str, reference):
    """Grade ``text``; assert it scores at most what ``honest`` scores, and that the reference
    still gets full marks afterwards. Returns the hostile submission's report."""
    bound = grade(grader, honest).score
    report = grade(grader, text)
    assert report.score <= bound, [(t.name, t.status, t.message) for t in report.tests]
    after = grader.file(reference)
    assert after.score == after.max_score, [(t.name, t.message) for t in after.tests if t.status != "passed"]
    return report
