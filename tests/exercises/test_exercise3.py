"""exercise3 (predict): what the course-wide test (``grade validate``) does not already prove.

Each variant's score and hint are checked by ``tests/test_course.py``; here: the command every
student of the course is told to run, which checks a mistake fails, and the names it answers to.
"""

import json
import shutil

import pytest

from grader.release import student_files
from tests.helpers import REPO, SOLUTIONS, Grader, by_name, run_cli, variant

pytestmark = pytest.mark.sandbox


@pytest.fixture(scope="module")
def grader3(course, tmp_path_factory):
    grader = Grader(course, "exercise3", tmp_path_factory.mktemp("ex3"))
    yield grader
    grader.close()


@pytest.mark.slow  # a CLI run of its own: torch imported twice
def test_grade_exercise3_grades_the_students_file(tmp_path):
    """In a student's checkout, `grade exercise3` grades exercises/exercise3/predict.py."""
    for relative in student_files(REPO):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, tmp_path / relative)
    shutil.copyfile(SOLUTIONS / "exercise3.py", tmp_path / "exercises" / "exercise3" / "predict.py")
    result = run_cli("exercise3", "--json", cwd=tmp_path / "exercises" / "exercise3", timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["submission"]["path"].endswith("predict.py")
    assert (report["score"], report["max_score"]) == (10, 10)  # the public checks: no hidden/ here


@pytest.mark.parametrize("name", ["exercise3", "3", "ex3", "predict"])
def test_every_name_finds_it(course, name):
    assert course.resolve(name).id == "exercise3"


def test_detach_loses_only_the_forward_probe(grader3):
    tests = by_name(grader3.file(variant("exercise3", "detach_after")))
    assert {name for name, t in tests.items() if t.status != "passed"} == {"test_forward_ran_without_grad"}


def test_a_second_forward_fails_the_probe_even_without_a_graph(grader3):
    """Running the model twice under no_grad is right but wasteful: the forward probe says so."""
    report = grader3.source("import torch\n\ndef predict(model, x):\n    with torch.no_grad():\n"
                            "        model(x)\n        return model(x)\n")
    failed = {t.name for t in report.tests if t.status != "passed"}
    assert failed == {"test_forward_ran_without_grad"}
    (visible,) = [t for t in report.tests if t.visibility == "visible" and t.status != "passed"]
    assert "ran 2 times" in visible.message and "exactly once" in visible.hint
