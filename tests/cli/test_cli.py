"""The `grade` command as a user meets it: exit codes, one-line errors, the views."""

import json
import shutil

import pytest
from click.testing import CliRunner

from grader import cli
from grader.exercises import load_course
from grader.report import model

from ..conftest import REPO, SOLUTIONS, run_cli

SAY_NO_ZYGOTE = "the sandbox must not start for this command"


@pytest.fixture
def no_zygote(monkeypatch):
    """Make any attempt to start the sandbox fail loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError(SAY_NO_ZYGOTE)

    monkeypatch.setattr("grader.sandbox.pool.Zygote.__init__", refuse)


def invoke(*args):
    return CliRunner().invoke(cli.main, list(args), catch_exceptions=True)


def only_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_help_and_list_start_no_sandbox(no_zygote, monkeypatch):
    monkeypatch.chdir(REPO)
    for args in (["--help"], ["list"], ["exercise1", "--help"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert SAY_NO_ZYGOTE not in result.output
    assert "exercise1" in invoke("list").output and "dydx" in invoke("list").output


def test_unknown_exercise_is_one_line_listing_the_valid_ones(no_zygote, monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("exercise99")
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    line = only_line(result.output)
    assert "unknown exercise 'exercise99'" in line and "exercise1 (dydx)" in line


@pytest.mark.parametrize("name", ["exercise1", "1", "ex1", "dydx", "EX1"])
def test_exercise_names_resolve(course, name):
    assert course.resolve(name).id == "exercise1"


def test_missing_file_is_one_line(no_zygote, monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("exercise1", "nowhere/dydx.py")
    assert result.exit_code == 2
    assert "no such file: nowhere/dydx.py" in only_line(result.output)


def test_no_course_is_one_line(no_zygote, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADER_COURSE", raising=False)
    result = invoke("exercise1")
    assert result.exit_code == 2
    assert "no course found" in only_line(result.output)


def broken_course(tmp_path, edit):
    root = tmp_path / "course"
    shutil.copytree(REPO / "exercises", root / "exercises")
    path = root / "exercises" / "exercise1" / "exercise.json"
    path.write_text(edit(path.read_text()))
    return root


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda t: t.replace('"points": 7', '"points": "seven"'), "field 'points'"),
        (lambda t: t.replace('"slug": "dydx",', ""), "'slug' is a required property"),
        (lambda t: t.replace('"id": "exercise1"', '"id": "exercise2"'), "folder is 'exercise1'"),
        (lambda t: t[:-5], "not valid JSON"),
        (lambda t: t.replace('"limits": {', '"limits": {"gpus": 1, '), "field 'limits'"),
    ],
)
def test_malformed_metadata_is_one_line_naming_file_and_field(no_zygote, tmp_path, edit, words):
    root = broken_course(tmp_path, edit)
    result = invoke("list", "--course", str(root))
    assert result.exit_code == 3
    line = only_line(result.output)
    assert "exercise1/exercise.json" in line and words in line


@pytest.mark.sandbox
def test_points_disagreeing_with_tests_is_a_course_error(tmp_path):
    root = broken_course(tmp_path, lambda t: t.replace('"points": 7', '"points": 9'))
    shutil.copy(SOLUTIONS / "exercise1.py", tmp_path / "dydx.py")
    result = run_cli("--course", str(root), "exercise1", str(tmp_path / "dydx.py"))
    assert result.returncode == 3
    assert "says 9 points but its tests add up to 7" in only_line(result.stderr)


@pytest.mark.sandbox
@pytest.mark.parametrize(
    "source, words",
    [
        ("def dydx(f, x0)\n    return 1.0\n", "dydx.py line 1: SyntaxError"),
        ("x = 1\n\n  y = 2\n", "dydx.py line 3: IndentationError"),
        ("-" * 100_000 + "1\n", "dydx.py"),
        ("x = 1\0\n", "null bytes"),
    ],
)
def test_unparsable_submission_gets_a_report_and_one_clear_line(tmp_path, source, words):
    path = tmp_path / "dydx.py"
    path.write_text(source)
    result = run_cli("exercise1", str(path), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    model.validate(report)
    assert report["score"] == 0 and report["error"]["kind"] == "submission"
    assert words in report["error"]["message"] and "\n" not in report["error"]["message"]
    assert all(words in t["message"] for t in report["tests"])


@pytest.mark.sandbox
def test_json_is_the_report_alone_and_valid(tmp_path):
    result = run_cli("exercise1", str(SOLUTIONS / "exercise1.py"), "--json", "--seed", "5")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    model.validate(report)
    assert (report["score"], report["max_score"], report["seed"]) == (7, 7, 5)
    assert report["isolation"]["isolated"] is True
    assert report["versions"]["torch"]


@pytest.mark.sandbox
def test_grade_in_the_course_grades_the_stub(tmp_path):
    result = run_cli("exercise1")
    assert result.returncode == 0, result.stderr
    assert "not implemented yet" in result.stdout and "Score: 0/7" in result.stdout
    assert "isolation:" in result.stdout


@pytest.mark.sandbox
def test_grade_all_json_is_one_bundle(course):
    result = run_cli("all", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    model.validate(document)
    assert document["kind"] == "bundle"
    assert [r["exercise"]["id"] for r in document["reports"]] == [e.id for e in course.exercises]
    assert "exercise6" in [e.id for e in course.exercises]
    assert all(r["status"] == "graded" for r in document["reports"])  # the stubs, each at 0


@pytest.mark.sandbox
def test_a_student_repo_without_hidden_tests_grades_public_checks(tmp_path):
    root = tmp_path / "student-repo"
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("hidden"))
    shutil.copy(SOLUTIONS / "exercise1.py", root / "exercises" / "exercise1" / "dydx.py")
    result = run_cli("1", "--json", cwd=root / "exercises" / "exercise1")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["score"], report["max_score"]) == (2, 2)
    assert any("hidden checks worth 5 more points" in flag for flag in report["flags"])


@pytest.mark.sandbox
def test_examples_class_scores(tmp_path):
    files = sorted(str(p) for p in (REPO / "examples" / "exercise1").glob("*.py"))
    result = run_cli("exercise1", *files, "--json")
    assert result.returncode == 0, result.stderr
    scores = {r["submission"]["path"].rsplit("/", 1)[-1]: r["score"] for r in json.loads(result.stdout)["reports"]}
    assert scores == {
        "correct.py": 7, "float32.py": 7, "crashes.py": 0, "not-started.py": 0,
        "integer-tensor.py": 6, "returns-the-value.py": 0, "reused-leaf.py": 6,
    }


@pytest.mark.sandbox
@pytest.mark.slow
def test_without_fork_grading_works_and_says_it_was_not_isolated():
    env = {**__import__("os").environ, "GRADER_SANDBOX": "subprocess"}
    files = [str(SOLUTIONS / "exercise1.py"), str(REPO / "examples" / "exercise1" / "crashes.py")]
    result = run_cli("exercise1", *files, "--json", env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    reference, crashing = json.loads(result.stdout)["reports"]
    assert reference["score"] == 7 and crashing["score"] == 0
    for report in (reference, crashing):
        assert report["isolation"]["isolated"] is False and report["isolation"]["level"] == "none"
    assert "ended abnormally" in crashing["tests"][0]["message"]


@pytest.mark.sandbox
def test_broken_harness_is_a_course_error_with_a_report(tmp_path):
    root = broken_course(tmp_path, lambda t: t)
    harness = root / "exercises" / "exercise1" / "harness.py"
    harness.write_text(harness.read_text() + "\nundefined_name\n")
    result = run_cli("--course", str(root), "exercise1", str(SOLUTIONS / "exercise1.py"), "--json")
    assert result.returncode == 3
    line = only_line(result.stderr)
    assert "harness.py does not import in the sandbox: NameError at line" in line
    report = json.loads(result.stdout)
    model.validate(report)
    assert report["status"] == "error" and report["error"]["kind"] == "course"


@pytest.mark.sandbox
def test_a_missing_student_file_gets_a_report_not_a_course_error(tmp_path):
    root = tmp_path / "student-repo"
    shutil.copytree(REPO / "exercises", root / "exercises", ignore=shutil.ignore_patterns("hidden"))
    (root / "exercises" / "exercise1" / "dydx.py").unlink()
    assert run_cli("list", cwd=root).returncode == 0
    result = run_cli("exercise1", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["score"] == 0 and report["error"]["kind"] == "submission"
    assert "dydx.py is missing" in report["error"]["message"]


@pytest.mark.sandbox
def test_the_readme_command_shows_each_table_and_a_summary():
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "examples" / "exercise1").glob("*.py"))
    result = run_cli("exercise1", *files)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Score: ") == len(files)
    assert "Summary" in result.stdout and "Total: 26/49 points over 7 reports" in result.stdout
    assert "hint: You returned f(x0)" in result.stdout
