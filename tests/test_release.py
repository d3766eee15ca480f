"""A student release's file set: it carries no instructor-only name, and its public checks run.

The set is ``grader.release.student_files`` (what a student release would carry). Instructor-only
names are the top-level names that ``hidden/instructor.py`` defines (mutants, hidden cases) and the
reference solution's helpers; none may be importable from any module the release ships.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys

import pytest

from grader.exercises import load_course
from grader.release import student_files
from tests.helpers import REPO, SOLUTIONS, Grader


def defined_names(path) -> set[str]:
    """Names a module binds at its top level by def, class or assignment (not by import)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def instructor_names(exercise) -> set[str]:
    names = set()
    if exercise.instructor_path.is_file():
        names |= defined_names(exercise.instructor_path) - {"support"}
    solution = SOLUTIONS / f"{exercise.id}.py"
    if solution.is_file():
        stub = set().union(*(defined_names(p) for p in exercise.student_paths()))
        names |= defined_names(solution) - stub
    return names


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    for relative in student_files(REPO):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / relative, root / relative)
    return root


def test_the_release_leaves_out_hidden_variants_and_solutions(release):
    files = [str(p) for p in student_files(REPO)]
    assert not any("/hidden/" in f or "/variants/" in f or f.startswith("solutions") for f in files)
    assert "exercises/exercise6/support.py" in files and "exercises/exercise6/harness.py" in files
    assert not (release / "exercises" / "exercise6" / "hidden").exists()


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")  # public tests' points marker
@pytest.mark.parametrize("exercise_id", [e.id for e in load_course(REPO).exercises])
def test_no_instructor_only_name_can_be_imported_from_the_release(release, exercise_id):
    exercise = load_course(REPO).resolve(exercise_id)
    secret = instructor_names(exercise)
    student = {p.name for p in exercise.student_paths()}
    for path in sorted((release / "exercises" / exercise_id).glob("*.py")):
        if path.name in student:
            continue
        name = f"release_{exercise_id}_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        finally:
            del sys.modules[name]
        leaked = secret & set(vars(module))
        assert not leaked, f"{path.name} defines instructor-only names: {sorted(leaked)}"


def test_exercise6_keeps_its_mutants_and_hidden_cases_on_the_instructor_side():
    exercise = load_course(REPO).resolve("exercise6")
    assert {"backprop", "mutants", "HIDDEN_CASES", "draw_hidden"} <= instructor_names(exercise)


@pytest.mark.sandbox
@pytest.mark.parametrize("exercise_id", [e.id for e in load_course(REPO).exercises])
def test_public_checks_run_from_the_release(release, exercise_id, tmp_path):
    course = load_course(release)
    grader = Grader(course, exercise_id, tmp_path)
    try:
        report = grader.file(SOLUTIONS / f"{exercise_id}.py")
    finally:
        grader.close()
    assert report.status == "graded" and report.tests
    assert all(t.visibility == "visible" and t.status == "passed" for t in report.tests)
    assert report.score == report.max_score
