"""Grade submissions against a course: one warm zygote, one in-process pytest run per submission.

``GradingSession`` starts the sandbox zygote first thing (it imports torch on the other core while
this process imports pytest and torch), runs the exercises' public and hidden tests with the
grader's plugin and nothing else (no conftest, no ini file, no plugin autoload, no cache), and
builds one ``ExerciseReport`` per exercise. A student's crash, timeout or wrong answer is data in
a report; only a broken course or a broken sandbox raises.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import platform
import shutil
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.checks.scan import scan_for_autograd
from grader.errors import CourseError, GraderError, IsolationTooWeak
from grader.exercises import Course, Exercise, display
from grader.report.model import ExerciseReport, to_json
from grader.sandbox import clean, isolation
from grader.sandbox.fallback import SubprocessSandbox
from grader.sandbox.pool import Sandbox, Zygote
from grader.seeds import Seeding, seeding
from grader.submission import Submission, load_submission

if TYPE_CHECKING:
    from grader.runner.plugin import ExerciseRun, GraderPlugin

SANDBOX_ENV = "GRADER_SANDBOX"  # "subprocess" forces the no-fork fallback (as on Windows)
# pytest's plugins a grading run has no use for: outputs no view shows (junitxml, pastebin), other
# ways to run (doctest, unittest, stepwise, setup-only plans, subtests, the debugger), log capture
# (handlers added and removed around every phase of every check), and the unraisable-exception
# and thread-exception hooks, whose garbage collection at every run's end walked every object
# torch had made (0.2 s of a 0.7 s exercise1 grading).
UNUSED_PLUGINS = ("pastebin", "junitxml", "doctest", "unittest", "stepwise", "setuponly", "setupplan",
                  "subtests", "debugging", "logging", "unraisableexception", "threadexception", "faulthandler")
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTEST_ADDOPTS": "", "PYTEST_PLUGINS": ""}


class GradingSession:
    """A grading run over one course; use as a context manager so the zygote is stopped.

    ``seed`` is ``--seed`` (None: by the rule in ``grader.seeds``); ``secret`` the course secret
    that keys hidden checks' inputs (None in a student's run). The secret stays in this process.
    """

    def __init__(self, course: Course, exercises: list[Exercise], seed: int | None = None,
                 secret: bytes | None = None):
        self.course = course
        self.exercises = exercises
        self.seed = seed
        self._secret = secret
        self._course_modules: dict = {}  # the exercises' own modules, imported once per session
        self._checks = None
        self.sandbox = start_sandbox({e.id: e.harness_path for e in exercises}, course.root)
        try:
            self._checks = tempfile.TemporaryDirectory(prefix="grader-checks-")
            self.checks_folders = stage_checks(exercises, Path(self._checks.name))
        except BaseException:  # a course file gone meanwhile, a Ctrl-C: nothing is left running
            self.close()
            raise

    def close(self) -> None:
        self.sandbox.close()
        if self._checks is not None:
            forget_modules(Path(self._checks.name), self._course_modules)
            self._checks.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def require_isolation(self, required: str | None) -> dict:
        """Refuse (``IsolationTooWeak``) before any student code runs if the probe shows less
        isolation than ``required`` (strong, partial or weak); return what children will get."""
        import torch  # noqa: F401 - imported here while the zygote imports it on the other core

        info = self.sandbox.wait_ready()
        expected = isolation.describe(getattr(self.sandbox, "promised_layers", None))
        if required and isolation.weaker(expected["level"], required):
            raise IsolationTooWeak(isolation.shortfall(expected, info.get("probe") or {}, required))
        return expected

    def versions(self) -> dict:
        info = self.sandbox.info
        return {
            "grader": __version__,
            "python": platform.python_version(),
            "torch": info.get("torch") or torch_version(),
            "pytest": pytest_version(),
        }

    def grade(self, submissions: list[Submission]) -> list[ExerciseReport]:
        """Grade one student's submissions (one per exercise) in a single pytest run.

        Never raises for a broken course or sandbox: every submission still gets a report,
        with ``status: error`` and an ``error`` that says what failed.
        """
        # pytest is imported here, not with this module: a first run starts the zygote sooner,
        # and pytest loads while the zygote imports torch
        from grader.runner.plugin import ExerciseRun, GraderPlugin

        runs = [ExerciseRun(s.exercise, s, self.seeding_for(s), self.checks_folders[s.exercise.id])
                for s in submissions]
        plugin = GraderPlugin(runs, self.sandbox, self._course_modules)
        try:
            self.check_harnesses(runs)
            files = [str(p) for run in runs for p in staged_tests(run.checks_folder)]
            run_pytest(files, Path(self._checks.name), plugin)
            if plugin.interrupted:  # pytest caught the Ctrl-C: what it ran is no grade
                raise KeyboardInterrupt
            if plugin.problems:
                raise CourseError(plugin.problems[0])
            return [self.written_report(run, plugin.sandbox_failure) for run in runs]
        except GraderError as error:
            return [self.failed_report(run, error.report_kind, str(error)) for run in runs]

    def check_harnesses(self, runs: list[ExerciseRun]) -> None:
        """Fail as a course error if an exercise's harness did not import in the sandbox."""
        import torch  # noqa: F401 - imported here while the zygote imports it on the other core

        errors = self.sandbox.wait_ready().get("harness_errors", {})
        for run in runs:
            if run.exercise.id in errors:
                raise CourseError(f"{display(run.exercise.harness_path)} does not import in the "
                                  f"sandbox: {errors[run.exercise.id]}")

    def written_report(self, run: ExerciseRun, sandbox_failure: str | None) -> ExerciseReport:
        """``report``'s report once it validates and serialises (``to_json``); else one that says why.

        A report that cannot be built or written is its submission's alone to lose: it becomes
        that submission's error report, and every other submission keeps its own.
        """
        try:
            report = self.report(run, sandbox_failure)
            to_json(report.to_dict())
            return report
        except CourseError as error:
            return self.failed_report(run, "course", str(error))
        except Exception as error:  # noqa: BLE001 - whatever one report trips, the others are written
            return self.failed_report(run, "grader", clean.text(
                f"the report for this submission could not be written: {type(error).__name__}: {error}"))

    def failed_report(self, run: ExerciseRun, kind: str, message: str) -> ExerciseReport:
        """A schema-valid report for a submission that could not be graded at all."""
        return self.new_report(run, status="error", score=0, max_score=run.exercise.points, tests=[],
                               isolation=isolation.describe(None, run.exercise.limits),
                               error={"kind": kind, "message": message})

    def new_report(self, run: ExerciseRun, **fields) -> ExerciseReport:
        exercise = run.exercise
        return ExerciseReport(
            exercise={"id": exercise.id, "slug": exercise.slug, "title": exercise.title},
            submission={"path": run.submission.label, "files": dict(run.submission.digests),
                        **({"commit": run.submission.commit} if run.submission.commit else {})},
            seed=run.seeding.base,
            seeding=run.seeding.record(),
            limits=exercise.limits.as_dict(),
            versions=self.versions(),
            **fields,
        )

    def seeding_for(self, submission: Submission) -> Seeding:
        exercise = submission.exercise
        return seeding(exercise.id, exercise.default_seed, bool(exercise.hidden_tests),
                       submission.digests, self.seed, self._secret)

    def report(self, run: ExerciseRun, sandbox_failure: str | None) -> ExerciseReport:
        exercise, submission = run.exercise, run.submission
        if not run.results:
            raise CourseError(f"{exercise.id}: no checks found in {exercise.folder}")
        max_score = sum(t.max_points for t in run.results)
        has_hidden = bool(exercise.hidden_tests)
        if has_hidden and max_score != exercise.points:
            raise CourseError(
                f"{exercise.id}: exercise.json says {exercise.points} points but its tests add up to {max_score}"
            )
        if max_score > exercise.points:
            raise CourseError(
                f"{exercise.id}: its public tests add up to {max_score} points, more than the "
                f"{exercise.points} of exercise.json"
            )
        flags = []
        if not has_hidden and exercise.points > max_score:
            flags.append(f"public checks only: hidden checks worth {exercise.points - max_score} "
                         f"more points run when your instructor grades")
        flags.extend(review_flags(run))
        error = None
        if submission.problem:
            error = {"kind": "submission", "message": submission.problem}
        if sandbox_failure:
            error = {"kind": "grader", "message": sandbox_failure}
        return self.new_report(
            run,
            status="error" if sandbox_failure else "graded",
            score=sum(t.points for t in run.results),
            max_score=max_score,
            tests=run.results,
            isolation=isolation.describe(run.layers_seen, exercise.limits),
            flags=flags,
            error=error,
            duration=public_duration(run.results),
        )


@dataclass
class GradedRun:
    """What a run of ``grade`` produced: one report per (submission, exercise), and the versions."""

    reports: list[ExerciseReport]
    versions: dict
    bundle: bool  # one student's exercises graded together (``grade all``): one document


def grade_jobs(course: Course, jobs: list[tuple[Exercise, list[Path]]], *, seed: int | None = None,
               secret: bytes | None = None, require: str | None = None, together: bool = False) -> GradedRun:
    """Grade each (exercise, files) job with one warm zygote and return the finished reports.

    ``together``: the jobs are one student's exercises (``grade all``), graded in one pytest run;
    otherwise each job is a submission of its own. ``require``: the lowest isolation level
    accepted; below it nothing is graded (``IsolationTooWeak``), checked before any student code
    runs and again on every report. A grading failure is in the reports (``status: error``);
    only a refusal to grade raises.
    """
    exercises = list({exercise.id: exercise for exercise, _ in jobs}.values())
    with GradingSession(course, exercises, seed=seed, secret=secret) as session:
        if require:
            session.require_isolation(require)
        submissions = [load_submission(e, paths, label=display(paths[0])) for e, paths in jobs]
        groups = [submissions] if together else [[s] for s in submissions]
        reports = [report for group in groups for report in session.grade(group)]
        versions = session.versions()
    below = [r for r in reports
             if require and r.status == "graded" and isolation.weaker(r.isolation["level"], require)]
    if below:
        raise IsolationTooWeak(f"a child ran at isolation level {below[0].isolation['level']}, below the "
                               f"required {require}; nothing is reported; run 'grade doctor'")
    return GradedRun(reports, versions, bundle=together)


def public_duration(results) -> float:
    """The visible checks' time: a hidden check's time is a channel its student code controls
    (a submission that sleeps in proportion to an input), so neither it nor a total including it
    is reported."""
    return round(sum(t.duration for t in results if t.visibility == "visible"), 3)


def review_flags(run: ExerciseRun) -> list[str]:
    """Flags for a reviewer: the checks' own (e.g. "looks like finite differences") and, where
    the exercise forbids autograd, what the static scan found in the student's files."""
    flags = list(dict.fromkeys(run.flags))
    if "autograd" in run.exercise.forbidden:
        for name, content in run.submission.files.items():
            flags.extend(f"for review (autograd is forbidden here): {finding.describe()}"
                         for finding in scan_for_autograd(name, content))
    return flags


def start_sandbox(harnesses: dict[str, Path], course_root: Path | None = None) -> Sandbox:
    """The zygote where the platform can fork; otherwise a fresh interpreter per call."""
    if hasattr(os, "fork") and os.environ.get(SANDBOX_ENV, "zygote") != "subprocess":
        return Zygote(harnesses, course_root=course_root, layers=isolation.chosen_layers())
    return SubprocessSandbox(harnesses)


def staged_tests(folder: Path) -> list[Path]:
    """Public tests first, then hidden ones, each in name order."""
    return [*sorted(folder.glob("test_*.py")), *sorted((folder / "hidden").glob("test_*.py"))]


def stage_checks(exercises: list[Exercise], root: Path) -> dict[str, Path]:
    """Copy each exercise's test files into a private folder; pytest runs them from there.

    pytest imports the packages a test file sits in, so running tests in place would let an
    ``__init__.py`` (or anything else) lying beside them in a student's checkout run in this
    process. The copies sit in a folder nothing else writes to.
    """
    folders = {}
    for exercise in exercises:
        folder = root / exercise.id
        (folder / "hidden").mkdir(parents=True)
        for test in exercise.public_tests:
            shutil.copyfile(test, folder / test.name)
        for test in exercise.hidden_tests:
            shutil.copyfile(test, folder / "hidden" / test.name)
        folders[exercise.id] = folder
    return folders


def forget_modules(checks_root: Path, course_modules: dict) -> None:
    """Drop a closed session's test and course modules from ``sys.modules``.

    pytest keeps a test module imported by name (``exercise1.test_exercise1_public``, from its
    path under the staging folder) and reuses it in a later run: a later session, over a course
    that changed meanwhile (``grade watch``), must import the new files, not find the old ones.
    """
    for module in course_modules.values():
        sys.modules.pop(module.__name__, None)
    course_modules.clear()
    root = str(checks_root)
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(root + os.sep):
            del sys.modules[name]


def run_pytest(files: list[str], rootdir: Path, plugin: GraderPlugin) -> str:
    """Run pytest in this process with only our plugin and configuration; return its log.

    The log is pytest's own terminal output, kept for debugging the course, never shown to a
    student: results travel through the plugin.
    """
    import pytest

    ini = resources.files("grader.runner").joinpath("pytest.ini")
    args = [
        *files,
        "-c", str(ini),
        "--rootdir", str(rootdir),
        "--noconftest",
        "-p", "no:cacheprovider",
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "--import-mode=importlib",
        "-q",
        "--color=no",
    ]
    saved = {key: os.environ.get(key) for key in PYTEST_ENV}
    os.environ.update(PYTEST_ENV)
    log = io.StringIO()
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            pytest.main(args, plugins=[plugin])
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return log.getvalue()


@functools.cache
def torch_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("torch")
    except Exception:  # noqa: BLE001 - a version string is information, not a requirement
        return None


def pytest_version() -> str:
    import pytest

    return pytest.__version__

