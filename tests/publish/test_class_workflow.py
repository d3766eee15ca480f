"""``grade class-workflow``: a workflow GitHub accepts (parsed as YAML, its structure checked), and
its own grading and merging scripts, run here with bash for three shards over a small class, give
the gradebook one unsharded batch gives."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from grader.publish import class_workflow
from grader.publish.install import TORCH_CPU_INDEX, torch_requirement

from ..conftest import EXAMPLES, REPO, SOLUTIONS, run_cli

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
PINNED = re.compile(r"^[\w.-]+/[\w.-]+@v\d+$")
SECRET = "the course secret of the workflow test, 32+ bytes"


def steps(document: dict, job: str) -> list[dict]:
    return document["jobs"][job]["steps"]


def step(document: dict, job: str, name: str) -> dict:
    return next(s for s in steps(document, job) if s.get("name") == name)


@pytest.mark.parametrize("shards", [1, 3, 20])
def test_the_workflow_grades_in_an_n_job_matrix_then_merges_whatever_finished(shards):
    document = yaml.safe_load(class_workflow.workflow(shards))
    assert document["permissions"] == {"contents": "read"} and "workflow_dispatch" in document["on"]
    grade, merge = document["jobs"]["grade"], document["jobs"]["merge"]
    assert grade["strategy"] == {"fail-fast": False, "matrix": {"shard": list(range(1, shards + 1))}}
    assert f'--shard "$SHARD/{shards}"' in step(document, "grade", "Grade this shard")["run"]
    upload = steps(document, "grade")[-1]
    assert upload["uses"].startswith("actions/upload-artifact@") and upload["if"] == "always()"
    assert upload["with"]["name"] == "grades-shard-${{ matrix.shard }}"
    assert merge["needs"] == "grade" and merge["if"] == "always()"
    assert "--allow-partial" in step(document, "merge", "Merge the shards")["run"]
    assert steps(document, "merge")[-1]["with"]["name"] == "grades"

    every = [s for job in document["jobs"] for s in steps(document, job)]
    assert all(PINNED.match(s["uses"]) for s in every if "uses" in s), [s["uses"] for s in every if "uses" in s]
    assert not [s["run"] for s in every if "run" in s and "${{" in s["run"]], "expressions belong in env"
    holding = [s["name"] for s in every if "secrets.GRADER_SECRET" in str(s)]
    assert holding == ["Grade this shard"] and class_workflow.workflow(shards).count("GRADER_SECRET }}") == 1
    for job in ("grade", "merge"):
        install = step(document, job, "Install torch (CPU build) and the grader")["run"]
        assert f"{torch_requirement()} --index-url {TORCH_CPU_INDEX}" in install and "pip install '.[instructor]'\n" in install


def test_the_command_prints_it():
    result = run_cli("class-workflow", "--shards", "5")
    assert result.returncode == 0 and result.stdout == class_workflow.workflow(5)


def make_class(root: Path) -> Path:
    """A release asset's zip of a class: a right answer, a wrong one, one that crashes, a zip."""
    root.mkdir()
    with zipfile.ZipFile(root / "submissions.zip", "w") as archive:
        archive.write(SOLUTIONS / "exercise1.py", "ana/exercises/exercise1/dydx.py")
        archive.write(EXAMPLES / "exercise1" / "reused-leaf.py", "ben/dydx.py")
        archive.writestr("cleo/dydx.py", "import os\nos._exit(3)\n")
        archive.writestr("dan/README.md", "nothing handed in\n")
        inner = root / "eve.zip"
        with zipfile.ZipFile(inner, "w") as student:
            student.write(EXAMPLES / "exercise1" / "reused-leaf.py", "work/dydx.py")
        archive.write(inner, "eve.zip")
    return root / "submissions.zip"


def checkout(where: Path) -> Path:
    """A runner's checkout of the course repository, with the grader installed in .venv."""
    shutil.copytree(REPO / "exercises" / "exercise1", where / "exercises" / "exercise1")
    (where / ".venv").symlink_to(Path(sys.prefix))
    return where


def run_step(document: dict, job: str, name: str, cwd: Path, context: dict, path: str) -> None:
    """Run a step's script as the runner would (``bash -eo pipefail``) with its env resolved."""
    chosen = step(document, job, name)
    env = {**os.environ, "PATH": path, **{k: str(v) for k, v in document["env"].items()},
           "EXERCISES": "1", "SEED": "5"}  # one cheap exercise, a fixed seed
    for key, value in chosen.get("env", {}).items():
        env[key] = EXPRESSION.sub(lambda m: context[m[1]], value)
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", chosen["run"]], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (name, result.stdout, result.stderr)


@pytest.mark.slow
@pytest.mark.sandbox
def test_its_own_scripts_grade_three_shards_and_merge_into_the_unsharded_gradebook(tmp_path):
    document = yaml.safe_load(class_workflow.workflow(3))
    asset = make_class(tmp_path / "release")
    fake_bin = tmp_path / "bin"  # gh release download, as GitHub's CLI would: the asset into the folder
    fake_bin.mkdir()
    (fake_bin / "gh").write_text(f'#!/bin/sh\n[ "$1 $2 $3" = "release download v1" ] || exit 9\ncp "{asset}" .\n')
    (fake_bin / "gh").chmod(0o755)
    path = f"{fake_bin}:{os.environ['PATH']}"
    context = {"inputs.source": "archive", "inputs.release": "v1", "inputs.assignment": "", "inputs.deadline": "",
               "secrets.CLASSROOM_TOKEN": "", "github.token": "unused", "github.repository": "course/repo",
               "secrets.GRADER_SECRET": SECRET}

    fetch = tmp_path / "fetch"
    fetch.mkdir()
    run_step(document, "fetch", "Fetch the submissions", fetch, context, path)
    for shard in (1, 2, 3):
        job = checkout(tmp_path / f"grade-{shard}")
        shutil.copy(fetch / "submissions.tar.gz", job)  # download-artifact: name submissions
        run_step(document, "grade", "Grade this shard", job, {**context, "matrix.shard": str(shard)}, path)
        shutil.copytree(job / "grades", tmp_path / "merge" / "shards" / f"grades-shard-{shard}")  # pattern, path
    merge = checkout(tmp_path / "merge")
    run_step(document, "merge", "Merge the shards", merge, context, path)

    whole = tmp_path / "grade-1"
    result = run_cli("batch", "submissions", "--exercises", "1", "--seed", "5", "--out", "whole", "--quiet",
                     cwd=whole, env={**os.environ, "GRADER_SECRET": SECRET}, timeout=300)
    assert result.returncode == 0, result.stderr
    book = (merge / "grades" / "gradebook.csv").read_text()
    assert book == (whole / "whole" / "gradebook.csv").read_text()
    assert book.splitlines()[2:] == ["ana,7,7,", "ben,6,6,", "cleo,0,0,", "dan,missing,0,", "eve,6,6,"]
