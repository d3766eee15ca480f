"""Failures reach their exit code by one path: the error classes, and a report's ``error.kind``
mapped back to them (the CLI matches no kinds or messages)."""

from pathlib import Path

import pytest

from grader import errors

CLI = Path(errors.__file__).with_name("cli.py")


@pytest.mark.parametrize("kind, code", [("course", 3), ("grader", 4)])
def test_a_report_error_comes_back_as_its_error_class(kind, code):
    error = errors.from_report({"kind": kind, "message": "what failed"})
    assert error.exit_code == code and str(error) == "what failed" and error.report_kind == kind


@pytest.mark.parametrize("error", [None, {"kind": "submission", "message": "dydx.py is missing"}])
def test_no_error_or_the_students_own_problem_is_not_a_failed_run(error):
    assert errors.from_report(error) is None


def test_the_cli_holds_no_exit_numbers_or_error_kinds():
    source = CLI.read_text()
    assert "sys.exit(2)" not in source and "sys.exit(3)" not in source and "sys.exit(4)" not in source
    assert '"course"' not in source and "'course'" not in source
