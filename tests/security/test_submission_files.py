"""A submission is data, never a path into the grader's machine.

Git clones keep symbolic links and zips can hold them: a student's file that is a link to the
reference solution must not score it, and a link to any file the grader can read must not put a
line of it into the report. A student's file is read only if it is a regular file inside its
submission, of bounded size; otherwise the report says why and no child runs.
"""

from __future__ import annotations

import json
import os
import threading

import pytest

from grader.report import model
from grader.submission import MAX_FILE_BYTES, load_submission

from ..conftest import SOLUTIONS

SECRET_LINE = "hunter2 = 1  # a first line only the grader's machine holds\n"


@pytest.fixture
def outside(tmp_path):
    """A readable file outside every submission, and a folder for one submission."""
    secret = tmp_path / "private" / "notes.py"
    secret.parent.mkdir()
    secret.write_text(SECRET_LINE)
    submission = tmp_path / "student"
    submission.mkdir()
    return secret, submission


def refused(submission) -> str:
    assert submission.problem, "the file was read"
    assert submission.files == {}
    assert "hunter2" not in submission.problem
    return submission.problem


def test_a_link_to_the_reference_solution_is_refused(course, outside):
    _, folder = outside
    link = folder / "dydx.py"
    link.symlink_to(SOLUTIONS / "exercise1.py")
    problem = refused(load_submission(course.resolve("exercise1"), [link]))
    assert "link" in problem and "dydx.py" in problem


@pytest.mark.parametrize("target", ["absolute", "relative"])
def test_a_link_to_any_readable_file_is_refused(course, outside, target):
    secret, folder = outside
    link = folder / "dydx.py"
    link.symlink_to(secret if target == "absolute" else os.path.relpath(secret, folder))
    refused(load_submission(course.resolve("exercise1"), [link]))


def test_a_folder_link_out_of_the_submission_is_refused(course, outside):
    """The file itself is regular, but the folder holding it is a link that leaves the submission."""
    secret, folder = outside
    (secret.parent / "dydx.py").write_text(SECRET_LINE)
    (folder / "exercises").mkdir()
    (folder / "exercises" / "exercise1").symlink_to(secret.parent)
    path = folder / "exercises" / "exercise1" / "dydx.py"
    refused(load_submission(course.resolve("exercise1"), [path], root=folder))


def test_a_link_inside_the_submission_is_followed(course, outside):
    _, folder = outside
    (folder / "mine.py").write_text("def dydx(f, x0):\n    return 0.0\n")
    (folder / "dydx.py").symlink_to("mine.py")
    submission = load_submission(course.resolve("exercise1"), [folder / "dydx.py"])
    assert submission.problem is None and b"return 0.0" in submission.files["dydx.py"]


def test_a_fifo_is_refused_without_blocking(course, outside):
    _, folder = outside
    fifo = folder / "dydx.py"
    os.mkfifo(fifo)
    result = {}
    reader = threading.Thread(target=lambda: result.update(s=load_submission(course.resolve("exercise1"), [fifo])),
                              daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO blocked the grader"
    assert "regular file" in refused(result["s"])


def test_a_device_is_refused(course, outside):
    _, folder = outside
    link = folder / "dydx.py"
    link.symlink_to("/dev/zero")
    refused(load_submission(course.resolve("exercise1"), [link]))


def test_a_file_over_the_cap_is_refused_without_reading_it_whole(course, outside):
    _, folder = outside
    big = folder / "dydx.py"
    with open(big, "wb") as handle:
        handle.truncate(MAX_FILE_BYTES * 64)  # sparse: the cap must be checked before reading
    assert "at most" in refused(load_submission(course.resolve("exercise1"), [big]))


@pytest.mark.sandbox
def test_graded_through_a_link_the_report_holds_no_line_of_the_target(grader1, outside):
    secret, folder = outside
    for name, target in (("to-solution", SOLUTIONS / "exercise1.py"), ("to-secret", secret)):
        (folder / name).mkdir()
        link = folder / name / "dydx.py"
        link.symlink_to(target)
        report = grader1.file(link)
        text = model.to_json(report.to_dict())
        assert report.score == 0, name
        assert report.error and report.error["kind"] == "submission"
        assert "hunter2" not in text
        assert json.loads(text)["submission"]["files"] == {"dydx.py": None}
