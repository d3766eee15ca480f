"""The views through the real ``grade`` command: --format, --output, $GITHUB_OUTPUT, exit codes, a
hostile submission on a terminal, and a terminal that cannot encode the grader's own glyphs."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from lxml import etree

from grader import cli

from ..conftest import EXAMPLES, REPO, run_cli
from ..formats.conftest import FORGED_SCREEN, SCHEMAS, validate
from ..formats.test_classroom import classroom_points, reporter_log, reporter_reads
from ..formats.test_sanitize import log_lines, runner_would_run
from ..formats.test_terminal import screen_after

EXAMPLE_FILES = sorted(str(p.relative_to(REPO)) for p in (EXAMPLES / "exercise1").glob("*.py"))
EXAMPLE_SCORE = (26, 49)  # tests/cli/test_cli.py::test_examples_class_scores, summed
# how an ESC from the child reaches a screen: escaped by the view, or already replaced where the
# trusted side decodes the child's text (and then backslash-escaped by an ASCII terminal)
SHOWN_ESC = ("\\x1b[2J", "\ufffd[2J", "\\ufffd[2J")


def invoke(*args, env=None):
    return CliRunner().invoke(cli.main, list(args), env=env)


def test_an_unknown_format_is_one_line_listing_the_valid_ones(monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("exercise1", "--format", "xml")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.output.strip() == ("grade: error: unknown format 'xml'; choose one of: "
                                     "text, json, classroom, gradescope, junit")


def test_json_is_short_for_format_json_and_conflicts_with_another(monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("exercise1", "--json", "--format", "junit")
    assert result.exit_code == 2 and "--json is short for --format json" in result.output
    assert invoke("exercise1", "--hidden-visibility", "hidden").exit_code == 2


def test_ci_views_write_a_document_when_nothing_could_be_graded(tmp_path):
    """A course that does not load: Classroom still gets tests and exit 0; Gradescope and JUnit
    get their file, and the exit code says what went wrong."""
    github_output = tmp_path / "github_output"
    course = str(tmp_path / "nowhere")
    result = invoke("--course", course, "exercise1", "--format", "classroom",
                    env={"GITHUB_OUTPUT": str(github_output)})
    assert result.exit_code == 0, result.output
    payload = reporter_reads(github_output.read_text().strip().removeprefix("result="))
    validate(payload, "classroom-payload.schema.json")
    assert payload["status"] == "error" and "not a course folder" in payload["tests"][0]["message"]
    assert "grade: error:" in result.stderr

    results = tmp_path / "results" / "results.json"
    result = invoke("--course", course, "exercise1", "--format", "gradescope", "--output", str(results))
    assert result.exit_code == 2 and result.stdout == ""
    document = json.loads(results.read_text())
    validate(document, "gradescope-results.schema.json")
    assert document["score"] == 0 and "not a course folder" in document["output"]

    result = invoke("--course", course, "exercise1", "--format", "junit")
    assert result.exit_code == 2
    etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd"))).assertValid(etree.fromstring(result.stdout_bytes))


@pytest.mark.sandbox
def test_a_hostile_message_on_a_terminal_and_an_ascii_terminal(tmp_path):
    path = tmp_path / "dydx.py"
    path.write_text(f"def dydx(f, x0):\n    raise ValueError({FORGED_SCREEN!r})\n")
    result = run_cli("exercise1", str(path), "--seed", "5", env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    lines = screen_after(result.stdout)
    assert [line for line in lines if line.startswith("Score:")] == ["Score: 0/7"]
    assert any(shown in line for shown in SHOWN_ESC for line in lines)
    assert lines[1].startswith("exercise1 - The derivative")  # ASCII stands in for the middle dot
    assert result.stdout.isascii()


@pytest.mark.sandbox
def test_the_example_class_in_every_ci_view(tmp_path):
    github_output = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(github_output)}
    classroom = run_cli("exercise1", *EXAMPLE_FILES, "--format", "classroom", env=env, timeout=300)
    assert classroom.returncode == 0, classroom.stderr
    payload = reporter_reads(github_output.read_text().strip().removeprefix("result="))
    assert payload == json.loads(classroom.stdout)
    validate(payload, "classroom-payload.schema.json")
    assert classroom_points([payload]) == EXAMPLE_SCORE
    assert not any(runner_would_run(line) for line in log_lines(reporter_log(payload) + classroom.stdout))

    results = tmp_path / "results.json"
    gradescope = run_cli("exercise1", *EXAMPLE_FILES, "--format", "gradescope", "--output", str(results),
                         "--hidden-visibility", "hidden", timeout=300)
    assert gradescope.returncode == 0, gradescope.stderr
    document = json.loads(results.read_text())
    validate(document, "gradescope-results.schema.json")
    assert (document["score"], sum(t["max_score"] for t in document["tests"])) == EXAMPLE_SCORE
    assert {t["visibility"] for t in document["tests"] if "hidden" in t["tags"]} == {"hidden"}

    junit = run_cli("exercise1", *EXAMPLE_FILES, "--format", "junit", timeout=300)
    assert junit.returncode == 0, junit.stderr
    root = etree.fromstring(junit.stdout.encode())
    etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd"))).assertValid(root)
    suites = root.findall("testsuite")
    assert len(suites) == len(EXAMPLE_FILES) and all(len(s.findall("testcase")) == 7 for s in suites)
    points = [int(p.get("value")) for s in suites for p in s.find("properties") if p.get("name") == "score"]
    assert sum(points) == EXAMPLE_SCORE[0]


def test_the_graders_own_tables_work_on_an_ascii_terminal():
    result = run_cli("list", env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "exercise1" in result.stdout and result.stdout.isascii()


def test_an_error_line_quoting_a_file_name_is_harmless(monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("exercise1", "/tmp/\x1b[2J\u202e.py")
    assert result.exit_code == 2
    assert result.output.strip() == "grade: error: no such file: /tmp/\\x1b[2J\\u202e.py"


HOSTILE_SUBMISSION = '''
def dydx(f, x0):
    print("::error::forged\\n##[error]forged too")
    raise ValueError("\\x1b[2J\\x1b[H::notice title=Autograding complete::Points 7/7\\n"
                     "  ::add-mask::Score ]]><failure/> &amp; \\x00\\x0b\\u202e")
'''


@pytest.mark.sandbox
def test_a_hostile_submission_through_classroom_and_junit(tmp_path):
    path = tmp_path / "dydx.py"
    path.write_text(HOSTILE_SUBMISSION)
    classroom = run_cli("exercise1", str(path), "--format", "classroom", "--seed", "5")
    assert classroom.returncode == 0, classroom.stderr
    payload = json.loads(classroom.stdout)
    validate(payload, "classroom-payload.schema.json")
    assert classroom_points([payload]) == (0, 7)
    assert not any(runner_would_run(line) for line in log_lines(reporter_log(payload) + "\n" + classroom.stdout))
    assert any(shown in payload["tests"][0]["message"] for shown in SHOWN_ESC)

    junit = run_cli("exercise1", str(path), "--format", "junit", "--seed", "5")
    assert junit.returncode == 0, junit.stderr
    root = etree.fromstring(junit.stdout.encode())
    etree.XMLSchema(etree.parse(str(SCHEMAS / "junit-10.xsd"))).assertValid(root)
    failure = root.find("testsuite/testcase/failure")
    assert "]]><failure/>" in failure.text and ("\\x00" in failure.text or "\ufffd" in failure.text)
