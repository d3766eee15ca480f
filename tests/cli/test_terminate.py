"""A grading run stopped by SIGTERM (a CI job's timeout, ``timeout 60 grade ...``, a scheduler
ending a job) cleans up as after Ctrl-C: exit 130, no process and no temporary folder left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.cli.test_watch import alive, children_of
from tests.helpers import REPO

HANGS_AT_IMPORT = "while True:\n    pass\n"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_student_run_leaves_nothing_behind(tmp_path, how):
    student = tmp_path / "dydx.py"
    student.write_text(HANGS_AT_IMPORT)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "grader", "exercise1", str(student)], cwd=REPO,
                               env={**os.environ, "TMPDIR": str(scratch)}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(scratch.glob("grader-checks-*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the session is up once it has staged the checks
    helpers = children_of(process.pid)
    assert helpers, "the session's zygote should be running"
    process.send_signal(how)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    time.sleep(0.5)
    assert not [pid for pid in helpers if alive(pid)]
    assert not list(scratch.iterdir()), "the run left folders behind"
