"""The course-wide test: every exercise of the repository's course through ``grade validate``'s code.

One test per exercise, so a new exercise is covered without a new test file: its metadata and
statement, its points, the reference on three seeds, the stub's declared result and every
variant's expectation (``exercises/<id>/variants/``). Then the validator itself: a broken
expectation, a stub that passes and a reference that fails each make ``grade validate`` exit 1
with a row that says why.
"""

from __future__ import annotations

import json
import shutil

import pytest

from grader import validate
from tests.helpers import REPO, run_cli

pytestmark = pytest.mark.sandbox
EXERCISES = [folder.name for folder in validate.exercise_folders(REPO)]


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_exercise_is_sound(exercise_id):
    rows, _ = validate.run(REPO, [exercise_id])
    assert {r.check for r in rows} >= {"metadata", "statement", "points", "stub"}
    assert sum(r.check.startswith("reference seed") for r in rows) == len(validate.REFERENCE_SEEDS)
    failures = [f"{r.check}: {r.detail}" for r in rows if not r.ok]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_statement_links_to_its_neighbours(exercise_id):
    """The course reads as one: a statement links to the exercises before and after it."""
    number = int(exercise_id.removeprefix("exercise"))
    statement = (REPO / "exercises" / exercise_id / "README.md").read_text()
    for neighbour in (number - 1, number + 1):
        if f"exercise{neighbour}" in EXERCISES:
            assert f"](../exercise{neighbour}/README.md)" in statement, f"no link to exercise{neighbour}"


@pytest.fixture
def broken_course(tmp_path):
    """A copy of exercise1 with a variant whose expectation is wrong, a stub that already passes
    and a reference that fails."""
    shutil.copytree(REPO / "exercises" / "exercise1", tmp_path / "exercises" / "exercise1")
    (tmp_path / "solutions").mkdir()
    folder = tmp_path / "exercises" / "exercise1"
    solution = (REPO / "solutions" / "exercise1.py").read_text()
    (folder / "dydx.py").write_text(solution)
    (tmp_path / "solutions" / "exercise1.py").write_text("def dydx(f, x0):\n    return 0.0\n")
    variant = folder / "variants" / "returns_value.py"
    variant.write_text(variant.read_text().replace("# expect score: 0", "# expect score: 3"))
    return tmp_path


def test_validate_exits_1_with_a_row_that_says_why(broken_course):
    result = run_cli("validate", "--json", "--course", str(broken_course), timeout=300)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    rows = {row["check"]: row for row in document["rows"]}
    assert not document["ok"] and document["failed"] == 5
    assert "expected 3" in rows["variant returns_value"]["detail"]
    assert "scored 7, expected 0" in rows["stub"]["detail"]
    for seed in ("1001", "1", "2"):
        assert "scored 0, expected 7" in rows[f"reference seed {seed}"]["detail"]
    assert all(row["ok"] for check, row in rows.items()
               if check not in ("stub", "variant returns_value") and not check.startswith("reference"))


def test_validate_table_names_the_exercise_and_exit_0_when_sound(tmp_path):
    shutil.copytree(REPO / "exercises" / "exercise1", tmp_path / "exercises" / "exercise1",
                    ignore=shutil.ignore_patterns("variants"))
    shutil.copytree(REPO / "solutions", tmp_path / "solutions")
    result = run_cli("validate", "1", "--course", str(tmp_path), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "exercise1" in result.stdout and "reference seed 1001" in result.stdout
    assert "FAIL" not in result.stdout


def test_broken_metadata_is_a_failed_row(tmp_path):
    shutil.copytree(REPO / "exercises" / "exercise1", tmp_path / "exercises" / "exercise1")
    metadata = tmp_path / "exercises" / "exercise1" / "exercise.json"
    metadata.write_text(metadata.read_text().replace('"points": 7', '"points": "seven"'))
    rows, _ = validate.run(tmp_path)
    assert [(r.check, r.ok) for r in rows] == [("metadata", False)]
    assert "points" in rows[0].detail


def test_a_course_bug_found_while_checking_is_exit_3(tmp_path):
    """exercise8's check refuses a case declared with points it is not worth: a broken course."""
    shutil.copytree(REPO / "exercises" / "exercise8", tmp_path / "exercises" / "exercise8")
    folder = tmp_path / "exercises" / "exercise8"
    public = folder / "test_exercise8_public.py"
    public.write_text(public.read_text().replace("@pytest.mark.points(15)", "@pytest.mark.points(14)"))
    metadata = folder / "exercise.json"
    metadata.write_text(metadata.read_text().replace('"points": 100', '"points": 99'))
    result = run_cli("exercise8", str(REPO / "solutions" / "exercise8.py"), "--course", str(tmp_path), timeout=300)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "worth 15 points, not 14" in result.stderr
