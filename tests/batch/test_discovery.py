"""Finding a class's submissions and reading only the students' files, as data (no sandbox)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import zipfile
from datetime import datetime, timezone

import pytest

from grader.batch import discovery
from grader.batch.discovery import discover, read_submission
from grader.errors import UsageProblem
from grader.submission import MAX_FILE_BYTES

CORRECT = b"def dydx(f, x0):\n    return 1.0\n"
SECRET = "hunter2 = 1\n"


def write(path, data=CORRECT):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def one(course, found, deadline=None):
    return read_submission(found, [course.resolve("exercise1")], deadline)[0]


def make_zip(path, members: dict, links=()):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_folders_zips_and_nested_classroom_clones_are_found_by_name(tmp_path):
    write(tmp_path / "student1" / "exercises" / "exercise1" / "dydx.py")
    write(tmp_path / "hw1-submissions" / "hw1-student2" / "dydx.py")
    write(tmp_path / "week2-submissions" / "more-submissions" / "hw2-student3" / "dydx.py")
    make_zip(tmp_path / "student4.zip", {"dydx.py": CORRECT})
    write(tmp_path / "notes.txt", b"not a submission")
    (tmp_path / ".hidden").mkdir()
    found = discover(tmp_path)
    assert [(f.id, f.kind) for f in found] == [
        ("hw1-student2", "folder"), ("hw2-student3", "folder"), ("student1", "folder"), ("student4", "zip")]


def test_the_student_file_is_found_where_the_release_puts_it_or_by_a_unique_name(course, tmp_path):
    write(tmp_path / "a" / "exercises" / "exercise1" / "dydx.py")
    write(tmp_path / "a" / "old" / "dydx.py", b"def dydx(f, x0):\n    return 2.0\n")
    write(tmp_path / "b" / "src" / "deep" / "dydx.py")
    write(tmp_path / "c" / "one" / "dydx.py")
    write(tmp_path / "c" / "two" / "dydx.py")
    (tmp_path / "d").mkdir()
    found = {f.id: f for f in discover(tmp_path)}
    assert one(course, found["a"]).files["dydx.py"] == CORRECT
    assert one(course, found["b"]).files["dydx.py"] == CORRECT
    ambiguous = one(course, found["c"]).problem
    assert "2 files of that name" in ambiguous and "exercises/exercise1/dydx.py" in ambiguous
    missing = one(course, found["d"])
    assert "missing" in missing.problem and missing.digests == {"dydx.py": None}


def test_two_submissions_with_one_id_are_a_usage_error(tmp_path):
    write(tmp_path / "student1" / "dydx.py")
    make_zip(tmp_path / "student1.zip", {"dydx.py": CORRECT})
    with pytest.raises(UsageProblem, match="two submissions have the id 'student1'"):
        discover(tmp_path)


def test_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageProblem, match="no such folder"):
        discover(tmp_path / "nowhere")


# ---------------------------------------------------------------- links out of a submission


def test_a_folder_submission_whose_file_links_out_is_refused(course, tmp_path):
    secret = write(tmp_path / "outside" / "secret.py", SECRET.encode())
    root = tmp_path / "class"
    (root / "student5" / "exercises" / "exercise1").mkdir(parents=True)
    (root / "student5" / "exercises" / "exercise1" / "dydx.py").symlink_to(secret)
    (root / "student6").mkdir(parents=True)
    (root / "student6" / "sub").symlink_to(secret.parent)  # a folder link: its dydx.py is never walked
    write(secret.parent / "dydx.py", SECRET.encode())
    found = {f.id: f for f in discover(root)}
    student5 = one(course, found["student5"])
    assert "leads out of the submission" in student5.problem and not student5.files
    student6 = one(course, found["student6"])
    assert "missing" in student6.problem and not student6.files


def test_a_folder_submission_that_is_itself_a_link_is_not_a_submission(tmp_path):
    write(tmp_path / "elsewhere" / "dydx.py")
    (tmp_path / "class").mkdir()
    write(tmp_path / "class" / "student1" / "dydx.py")
    (tmp_path / "class" / "student5").symlink_to(tmp_path / "elsewhere")
    assert [f.id for f in discover(tmp_path / "class")] == ["student1"]


# ---------------------------------------------------------------- hostile zips


def test_a_zip_is_read_in_memory_and_outside_paths_are_never_used(course, tmp_path):
    make_zip(tmp_path / "z.zip", {"../dydx.py": SECRET, "/etc/dydx.py": SECRET, "C:/dydx.py": SECRET,
                                  "..\\..\\dydx.py": SECRET})
    submission = one(course, discover(tmp_path)[0])
    assert "missing" in submission.problem
    assert list(tmp_path.iterdir()) == [tmp_path / "z.zip"]  # nothing unpacked anywhere near
    assert not (tmp_path.parent / "dydx.py").exists()


def test_a_zip_bomb_costs_at_most_the_cap(course, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("dydx.py", "w", force_zip64=True) as member:
            zeros = bytes(1 << 20)
            for _ in range(256):  # 256 MiB of zeros, about 250 KB compressed
                member.write(zeros)
    assert bomb.stat().st_size < 1 << 20
    submission = one(course, discover(tmp_path)[0])
    assert "at most" in submission.problem and not submission.files


def test_a_zip_whose_header_lies_about_the_size_is_still_capped(course, tmp_path):
    path = make_zip(tmp_path / "liar.zip", {"dydx.py": b"#" * (MAX_FILE_BYTES + 10)})
    data = bytearray(path.read_bytes())
    # Shrink the declared size in the central directory (offset 24 of its entry) to 10 bytes.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    submission = one(course, discover(tmp_path)[0])
    assert submission.problem and not submission.files


def test_a_link_member_in_a_zip_is_refused(course, tmp_path):
    make_zip(tmp_path / "z.zip", {}, links=[("exercises/exercise1/dydx.py", "../../../solutions/exercise1.py")])
    submission = one(course, discover(tmp_path)[0])
    assert "symbolic link" in submission.problem and not submission.files


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really", os.urandom(4096)])
def test_a_broken_zip_gets_a_reason(course, tmp_path, data):
    (tmp_path / "broken.zip").write_bytes(data)
    submission = one(course, discover(tmp_path)[0])
    assert "not a readable zip" in submission.problem


# ---------------------------------------------------------------- git clones


def git(folder, *args, when=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "s", "GIT_AUTHOR_EMAIL": "s@example.org",
           "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@example.org"}
    if when:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = when
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True,
                          env=env).stdout.strip()


@pytest.fixture
def clone(tmp_path):
    """A Classroom-style clone with two commits: a wrong answer on the 1st, a right one on the 3rd."""
    repo = tmp_path / "hw-submissions" / "hw-student1"
    git(tmp_path, "init", "-q", str(repo))
    write(repo / "exercises" / "exercise1" / "dydx.py", b"def dydx(f, x0):\n    return 0.0\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first", when="2026-11-01T12:00:00+00:00")
    first = git(repo, "rev-parse", "HEAD")
    write(repo / "exercises" / "exercise1" / "dydx.py")
    git(repo, "commit", "-qam", "late", when="2026-11-03T12:00:00+00:00")
    write(repo / "exercises" / "exercise1" / "dydx.py", b"uncommitted work\n")
    return tmp_path, repo, first, git(repo, "rev-parse", "HEAD")


def test_a_deadline_grades_the_last_commit_before_it_and_records_it(course, clone):
    root, _, first, last = clone
    found = discover(root)
    assert [(f.id, f.kind) for f in found] == [("hw-student1", "git")]
    before = one(course, found[0], datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert before.commit == first and b"return 0.0" in before.files["dydx.py"]
    after = one(course, found[0])
    assert after.commit == last and after.files["dydx.py"] == CORRECT  # the commit, not the working tree
    none = one(course, found[0], datetime(2026, 10, 1, tzinfo=timezone.utc))
    assert "no commit before the deadline" in none.problem and none.commit is None


def test_a_committed_link_is_refused_and_a_repo_hook_never_runs(course, clone):
    root, repo, _, _ = clone
    (repo / "exercises" / "exercise1" / "dydx.py").unlink()
    (repo / "exercises" / "exercise1" / "dydx.py").symlink_to("/etc/hostname")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    marker = root / "hook-ran"
    (repo / ".git" / "config").write_text((repo / ".git" / "config").read_text()
                                          + f"[core]\n\tfsmonitor = touch {marker}\n")
    submission = one(course, discover(root)[0])
    assert "symbolic link" in submission.problem and not submission.files
    assert not marker.exists()


def test_a_zip_export_in_memory_matches_the_folder_reading(course, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("submission/exercises/exercise1/dydx.py", CORRECT)
    (tmp_path / "s.zip").write_bytes(buffer.getvalue())
    submission = one(course, discover(tmp_path)[0])
    assert submission.problem is None and submission.files["dydx.py"] == CORRECT


def test_a_commit_with_too_many_files_gets_a_reason_not_a_huge_listing(course, clone, monkeypatch):
    root, repo, _, _ = clone
    for index in range(12):
        write(repo / "notes" / f"n{index}.txt", b"x")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "many")
    monkeypatch.setattr(discovery, "MAX_ENTRIES", 10)
    submission = one(course, discover(root)[0])
    assert "more than 10 files" in submission.problem and not submission.files
