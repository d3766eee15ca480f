"""``grade gradescope-package``: what the zip holds, and ``run_autograder`` against a stand-in root.

The slow tests unpack the zip into a folder standing in for ``/autograder`` (``standin``), run its
``setup.sh`` once (a venv with torch from the local wheel cache and the vendored grader), then run
``run_autograder`` per submission inside a memory cgroup of Gradescope's 768 MB, with only the
layers a Gradescope container usually allows (``standin.GRADESCOPE_LAYERS``). Every run must leave
a ``results.json`` valid against Gradescope's schema.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.exercises import load_course
from grader.publish import autograder, gradescope
from grader.sandbox.policy import NOBODY
from tests.helpers import REPO, SOLUTIONS, run_cli
from tests.publish import standin

SCHEMA = json.loads((REPO / "tests/formats/schemas/gradescope-results.schema.json").read_text())
CONTAINER_MB = 768


def package(out: Path, *options: str) -> Path:
    result = run_cli("gradescope-package", str(out), *options)
    assert result.returncode == 0, result.stderr
    return out


def test_the_zip_holds_the_scripts_the_wheel_and_the_course_without_variants_or_solutions(tmp_path):
    with zipfile.ZipFile(package(tmp_path / "autograder.zip")) as archive:
        names = set(archive.namelist())
        modes = {item.filename: item.external_attr >> 16 for item in archive.infolist()}
        config = json.loads(archive.read(gradescope.CONFIG))
        metadata = {name: json.loads(archive.read(name)) for name in names if name.endswith("exercise.json")}
    assert {"setup.sh", "run_autograder", gradescope.CONFIG} <= names
    assert modes["run_autograder"] & stat.S_IXUSR and modes["setup.sh"] & stat.S_IXUSR
    assert any(name.startswith("vendor/autograd_grader-") and name.endswith(".whl") for name in names)
    assert not [n for n in names if "/variants/" in n or n.startswith("solutions") or "__pycache__" in n]
    course = load_course(REPO)
    assert config["exercises"] == [e.id for e in course.exercises]
    for exercise in course.exercises:
        assert f"course/exercises/{exercise.id}/hidden/{exercise.hidden_tests[0].name}" in names
        limits = metadata[f"course/exercises/{exercise.id}/exercise.json"]["limits"]
        assert limits["memory_mb"] + limits["scratch_mb"] + gradescope.GRADER_RESERVE_MB <= CONTAINER_MB


def test_a_container_too_small_for_the_grader_is_refused_in_one_line(tmp_path):
    result = run_cli("gradescope-package", str(tmp_path / "a.zip"), "--memory-mb", "400")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("grade: error: ") and "--memory-mb" in result.stderr
    assert not (tmp_path / "a.zip").exists()


def test_a_student_file_is_never_found_through_a_symbolic_link(tmp_path, course):
    exercise = course.resolve("exercise1")
    secret = tmp_path / "hidden.py"
    secret.write_text("the hidden checks")
    submitted = tmp_path / "submission"
    (submitted / "deep").mkdir(parents=True)
    (submitted / "dydx.py").symlink_to(secret)
    (submitted / "linked").symlink_to(tmp_path)
    assert autograder.locate(submitted, exercise, "dydx.py") is None
    (submitted / "deep" / "dydx.py").write_text("real")
    assert autograder.locate(submitted, exercise, "dydx.py") == submitted / "deep" / "dydx.py"


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to another uid needs root")
def test_what_uid_nobody_can_read_is_tried():
    folder = Path(tempfile.mkdtemp(prefix="readable-"))  # pytest's own temp folders are private
    try:
        folder.chmod(0o755)
        hidden = folder / "test_hidden.py"
        hidden.write_text("x")
        hidden.chmod(0o644)
        assert autograder.readable_by(NOBODY, [folder, hidden]) == [str(folder), str(hidden)]
        hidden.chmod(0o600)
        assert autograder.readable_by(NOBODY, [folder, hidden]) == [str(folder)]
    finally:
        shutil.rmtree(folder)


# --- run_autograder against a stand-in /autograder (slow) -----------------------------------

@pytest.fixture(scope="module")
def autograder_root(tmp_path_factory):
    archive = package(tmp_path_factory.mktemp("zip") / "autograder.zip")
    try:
        root = standin.set_up(archive)
    except standin.Unavailable as reason:
        pytest.skip(str(reason))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def run_autograder(root: Path, files: dict[str, Path | str], layers: str = standin.GRADESCOPE_LAYERS):
    """run_autograder in a 768 MB cgroup: results.json, validated, and the OOM kills in the cgroup."""
    try:
        results, _, kills = standin.run(root, files, CONTAINER_MB, layers)
    except standin.Unavailable as reason:
        pytest.skip(str(reason))
    jsonschema.validate(results, SCHEMA)
    return results, kills


def by_exercise(results: dict) -> dict[str, list[dict]]:
    tests: dict[str, list[dict]] = {}
    for test in results["tests"]:
        tests.setdefault(test["tags"][0], []).append(test)
    return tests


def solutions() -> dict[str, Path]:
    course = load_course(REPO)
    return {e.module_file: SOLUTIONS / f"{e.id}.py" for e in course.exercises}


@pytest.mark.slow
def test_a_good_submission_scores_every_point(autograder_root):
    results, _ = run_autograder(autograder_root, solutions())
    course = load_course(REPO)
    assert results["score"] == sum(e.points for e in course.exercises)
    assert all(t["status"] == "passed" for t in results["tests"])
    assert set(by_exercise(results)) == {e.id for e in course.exercises}


@pytest.mark.slow
def test_a_repository_submission_with_one_file_missing(autograder_root):
    files = {f"exercises/exercise8/{name}": path for name, path in solutions().items() if name == "train.py"}
    results, _ = run_autograder(autograder_root, files)
    tests = by_exercise(results)
    assert all(t["status"] == "passed" for t in tests["exercise8"])
    for exercise in ("exercise1", "exercise6"):
        assert all(t["score"] == 0 for t in tests[exercise])
        assert "is missing" in json.dumps(tests[exercise]) + results["output"]


@pytest.mark.slow
def test_crashing_submissions_fail_their_checks_and_the_rest_is_graded(autograder_root):
    files = {**solutions(),
             "dydx.py": "import os\nos._exit(3)\n",
             "mlp_backward.py": "import ctypes\ndef mlp_backward(*a, **k):\n    ctypes.string_at(0)\n"}
    results, _ = run_autograder(autograder_root, files)
    tests = by_exercise(results)
    assert results["tests"] and all(t["score"] == 0 for t in tests["exercise1"] + tests["exercise6"])
    assert all(t["status"] == "passed" for t in tests["exercise8"])


@pytest.mark.slow
def test_a_memory_hog_costs_its_checks_not_the_results(autograder_root):
    files = {**solutions(),
             "dydx.py": "def dydx(f, x0):\n    keep = []\n    while True:\n        keep.append(bytearray(50 << 20))\n",
             "mlp_backward.py": ("import torch\ndef mlp_backward(*a, **k):\n    keep = []\n    while True:\n"
                                 "        keep.append(torch.ones(10_000_000))\n")}
    results, oom_kills = run_autograder(autograder_root, files)
    tests = by_exercise(results)
    assert oom_kills == 0, "the container filled up: the limits do not fit it"
    assert all(t["score"] == 0 for t in tests["exercise1"] + tests["exercise6"])
    assert "MemoryError" in tests["exercise1"][0]["output"]
    assert all(t["status"] == "passed" for t in tests["exercise8"]), "the grader survived the hog"


@pytest.mark.slow
def test_student_code_cannot_read_the_hidden_checks(autograder_root):
    hidden = sorted((autograder_root / "source/course/exercises/exercise1/hidden").glob("test_*.py"))[0]
    files = {**solutions(), "dydx.py": (
        "def dydx(f, x0):\n"
        f"    raise RuntimeError(open({str(hidden)!r}).read()[:400])\n")}
    results, _ = run_autograder(autograder_root, files)
    text = json.dumps(results)
    assert "Permission denied" in text
    assert "def test_" not in text and "@pytest.mark" not in text


@pytest.mark.slow
def test_without_a_way_to_hide_the_hidden_checks_nothing_is_graded(autograder_root):
    results, _ = run_autograder(autograder_root, solutions(), layers="seccomp")  # no uid drop, no Landlock
    assert results["score"] == 0 and results["tests"] == []
    assert "hidden checks would be readable by student code" in results["output"]


@pytest.mark.slow
@pytest.mark.parametrize("breakage", ["unreadable configuration", "no interpreter"])
def test_a_grader_that_cannot_run_still_leaves_a_results_file(autograder_root, breakage):
    """The driver's own error result, and run_autograder's when the driver never ran."""
    target = autograder_root / ("source/" + gradescope.CONFIG if breakage == "unreadable configuration"
                                else "venv/bin/python")
    moved = target.with_name(target.name + ".moved")
    target.rename(moved)
    try:
        if breakage == "unreadable configuration":
            target.write_text("{")
        results, _ = run_autograder(autograder_root, solutions())
    finally:
        target.unlink(missing_ok=True)
        moved.rename(target)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Grading failed, so this is not your grade")
