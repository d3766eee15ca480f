"""exercise5 (neuron_grads): what the course-wide test (``grade validate``) does not already prove.

Each variant's score, hint and flags are checked by ``tests/test_course.py``; here: which cases a
mistake costs, and the hints a student's own checkout gives without ``hidden/instructor.py``.
"""

import shutil

import pytest

from grader.exercises import load_course
from tests.helpers import Grader, failed, variant

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def grader5(course, tmp_path_factory):
    grader = Grader(course, "exercise5", tmp_path_factory.mktemp("ex5"))
    yield grader
    grader.close()


def test_the_sum_passes_only_the_one_sample_case(grader5):
    report = grader5.file(variant("exercise5", "sum_not_mean"))
    assert [t.name for t in report.tests if t.status == "passed"] == ["test_one_sample"]


@pytest.mark.slow  # a grading session (and zygote) of its own
def test_the_student_checkout_gives_the_chain_rule_hint_without_the_mutant(course, tmp_path):
    """Without hidden/instructor.py, sigma' at z gets the chain-rule hint, a sign flip its own."""
    shutil.copytree(course.root / "exercises" / "exercise5", tmp_path / "exercises" / "exercise5",
                    ignore=shutil.ignore_patterns("hidden", "variants"))
    (tmp_path / "files").mkdir()
    grader = Grader(load_course(tmp_path), "exercise5", tmp_path / "files")
    try:
        at_z = grader.file(variant("exercise5", "sigma_at_z"))
        flipped = grader.file(variant("exercise5", "sign_flip"))
    finally:
        grader.close()
    assert all("a_i (1 - a_i)" in t.hint and "z * (1 - z)" not in t.hint for t in failed(at_z))
    assert all("opposite sign" in t.hint for t in failed(flipped))
