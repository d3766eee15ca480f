"""The grader's pytest plugin, loaded into the trusted process's in-process pytest run.

Exercise tests are ordinary pytest files. This plugin gives them their fixtures:

- ``student``: the student's code behind the sandbox (``grader.runner.student.Student``);
- ``rng``: a ``torch.Generator`` seeded for the test's own stream (its name);
- ``case_seed``: ``case_seed(name)`` is the seed of a named case several checks share;
- ``case``: ``case(name, draw, *args)`` is ``draw(generator, *args)`` with a generator seeded
  for the named case, drawn once per submission and shared by the checks that name it;
- ``points``: the test's own ``points`` marker (the only place its points are written);
- ``harness``: the exercise's ``harness.py``, imported here too, to rebuild what the student got;
- ``support``: the exercise's optional ``support.py`` (trusted references and diagnosis: the
  part a student release ships);
- ``instructor``: the exercise's optional ``hidden/instructor.py`` (mutants, hidden cases: never
  in a student release), which sees ``support`` as a global; None where it is absent;

and reads ``@pytest.mark.points(n)`` (required, an integer) from each test. ``student.call_once``
shares one sandboxed call between the checks of a case; its answers, like the drawn cases, live in
the submission's ``ExerciseRun``. An exercise's code that raises ``grader.errors.CourseError``
(``CourseBug``) ends the run as a broken course, never as the student's failed check. Visibility comes from
where the file lives: tests under the exercise's ``hidden/`` folder are hidden. Seeds follow
``grader.seeds``: a hidden check's streams are keyed by the course secret when there is one.
Running never prints: outcomes are collected into ``CheckResult`` objects for the report.

A hidden check shows nothing its student code can steer freely: its message is a fixed brief,
its time is not reported, its flags are their fixed briefs, its output is not kept.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.checks.failures import CheckFailed, StudentCallFailed
from grader.errors import CourseError, SandboxError
from grader.exercises import Exercise
from grader.report.model import HIDDEN_FAILURE, CheckResult
from grader.runner.student import Student
from grader.sandbox.pool import Sandbox
from grader.seeds import Seeding
from grader.submission import Submission

MAX_MESSAGE = 2000
HIDDEN_FLAG = "for review: a hidden check raised a flag"  # a hidden flag without a brief of its own


@dataclass
class ExerciseRun:
    """One exercise of the submission being graded in this pytest run."""

    exercise: Exercise
    submission: Submission
    seeding: Seeding
    checks_folder: Path  # where this run's copies of the exercise's test files are
    results: list[CheckResult] = field(default_factory=list)
    layers_seen: dict | None = None  # layers every child of this exercise reported in force
    flags: list[str] = field(default_factory=list)  # for a reviewer, raised by the checks
    answers: dict = field(default_factory=dict)  # student.call_once's answers, by case
    cases: dict = field(default_factory=dict)  # the ``case`` fixture's draws, by (name, hidden)

    def note_layers(self, layers: dict) -> None:
        if self.layers_seen is None:
            self.layers_seen = dict(layers)
        else:
            self.layers_seen = {k: v and layers.get(k, False) for k, v in self.layers_seen.items()}


class GraderPlugin:
    def __init__(self, runs: list[ExerciseRun], sandbox: Sandbox, modules: dict | None = None):
        """``modules``: the exercises' own modules by path, kept by a session between its runs."""
        self.runs = {run.checks_folder: run for run in runs}
        self.sandbox = sandbox
        self.problems: list[str] = []
        self.sandbox_failure: str | None = None
        self.interrupted = False
        self._modules: dict[Path, object] = {} if modules is None else modules
        self._phases: dict[str, list] = {}

    # ---------------------------------------------------------------- configuration

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "points(n): the integer points this check is worth")
        config.pluginmanager.register(FailureReports(), "grader-failure-reports")

    def pytest_keyboard_interrupt(self, excinfo):
        self.interrupted = self.interrupted or isinstance(excinfo.value, KeyboardInterrupt)

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr).strip().splitlines()
            self.problems.append(f"{report.nodeid}: cannot be loaded: {text[-1] if text else 'error'}")

    def pytest_collection_modifyitems(self, session, config, items):
        for item in items:
            marker = item.get_closest_marker("points")
            if marker is None or len(marker.args) != 1 or type(marker.args[0]) is not int or marker.args[0] < 0:
                self.problems.append(f"{item.nodeid}: needs @pytest.mark.points(n) with an integer n >= 0")
            elif self.run_for(item) is None:
                self.problems.append(f"{item.nodeid}: is not inside an exercise folder")
        if self.problems:
            config.hook.pytest_deselected(items=list(items))
            items[:] = []

    def run_for(self, item) -> ExerciseRun | None:
        path = Path(item.path)
        for folder in (path.parent, path.parent.parent):
            if folder in self.runs:
                return self.runs[folder]
        return None

    # ---------------------------------------------------------------- fixtures

    @pytest.fixture
    def student(self, request) -> Student:
        run = self.run_for(request.node)
        student = Student(run.submission, self.sandbox, run.exercise.limits, answers=run.answers)
        request.node.grader_student = student
        return student

    @pytest.fixture
    def case_seed(self, request):
        """``case_seed(name)``: the seed of the named case, for this check's visibility."""
        seeding, hidden = self.run_for(request.node).seeding, is_hidden(request.node)
        return lambda name: seeding.stream(name, hidden)

    @pytest.fixture
    def rng(self, request, case_seed):
        import torch

        return torch.Generator().manual_seed(case_seed(request.node.name))

    @pytest.fixture
    def case(self, request, case_seed):
        """``case(name, draw, *args)``: the named case, drawn once per submission."""
        import torch

        run, hidden = self.run_for(request.node), is_hidden(request.node)

        def get(name: str, draw, *args, **kwargs):
            key = (name, hidden)
            if key not in run.cases:
                generator = torch.Generator().manual_seed(case_seed(name))
                run.cases[key] = draw(generator, *args, **kwargs)
            return run.cases[key]

        return get

    @pytest.fixture
    def points(self, request) -> int:
        """The check's points, as its marker says."""
        return request.node.get_closest_marker("points").args[0]

    @pytest.fixture
    def harness(self, request):
        return self.course_module(self.run_for(request.node).exercise.harness_path)

    @pytest.fixture
    def support(self, request):
        return self.course_module(self.run_for(request.node).exercise.support_path)

    @pytest.fixture
    def instructor(self, request):
        exercise = self.run_for(request.node).exercise
        if not exercise.instructor_path.is_file():
            return None
        support = self.course_module(exercise.support_path)
        return self.course_module(exercise.instructor_path, support=support)

    def course_module(self, path: Path, **provided):
        """Import an exercise's own module (instructor code) once, by file path; ``provided``
        names are its globals before it runs."""
        if path not in self._modules:
            hidden = path.parent.name == "hidden"
            name = f"grader_course_{(path.parent.parent if hidden else path.parent).name}_{'hidden_' * hidden}{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            vars(module).update(provided)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self._modules[path] = module
        return self._modules[path]

    # ---------------------------------------------------------------- outcomes

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        made = yield
        report = made.get_result()
        self._phases.setdefault(item.nodeid, []).append((call, report))
        if call.when == "teardown":
            run = self.run_for(item)
            run.results.append(self.check_result(item, run, self._phases.pop(item.nodeid)))

    def check_result(self, item, run: ExerciseRun, phases) -> CheckResult:
        hidden = is_hidden(item)
        points = item.get_closest_marker("points").args[0]
        result = CheckResult(
            name=item.name,
            title=check_title(item),
            status="passed",
            points=points,
            max_points=points,
            visibility="hidden" if hidden else "visible",
            duration=None if hidden else round(sum(report.duration for _, report in phases), 4),
        )
        earned = 0
        for call, report in phases:
            if report.failed or report.skipped:
                if call.excinfo is not None and isinstance(call.excinfo.value, SandboxError):
                    self.sandbox_failure = str(call.excinfo.value)
                if call.excinfo is not None and isinstance(call.excinfo.value, CourseError):
                    self.problems.append(f"{item.nodeid}: {call.excinfo.value}")
                describe_failure(result, call, report, hidden)
                earned = partial_credit(call, points)
                break
        if result.status != "passed":
            result.points = earned
        student = getattr(item, "grader_student", None)
        if student is not None:
            for outcome in student.outcomes:
                if outcome.layers:
                    run.note_layers(outcome.layers)
            run.flags.extend((brief or HIDDEN_FLAG) if hidden else text for text, brief in student.flags)
            if not hidden:
                result.output = student.captured_output() or None
        return result


class FailureReports:
    """A failed check's report, without the traceback pytest would format for it.

    No view shows pytest's text for a check's own failure (a ``CheckFailed``, an
    ``AssertionError``): the result is built from the exception itself. Formatting it walks and
    parses the source of every frame, which made a submission failing every check cost many times
    one passing them all. Anything else (a bug in the course or the grader) keeps pytest's
    report, whose text becomes the staff detail.
    """

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        error = call.excinfo.value if call.excinfo is not None else None
        if call.when != "call" or not isinstance(error, AssertionError):
            return None
        return pytest.TestReport(item.nodeid, item.location, dict.fromkeys(item.keywords, 1), "failed",
                                 f"{type(error).__name__}: {error}", call.when, duration=call.duration,
                                 start=call.start, stop=call.stop, user_properties=item.user_properties)


def is_hidden(item) -> bool:
    """Tests under the exercise's ``hidden/`` folder are hidden."""
    return Path(item.path).parent.name == "hidden"


def check_title(item) -> str:
    """The first docstring line; a parametrised test's parameters fill its ``{name}`` fields
    (or are appended in brackets)."""
    doc = (getattr(item.obj, "__doc__", None) or "").strip().splitlines()
    title = doc[0] if doc else item.name
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return title
    try:
        formatted = title.format(**callspec.params)
    except (KeyError, IndexError, ValueError):
        formatted = title
    return formatted if formatted != title else f"{title} [{callspec.id}]"


def partial_credit(call, points: int) -> int:
    """The points a failed check still earns: a ``CheckFailed``'s own, never the full amount."""
    error = call.excinfo.value if call.excinfo is not None else None
    if call.when != "call" or not isinstance(error, CheckFailed) or type(error.points) is not int:
        return 0
    return max(0, min(error.points, points - 1))


def describe_failure(result: CheckResult, call, report, hidden: bool) -> None:
    """Fill a failed check's status, message and hint; hidden checks show no introspection."""
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, CheckFailed):
        result.status = "failed"
        if not hidden:
            result.message = error.message[:MAX_MESSAGE]
            result.details = dict(error.details)
            result.staff = error.staff
        else:
            result.message = error.brief if isinstance(error, StudentCallFailed) else HIDDEN_FAILURE
        result.hint = error.hint
        if isinstance(error, StudentCallFailed) and error.not_implemented:
            result.details["not_implemented"] = True
    elif call.when == "call" and isinstance(error, AssertionError):
        result.status = "failed"
        result.message = HIDDEN_FAILURE if hidden else (str(error).strip() or "assertion failed")[:MAX_MESSAGE]
    else:
        result.status = "error"
        result.message = "this check could not run: an error in the grader or the course, not in your code"
        result.staff = None if hidden else str(report.longrepr)[-MAX_MESSAGE:]
