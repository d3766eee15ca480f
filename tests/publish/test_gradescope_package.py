"""``grade gradescope-package``: what the zip holds, and ``run_autograder`` against a stand-in root.

The slow tests unpack the zip into a temporary folder standing in for ``/autograder``, run its
``setup.sh`` once (a venv with torch from the local wheel cache and the vendored grader), then run
``run_autograder`` per submission inside a memory cgroup of Gradescope's 768 MB, with only the
layers a Gradescope container usually allows (no user namespaces, so no netns, bubblewrap or
scratch mount; Landlock off): ``GRADER_LAYERS=uid_drop,seccomp``. Every run must leave a
``results.json`` valid against Gradescope's schema.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import uuid
import zipfile
from contextlib import contextmanager
from pathlib import Path

import jsonschema
import pytest

from grader.exercises import load_course
from grader.publish import autograder, gradescope
from grader.sandbox.policy import NOBODY
from tests.helpers import REPO, SOLUTIONS, run_cli

SCHEMA = json.loads((REPO / "tests/formats/schemas/gradescope-results.schema.json").read_text())
CONTAINER_MB = 768
GRADESCOPE_LAYERS = "uid_drop,seccomp"
HOSTILE = Path(__file__).parent / "submissions"


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

@contextmanager
def memory_cgroup(limit_mb: int):
    """A memory cgroup of ``limit_mb`` (v2, or v1's memory controller) with no swap; yields the
    file a process writes its pid into to join it, and a function reading the peak usage in MB."""
    v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/memory")
    name = f"grader-test-{uuid.uuid4().hex[:8]}"
    if (v2 / "cgroup.controllers").is_file() and "memory" in (v2 / "cgroup.subtree_control").read_text():
        group, files, peak = v2 / name, {"memory.max": limit_mb << 20, "memory.swap.max": 0}, "memory.peak"
    elif (v1 / "memory.limit_in_bytes").is_file():
        group, peak = v1 / name, "memory.max_usage_in_bytes"
        files = {"memory.limit_in_bytes": limit_mb << 20, "memory.memsw.limit_in_bytes": limit_mb << 20}
    else:
        pytest.skip("no writable memory cgroup here")
    try:
        group.mkdir()
    except OSError as exc:
        pytest.skip(f"cannot make a memory cgroup: {exc}")
    try:
        for file, value in files.items():
            if (group / file).exists():
                (group / file).write_text(str(value))
        yield group / "cgroup.procs", lambda: int((group / peak).read_text()) >> 20
    finally:
        group.rmdir()


def extract(archive: Path, into: Path) -> None:
    """Unpack like Gradescope does, modes included."""
    with zipfile.ZipFile(archive) as zipped:
        for item in zipped.infolist():
            zipped.extract(item, into)
            (into / item.filename).chmod(item.external_attr >> 16 & 0o777)


@pytest.fixture(scope="module")
def autograder_root():
    """A stand-in /autograder after setup.sh: outside pytest's private temp folders, since the
    children's uid must reach the venv, and built on /usr/bin/python3 (not under /root)."""
    if not Path("/usr/bin/python3").is_file():
        pytest.skip("needs a system /usr/bin/python3")
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    root.chmod(0o755)
    try:
        package(root / "autograder.zip")
        extract(root / "autograder.zip", root / "source")
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": "/usr/bin/python3",
               "TORCH_INDEX_URL": ""}  # this machine reaches PyPI and a local torch wheel, not torch's index
        setup = subprocess.run(["bash", str(root / "source/setup.sh")], env=env, capture_output=True,
                               text=True, timeout=900)
        assert setup.returncode == 0, setup.stderr[-3000:]
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_autograder(root: Path, files: dict[str, Path | str], layers: str = GRADESCOPE_LAYERS) -> tuple[dict, int]:
    """Stand a submission in ``submission/`` and run run_autograder in a 768 MB cgroup; return
    the validated results.json and the cgroup's peak memory in MB."""
    submitted = root / "submission"
    shutil.rmtree(submitted, ignore_errors=True)
    submitted.mkdir()
    for name, source in files.items():
        (submitted / name).parent.mkdir(parents=True, exist_ok=True)
        (submitted / name).write_text(source.read_text() if isinstance(source, Path) else source)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_LAYERS": layers}
    with memory_cgroup(CONTAINER_MB) as (procs, peak):
        subprocess.run(["sh", "-c", f'echo $$ > "{procs}" && exec bash "$0"', str(root / "source/run_autograder")],
                       env=env, timeout=600, check=True)
        peak_mb = peak()
    results = json.loads((root / "results/results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    return results, peak_mb


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
    results, peak_mb = run_autograder(autograder_root, files)
    tests = by_exercise(results)
    assert peak_mb <= CONTAINER_MB
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
