"""The exercise format names what the student defines: functions, or classes with their methods.

``exercise.json``'s ``classes`` (exercise10's ``MySigmoid`` and ``MyLinear``) is checked like
``functions``: the metadata needs one of the two, and ``grade validate``'s statement row holds
the statement to the stub's class, bases and method signatures.
"""

from __future__ import annotations

import json
import shutil

import pytest

from grader import validate
from grader.errors import CourseError
from grader.exercises import load_exercise
from tests.helpers import REPO


@pytest.fixture
def exercise10(tmp_path):
    folder = tmp_path / "exercises" / "exercise10"
    shutil.copytree(REPO / "exercises" / "exercise10", folder, ignore=shutil.ignore_patterns("variants", "hidden"))
    return folder


def test_classes_are_what_exercise10_defines(exercise10):
    exercise = load_exercise(exercise10)
    assert exercise.functions == ()
    assert exercise.classes == (("MySigmoid", ("forward", "backward")), ("MyLinear", ("forward", "backward")))
    assert exercise.defines == ("MySigmoid", "MyLinear")
    row = validate.statement_row(exercise)
    assert row.ok and row.detail == "MySigmoid, MyLinear"


def test_metadata_needs_functions_or_classes(exercise10):
    metadata = exercise10 / "exercise.json"
    data = json.loads(metadata.read_text())
    del data["classes"]
    metadata.write_text(json.dumps(data))
    with pytest.raises(CourseError, match="exercise.json"):
        load_exercise(exercise10)


@pytest.mark.parametrize("change, problem", [
    (("def backward(ctx, grad_output: torch.Tensor) -> torch.Tensor: ...",
      "def backward(ctx, grad: torch.Tensor) -> torch.Tensor: ..."), "MySigmoid.backward"),
    (("class MyLinear(torch.autograd.Function):", "class MyLinear(torch.nn.Module):"), "MyLinear.(bases)"),
    (("class MySigmoid(torch.autograd.Function):", "class Sigmoid(torch.autograd.Function):"),
     "no `class MySigmoid(...)`"),
])
def test_statement_must_show_the_stub_class_signatures(exercise10, change, problem):
    statement = exercise10 / "README.md"
    old, new = change
    assert old in statement.read_text()
    statement.write_text(statement.read_text().replace(old, new, 1))
    row = validate.statement_row(load_exercise(exercise10))
    assert not row.ok and problem in row.detail
