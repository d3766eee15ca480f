"""A submission is data, never a path into the grader's machine.

Git clones keep symbolic links and zips can hold them: a student's file that is a link to the
reference solution must not score it, and a link to any file the grader can read must not put a
line of it into the report. A student's file is read only if it is a regular file inside its
submission, of bounded size; otherwise the report says why and no child runs.
"""

from __future__ import annotations

import json
import os
import shutil
import threading

import pytest

from grader.batch.discovery import discover, read_submission
from grader.report import model
from grader.submission import MAX_FILE_BYTES, load_submission

from ..batch.test_discovery import git
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


# ------------------------------------------------- a repository borrowed from another submission
# A class handed in as uploads (an LMS export unpacked by the instructor) holds each student's
# `.git` as the student made it. A submission whose repository reaches into a classmate's (a
# `.git` that is a link, a gitfile, `commondir`, `objects/info/alternates`, or links inside
# `.git`) must not be graded from the classmate's commit.

def classmate_repository(root):
    """``root/alice``: a clone whose last commit holds the reference solution."""
    alice = root / "alice"
    git(root, "init", "-q", str(alice))
    (alice / "exercises" / "exercise1").mkdir(parents=True)
    (alice / "exercises" / "exercise1" / "dydx.py").write_bytes((SOLUTIONS / "exercise1.py").read_bytes())
    git(alice, "add", "-A")
    git(alice, "commit", "-qm", "done")
    return alice


def own_repository(root, name="mallory"):
    """``root/<name>``: a repository of the student's own, with the stub's wrong answer committed."""
    mine = root / name
    git(root, "init", "-q", str(mine))
    (mine / "exercises" / "exercise1").mkdir(parents=True)
    (mine / "exercises" / "exercise1" / "dydx.py").write_text("def dydx(f, x0):\n    return 0.0\n")
    git(mine, "add", "-A")
    git(mine, "commit", "-qm", "mine")
    return mine


def dot_git_is_a_link(root):
    mine = root / "mallory"
    (mine / "exercises" / "exercise1").mkdir(parents=True)
    (mine / ".git").symlink_to("../alice/.git")


def dot_git_is_a_gitfile(root):
    mine = root / "mallory"
    (mine / "exercises" / "exercise1").mkdir(parents=True)
    (mine / ".git").write_text(f"gitdir: {root / 'alice' / '.git'}\n")


def common_dir(root):
    mine = own_repository(root)
    (mine / ".git" / "commondir").write_text("../../alice/.git\n")


def alternates(root):
    mine = own_repository(root)
    alice_head = git(root / "alice", "rev-parse", "HEAD")
    (mine / ".git" / "objects" / "info" / "alternates").write_text(str(root / "alice" / ".git" / "objects") + "\n")
    (mine / ".git" / "refs" / "heads" / "main").write_text(alice_head + "\n")
    (mine / ".git" / "HEAD").write_text("ref: refs/heads/main\n")


def linked_refs_and_objects(root):
    mine = own_repository(root)
    for part in ("objects", "refs"):
        shutil.rmtree(mine / ".git" / part)
        (mine / ".git" / part).symlink_to(root / "alice" / ".git" / part)
    (mine / ".git" / "HEAD").write_text(f"ref: {git(root / 'alice', 'symbolic-ref', 'HEAD')}\n")


@pytest.mark.parametrize("borrow", [dot_git_is_a_link, dot_git_is_a_gitfile, common_dir, alternates,
                                    linked_refs_and_objects])
def test_a_repository_that_reaches_into_a_classmates_is_not_graded_from_it(course, tmp_path, borrow):
    root = tmp_path / "class"
    root.mkdir()
    classmate_repository(root)
    borrow(root)
    found = {f.id: f for f in discover(root)}
    submission = read_submission(found["mallory"], [course.resolve("exercise1")], None)[0]
    alice_work = (SOLUTIONS / "exercise1.py").read_bytes()
    assert submission.files.get("dydx.py") != alice_work, "graded from the classmate's repository"
    assert submission.commit != git(root / "alice", "rev-parse", "HEAD")
    assert "hand in a plain clone" in submission.problem


def test_git_variables_of_the_graders_environment_do_not_point_git_elsewhere(course, tmp_path, monkeypatch):
    """An instructor running the batch from a git hook or alias has GIT_DIR and friends set."""
    root = tmp_path / "class"
    root.mkdir()
    alice = classmate_repository(root)
    own_repository(root)
    monkeypatch.setenv("GIT_DIR", str(alice / ".git"))
    monkeypatch.setenv("GIT_COMMON_DIR", str(alice / ".git"))
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(alice / ".git" / "objects"))
    found = {f.id: f for f in discover(root)}
    submission = read_submission(found["mallory"], [course.resolve("exercise1")], None)[0]
    assert submission.files["dydx.py"] == b"def dydx(f, x0):\n    return 0.0\n"
