"""`grade doctor` and `--require-isolation`: one line, a documented exit code, never a traceback."""

from __future__ import annotations

import os
import sys

import pytest

from ..conftest import EXAMPLES, run_cli

pytestmark = pytest.mark.sandbox


def test_doctor_explains_the_level():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stderr
    assert "isolation level here:" in result.stdout
    for layer in ("netns", "landlock", "seccomp", "bwrap", "uid_drop"):
        assert layer in result.stdout
    assert "Traceback" not in result.stderr


def test_requiring_more_isolation_than_there_is_refuses_with_exit_5():
    env = {**os.environ, "GRADER_SANDBOX": "subprocess"}  # the no-fork fallback: level none
    result = run_cli("exercise1", str(EXAMPLES / "exercise1" / "correct.py"), "--require-isolation", "partial", env=env)
    assert result.returncode == 5
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grade: error: isolation is none here")
    assert "grade doctor" in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel layers are Linux's")
def test_requiring_what_this_machine_gives_grades():
    doctor = run_cli("doctor").stdout
    level = doctor.split("isolation level here:")[1].split()[0]
    result = run_cli("exercise1", str(EXAMPLES / "exercise1" / "correct.py"), "--require-isolation", level)
    assert result.returncode == 0, result.stderr
    assert f"isolation: {level}" in result.stdout
