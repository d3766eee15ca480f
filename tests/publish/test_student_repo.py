"""``grade release``: what a student repository carries, its workflow, and a clean clone that grades.

The slow test does what a student does: clone the release, run its README's install commands,
run ``grade all``. It installs torch into a new venv (under a minute from a local wheel cache).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.exercises import load_course
from grader.publish import workflow
from grader.publish.install import TORCH_CPU_INDEX
from grader.release import student_files
from tests.helpers import REPO, SOLUTIONS, run_cli

SECRET = "0123456789abcdef" * 4


def release(out: Path, *options: str) -> Path:
    result = run_cli("release", str(out), *options, env={**os.environ, "GRADER_SECRET": SECRET})
    assert result.returncode == 0, result.stderr
    return out


def every_file(root: Path) -> dict[str, bytes]:
    """Every file of a tree, and every member of every zip in it, by name."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts):
        name = str(path.relative_to(root))
        found[name] = path.read_bytes()
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as archive:
                found.update({f"{name}!{member}": archive.read(member) for member in archive.namelist()})
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return release(tmp_path_factory.mktemp("release") / "students")


def test_a_release_carries_the_public_course_the_workflow_and_the_grader_only(built):
    files = {str(p) for p in built.rglob("*") if p.is_file()}
    expected = {str(built / p) for p in student_files(REPO)}
    extra = {str(built / p) for p in ("README.md", ".gitignore", workflow.PATH)}
    assert files - expected - extra == {str(next((built / "vendor").glob("autograd_grader-*.whl")))}
    for name, content in every_file(built).items():
        assert not re.search(r"(^|/)(hidden|variants|solutions)/", name.split("!")[-1]), name
        assert SECRET.encode() not in content, f"{name} holds the course secret"
    for solution in SOLUTIONS.glob("*.py"):
        assert solution.read_bytes() not in every_file(built).values(), f"{solution.name} shipped"


def test_hidden_checks_ship_only_when_asked_and_mutants_never(tmp_path):
    out = release(tmp_path / "students", "--with-hidden")
    shipped = sorted(p.relative_to(out) for p in out.glob("exercises/*/hidden/*"))
    assert shipped == sorted(p.relative_to(REPO) for p in REPO.glob("exercises/*/hidden/test_*.py")
                             if not (p.parent / "instructor.py").exists())
    assert Path("exercises/exercise1/hidden") in {p.parent for p in shipped}
    assert not list(out.rglob("instructor.py")) and not (out / "exercises/exercise6/hidden").exists()


def test_a_folder_in_use_is_refused_in_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run_cli("release", str(tmp_path))
    assert result.returncode == 2
    assert result.stderr.startswith("grade: error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr and (tmp_path / "notes.txt").read_text() == "mine"


def test_the_workflow_is_classrooms_template_with_our_steps(built):
    document = yaml.safe_load((built / workflow.PATH).read_text())
    assert document["name"] == "Autograding Tests"
    assert document["on"] == ["push", "workflow_dispatch", "repository_dispatch"]
    assert document["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    job = document["jobs"]["run-autograding-tests"]
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    checkout, python, install, grade, reporter = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert python["uses"].startswith("actions/setup-python@") and python["with"]["cache"] == "pip"
    assert (built / python["with"]["cache-dependency-path"]).is_file()
    assert f"--index-url {TORCH_CPU_INDEX}" in install["run"] and "vendor/autograd_grader-" in install["run"]
    assert re.fullmatch(r"[A-Za-z0-9]+", grade["id"]) and "--format classroom" in grade["run"]
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["if"] == "always()" and reporter["with"] == {"runners": grade["id"]}
    assert reporter["env"] == {f"{grade['id'].upper()}_RESULTS": f"${{{{steps.{grade['id']}.outputs.result}}}}"}


def test_the_wheel_records_every_file_it_holds(built):
    with zipfile.ZipFile(next((built / "vendor").glob("*.whl"))) as wheel:
        names = wheel.namelist()
        record = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = [line.split(",") for line in wheel.read(record).decode().splitlines()]
        assert {row[0] for row in rows} == set(names)
        for name, digest, size in rows:
            if name != record:
                data = wheel.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                assert digest == f"sha256={expected}" and int(size) == len(data), name
        assert {"grader/schemas/report.schema.json", "grader/runner/pytest.ini", "grader/cli.py"} <= set(names)
        assert "grade = grader.cli:run" in wheel.read(record.replace("RECORD", "entry_points.txt")).decode()


def install_block(readme: str) -> str:
    """The README's install commands, as a student would paste them."""
    return re.search(r"## Install.*?```bash\n(.*?)```", readme, re.S)[1]


@pytest.mark.slow
def test_a_clean_clone_installs_from_its_readme_and_grades(built, tmp_path):
    origin = tmp_path / "origin"
    shutil.copytree(built, origin)
    git = ["git", "-c", "user.name=instructor", "-c", "user.email=instructor@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=origin, check=True)
    subprocess.run([*git, "add", "-A"], cwd=origin, check=True)
    subprocess.run([*git, "commit", "-qm", "release"], cwd=origin, check=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    # This machine reaches PyPI (and a local torch wheel) but not torch's own index.
    commands = install_block((clone / "README.md").read_text()).replace(f" --index-url {TORCH_CPU_INDEX}", "")
    install = subprocess.run(["bash", "-ec", commands], cwd=clone, capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]

    def grade_all() -> dict:
        result = subprocess.run([str(clone / ".venv/bin/grade"), "all", "--json"], cwd=clone,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
        document = json.loads(result.stdout)
        return {report["exercise"]["id"]: report for report in document["reports"]}

    course = load_course(clone)
    stubs = grade_all()
    for exercise in course.exercises:  # 0, or at most what a runnable stub declares for the whole course
        report = stubs[exercise.id]
        assert report["score"] <= (exercise.stub or {}).get("score", 0)
        assert report["tests"] and any(t["status"] != "passed" for t in report["tests"])
        assert all(t["visibility"] == "visible" for t in report["tests"])
        if exercise.stub is None:
            assert report["score"] == 0 and "not implemented" in json.dumps(report["tests"]).lower()
    for exercise in course.exercises:
        shutil.copyfile(SOLUTIONS / f"{exercise.id}.py", exercise.student_paths()[0])
    solved = grade_all()
    for exercise in course.exercises:
        report = solved[exercise.id]
        assert report["score"] == report["max_score"], exercise.id  # exercise6's public checks: 0 points
        assert report["tests"] and all(t["status"] == "passed" for t in report["tests"]), exercise.id
