"""Shared fixtures: the repository's course, warm grading sessions. Helpers: ``tests/helpers.py``."""

from __future__ import annotations

import pytest

from grader.exercises import load_course
from tests.helpers import EXAMPLES, REPO, SOLUTIONS, Grader, run_cli  # noqa: F401 - re-exported


@pytest.fixture(scope="session")
def course():
    return load_course(REPO)


@pytest.fixture(scope="module")
def grader1(course, tmp_path_factory):
    grader = Grader(course, "exercise1", tmp_path_factory.mktemp("ex1"))
    yield grader
    grader.close()


@pytest.fixture(scope="module")
def grader8(course, tmp_path_factory):
    grader = Grader(course, "exercise8", tmp_path_factory.mktemp("ex8"))
    yield grader
    grader.close()


@pytest.fixture(scope="module")
def grader6(course, tmp_path_factory):
    grader = Grader(course, "exercise6", tmp_path_factory.mktemp("ex6"))
    yield grader
    grader.close()
