"""``grade batch --template``: a submission that changed the release's tests, workflow or
configuration is flagged, whichever way it was handed in; a student's own work, notes and line
endings are not. Most tests compare a changed copy of a real release (no sandbox); the last ones
run the real command."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from grader.batch import discovery, summary, tamper
from grader.batch.outputs import Outputs
from grader.batch.progress import tampering_line
from grader.errors import UsageProblem
from grader.publish import student_repo, workflow
from grader.report import model

from ..conftest import SOLUTIONS, run_cli
from .test_outputs import report as made_report

TEST_FILE = "exercises/exercise1/test_exercise1_public.py"
STUDENT_FILE = "exercises/exercise1/dydx.py"
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "s",
           "GIT_AUTHOR_EMAIL": "s@example.org", "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@example.org"}


@pytest.fixture(scope="module")
def release(course, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release") / "students"
    student_repo.build(course, root)
    return root


@pytest.fixture(scope="module")
def template(release):
    return tamper.load_template(release)


def copy(release: Path, where: Path) -> Path:
    shutil.copytree(release, where)
    return where


def compared(template, folder: Path, kind: str = "folder", deadline=None) -> dict:
    record = tamper.check(template, discovery.open_source(discovery.Found(folder.name, folder, kind), deadline))
    model.to_json({**bundle_of(), "tampering": record})  # valid, and writable as UTF-8
    return record


def bundle_of() -> dict:
    return {"schema_version": "2.0", "kind": "bundle", "score": 0, "max_score": 0,
            "versions": {"grader": "0", "python": "3", "torch": None, "pytest": None}, "reports": []}


def append(path: Path, text: bytes = b"\n# pass\n") -> None:
    path.write_bytes(path.read_bytes() + text)


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def wheel(root: Path) -> Path:
    return next((root / "vendor").glob("*.whl"))


CHANGES = {
    "modified test file": (lambda s: append(s / TEST_FILE), [(TEST_FILE, "modified")]),
    "deleted test file": (lambda s: (s / TEST_FILE).unlink(), [(TEST_FILE, "deleted")]),
    "edited workflow": (lambda s: append(s / workflow.PATH, b"      - run: echo 100/100\n"),
                        [(workflow.PATH, "modified")]),
    "added workflow": (lambda s: write(s / ".github/workflows/full.yml", "on: push\n"),
                       [(".github/workflows/full.yml", "added")]),
    "conftest.py at the root": (lambda s: write(s / "conftest.py"), [("conftest.py", "added")]),
    "conftest.py in an exercise": (lambda s: write(s / "exercises/exercise1/conftest.py"),
                                   [("exercises/exercise1/conftest.py", "added")]),
    "edited vendored wheel": (lambda s: append(wheel(s), b"\0"), "wheel"),
    "modified harness": (lambda s: append(s / "exercises/exercise1/harness.py"),
                         [("exercises/exercise1/harness.py", "modified")]),
    "modified support": (lambda s: append(s / "exercises/exercise2/support.py"),
                         [("exercises/exercise2/support.py", "modified")]),
    "changed metadata (points)": (lambda s: append(s / "exercises/exercise1/exercise.json", b" "),
                                  [("exercises/exercise1/exercise.json", "modified")]),
    "shadowing torch.py": (lambda s: write(s / "exercises/exercise1/torch.py"),
                           [("exercises/exercise1/torch.py", "added")]),
    "shadowing torch package": (lambda s: write(s / "exercises/exercise1/torch/__init__.py"),
                                [("exercises/exercise1/torch/__init__.py", "added")]),
    "shadowing torch package at the root": (lambda s: write(s / "torch/__init__.py"), [("torch/__init__.py", "added")]),
    "pytest.ini and a .pth": (lambda s: (write(s / "pytest.ini"), write(s / "exercises/x.pth")),
                              [("exercises/x.pth", "added"), ("pytest.ini", "added")]),
    "sitecustomize anywhere": (lambda s: write(s / "lib/sitecustomize.py"), [("lib/sitecustomize.py", "added")]),
    "a new test file elsewhere": (lambda s: (write(s / "tests/test_mine.py"), write(s / "more/grad_test.py")),
                                  [("more/grad_test.py", "added"), ("tests/test_mine.py", "added")]),
    "pyproject.toml": (lambda s: write(s / "pyproject.toml"), [("pyproject.toml", "added")]),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_change_to_a_protected_path_is_flagged(kind, template, release, tmp_path):
    change, expected = CHANGES[kind]
    submission = copy(release, tmp_path / "student")
    change(submission)
    if expected == "wheel":
        expected = [(wheel(submission).relative_to(submission).as_posix(), "modified")]
    record = compared(template, submission)
    assert [(c["path"], c["change"]) for c in record["changes"]] == expected
    assert record["template"] == template.fingerprint and "problem" not in record


def test_a_clean_submission_is_not_flagged_with_crlf_its_work_notes_and_readme(template, release, tmp_path):
    submission = copy(release, tmp_path / "student")
    for path in submission.rglob("*"):
        if path.is_file() and b"\0" not in path.read_bytes()[:8000]:
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    (submission / STUDENT_FILE).write_bytes((SOLUTIONS / "exercise1.py").read_bytes())
    append(submission / "README.md", b"My notes on the course.\n")
    append(submission / "exercises/exercise1/README.md", b"I found this hard.\n")
    append(submission / ".gitignore", b".idea/\n")
    write(submission / "notes.md", "to do\n")
    write(submission / "scratch/try.txt", "x")
    write(submission / "exercises/exercise1/__pycache__/dydx.cpython-313.pyc", "x")
    write(submission / ".venv/lib/python3.13/site-packages/distutils-precedence.pth", "import os")
    assert compared(template, submission)["changes"] == []


def test_crlf_is_not_ignored_in_a_binary_file(template, release, tmp_path):
    submission = copy(release, tmp_path / "student")
    (submission / TEST_FILE).write_bytes((release / TEST_FILE).read_bytes().replace(b"\n", b"\r\n"))
    assert compared(template, submission)["changes"] == []
    assert tamper.digest(b"\0a\r\nb") != tamper.digest(b"\0a\nb")


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, **GIT_ENV, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def test_a_git_clone_is_judged_by_its_graded_commit_never_its_working_tree(template, release, tmp_path):
    clone = copy(release, tmp_path / "student")
    git(clone, "init", "-q")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "start", date="2026-11-01T10:00:00+00:00")
    assert compared(template, clone, "git")["changes"] == []

    append(clone / TEST_FILE)
    git(clone, "commit", "-qam", "before the deadline", date="2026-11-20T10:00:00+00:00")
    (clone / workflow.PATH).write_text("changed only in the working tree\n")
    (clone / "conftest.py").write_text("")
    (clone / "exercises/exercise2/support.py").unlink()
    assert compared(template, clone, "git")["changes"] == [{"path": TEST_FILE, "change": "modified"}]

    git(clone, "checkout", "-q", "--", ".")
    (clone / "exercises/exercise2/harness.py").unlink()
    (clone / "exercises/exercise2/harness.py").symlink_to("support.py")
    write(clone / ".venv/bin/grade", "echo 100")
    git(clone, "add", "-A", "-f")
    git(clone, "commit", "-qm", "after the deadline", date="2026-12-05T10:00:00+00:00")
    deadline = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert compared(template, clone, "git", deadline)["changes"] == [{"path": TEST_FILE, "change": "modified"}]
    assert compared(template, clone, "git")["changes"] == [
        {"path": ".venv/", "change": "added"}, {"path": "conftest.py", "change": "added"},
        {"path": TEST_FILE, "change": "modified"},
        {"path": "exercises/exercise2/harness.py", "change": "modified"}]


def zip_of(folder: Path, path: Path, prefix: str = "", crlf: bool = False, extra: dict | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            data = file.read_bytes()
            if crlf and b"\0" not in data[:8000]:
                data = data.replace(b"\n", b"\r\n")
            archive.writestr(prefix + file.relative_to(folder).as_posix(), data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def test_a_zip_is_compared_from_the_folder_its_release_layout_sits_in(template, release, tmp_path):
    submission = copy(release, tmp_path / "student")
    clean = zip_of(submission, tmp_path / "clean.zip", "alice/Homework 1/", crlf=True,
                   extra={"__MACOSX/alice/._README.md": b"\0\0", "alice/notes.txt": b"x"})
    assert compared(template, clean, "zip")["changes"] == []

    append(submission / TEST_FILE)
    (submission / "exercises/exercise2/support.py").unlink()
    tampered = zip_of(submission, tmp_path / "tampered.zip", "alice/",
                      extra={"alice/exercises/exercise1/harness_helpers.py": b"", "conftest.py": b""})
    assert compared(template, tampered, "zip")["changes"] == [
        {"path": "exercises/exercise1/harness_helpers.py", "change": "added"},
        {"path": TEST_FILE, "change": "modified"},
        {"path": "exercises/exercise2/support.py", "change": "deleted"}]


def test_without_one_root_the_submission_is_not_compared_and_says_why(template, release, tmp_path):
    loose = tmp_path / "loose.zip"
    with zipfile.ZipFile(loose, "w") as archive:
        archive.writestr("hw/dydx.py", "def dydx(f, x0): return 1.0\n")
    record = compared(template, loose, "zip")
    assert record["changes"] == [] and "root is unknown" in record["problem"]

    moved = copy(release, tmp_path / "moved")
    (moved / "exercises/exercise2/vjp.py").unlink()
    twice = zip_of(moved, tmp_path / "twice.zip", "a/", extra={"b/exercises/exercise2/vjp.py": b""})
    assert "ambiguous" in compared(template, twice, "zip")["problem"]

    only_work = tmp_path / "only-work"
    write(only_work / STUDENT_FILE, "def dydx(f, x0): return 1.0\n")
    write(only_work / "exercises/exercise1/conftest.py")
    assert "none of the release's protected files" in compared(template, only_work)["problem"]

    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK not really")
    assert "not a readable zip" in compared(template, broken, "zip")["problem"]


def test_an_oversized_protected_file_counts_as_modified_and_a_huge_tree_is_not_walked(
        template, release, tmp_path, monkeypatch):
    submission = copy(release, tmp_path / "student")
    cap = wheel(release).stat().st_size  # the release's largest file
    monkeypatch.setattr(tamper, "MAX_HASHED_BYTES", cap)
    hashed, digest = [], tamper.digest
    monkeypatch.setattr(tamper, "digest", lambda content: hashed.append(len(content)) or digest(content))
    append(submission / TEST_FILE, b"#" * cap)
    assert compared(template, submission)["changes"] == [{"path": TEST_FILE, "change": "modified"}]
    assert hashed and max(hashed) <= cap

    monkeypatch.setattr(discovery, "MAX_ENTRIES", 50)
    for index in range(60):
        write(submission / "many" / f"{index}.txt")
    assert "more than 50 files" in compared(template, submission)["problem"]


def test_a_hostile_tree_gives_a_capped_clean_valid_record(template, release, tmp_path):
    submission = copy(release, tmp_path / "student")
    for index in range(tamper.MAX_LISTED + 5):
        write(submission / "exercises/exercise1" / f"m{index:03d}.py")
    write(submission / ("a" * 200) / ("b" * 200) / "test_\x1b[2J.py")
    write(submission / os.fsdecode(b"conftest\xff") / "conftest.py")  # not UTF-8
    (submission / workflow.PATH).unlink()
    (submission / workflow.PATH).symlink_to(release / workflow.PATH)  # the same text, out of the submission
    record = compared(template, submission)
    assert len(record["changes"]) == tamper.MAX_LISTED and record["unlisted"] == 8
    assert not any("\x1b" in c["path"] or len(c["path"]) > tamper.MAX_PATH_CHARS + 30 for c in record["changes"])
    assert record["changes"][0] == {"path": workflow.PATH, "change": "modified"}
    assert {"path": "conftest\ufffd/conftest.py", "change": "added"} in record["changes"]


def test_a_folder_that_is_not_a_release_is_refused_in_one_line(release, tmp_path):
    for broken, reason in ((tmp_path / "nowhere", "no such folder"), (tmp_path, "no exercises/<id>/exercise.json")):
        with pytest.raises(UsageProblem, match=reason):
            tamper.load_template(broken)
    no_workflow = copy(release, tmp_path / "no-workflow")
    (no_workflow / workflow.PATH).unlink()
    with pytest.raises(UsageProblem, match="no .github/workflows/classroom.yml"):
        tamper.load_template(no_workflow)


def test_the_fingerprint_follows_the_protected_files_only(template, release, tmp_path):
    other = copy(release, tmp_path / "other")
    append(other / "README.md", b"more words\n")
    assert tamper.load_template(other).fingerprint == template.fingerprint
    append(other / TEST_FILE)
    assert tamper.load_template(other).fingerprint != template.fingerprint


def test_the_gradebook_summary_and_bar_show_tampering(course, tmp_path):
    ex1 = course.resolve("exercise1")
    report = made_report("exercise1", 7)
    fingerprint = "0" * 64
    changed = [{"path": f"p{i}", "change": "added"} for i in range(3)]
    rows = [("clean", {"reports": [report], "tampering": {"template": fingerprint, "changes": []}}),
            ("many", {"reports": [report], "tampering": {"template": fingerprint, "changes": changed, "unlisted": 9}}),
            ("unknown", {"reports": [report], "tampering": {"template": fingerprint, "changes": [], "problem": "x"}})]
    with open(Outputs(tmp_path).write_gradebook([ex1], rows), newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["student", "exercise1", "total", "tampered", "commit"]
    assert [row[3] for row in table[1:]] == ["", "", "12", "n/a"]
    counts = summary.summarise([ex1], [document for _, document in rows])["tampering"]
    assert counts == {"changed": 1, "unchecked": 1}
    flagged = summary.summarise([ex1], [document for _, document in rows], ids=[n for n, _ in rows])["attention"]
    assert [(e["submission"], e["reasons"][0]["detail"]) for e in flagged] == [("many", "12 protected file(s) changed")]
    assert tampering_line(counts).plain == ("1 submission changed protected files (tampering in their reports); "
                                            "1 could not be compared (n/a in gradebook.csv)")

    plain = [(name, {"reports": document["reports"]}) for name, document in rows]
    with open(Outputs(tmp_path / "plain").write_gradebook([ex1], plain), newline="") as handle:
        assert next(csv.reader(handle)) == ["student", "exercise1", "total", "commit"]
    assert summary.summarise([ex1], [document for _, document in plain])["tampering"] is None


def test_a_bad_template_is_one_line_and_exit_2(tmp_path):
    (tmp_path / "class" / "s1").mkdir(parents=True)
    result = run_cli("batch", str(tmp_path / "class"), "--template", str(tmp_path), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "is not a student release" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.sandbox
def test_grade_batch_with_a_template_flags_in_reports_gradebook_and_summary(release, tmp_path):
    students = tmp_path / "class"
    clean = copy(release, students / "clean")
    tampered = copy(release, students / "tampered")
    for student in (clean, tampered):
        (student / STUDENT_FILE).write_bytes((SOLUTIONS / "exercise1.py").read_bytes())
    append(tampered / TEST_FILE)
    write(tampered / ".github/workflows/full.yml", "on: push\n")
    with zipfile.ZipFile(students / "loose.zip", "w") as archive:
        archive.write(SOLUTIONS / "exercise1.py", "dydx.py")
    out = tmp_path / "out"

    def batch(template: Path, *extra: str):
        result = run_cli("batch", str(students), "--template", str(template), "--exercises", "1", "--out", str(out),
                         "--seed", "5", "--jobs", "2", "--progress", "jsonl", *extra, timeout=300)
        assert result.returncode == 0, result.stderr
        return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]

    events = batch(release)
    assert events[-1]["tampering"] == {"changed": 1, "unchecked": 1}
    with open(out / "gradebook.csv", newline="") as handle:
        book = {row["student"]: row for row in csv.DictReader(handle)}
    assert {name: (book[name]["exercise1"], book[name]["tampered"]) for name in ("clean", "tampered", "loose")} == {
        "clean": ("7", ""), "tampered": ("7", "2"), "loose": ("7", "n/a")}
    reports = {name: json.loads((out / "reports" / f"{name}.json").read_text()) for name in book if name != "max points"}
    for document in reports.values():
        model.validate(document)
    assert reports["tampered"]["tampering"]["changes"] == [
        {"path": ".github/workflows/full.yml", "change": "added"}, {"path": TEST_FILE, "change": "modified"}]
    assert reports["clean"]["tampering"]["changes"] == []

    assert all(e["resumed"] for e in batch(release, "--resume") if e["event"] == "graded")
    changed = copy(release, tmp_path / "changed-release")
    append(changed / TEST_FILE)
    events = batch(changed, "--resume")
    assert not any(e["resumed"] for e in events if e["event"] == "graded")
    assert json.loads((out / "reports" / "clean.json").read_text())["tampering"]["changes"] == [
        {"path": TEST_FILE, "change": "modified"}]
