"""The grader's own failures, each with the exit code the CLI documents.

A student's crash, timeout or wrong gradient is never one of these: it is data in the report.
These are for problems with how the grader was called or set up, or with the grader itself.

This module is the one place that maps a failure to an exit code. A failure that happens while a
submission is graded is written into its report as ``error.kind`` (``report_kind`` below) and
comes back to its exit code through ``from_report``, so the CLI never matches kinds or messages.
"""

from __future__ import annotations

EXIT_OK = 0  # grading completed, whatever the score
EXIT_INVALID = 1  # grade validate: a claim about the course failed (its table says which)
EXIT_USAGE = 2  # the command line names something that does not exist
EXIT_COURSE = 3  # the course is broken
EXIT_INTERNAL = 4  # the sandbox could not run, or a bug in the grader
EXIT_ISOLATION = 5  # isolation below what --require-isolation asks for; nothing graded
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT


class GraderError(Exception):
    """Base class. ``str(error)`` is one line for the user: what is wrong and how to fix it."""

    exit_code = EXIT_INTERNAL
    report_kind = "grader"  # how a report's ``error.kind`` names this failure


class UsageProblem(GraderError):
    """The command line names something that does not exist (an exercise, a file, a view)."""

    exit_code = EXIT_USAGE


class CourseError(GraderError):
    """The course is broken: malformed exercise metadata, tests that do not load, points that disagree."""

    exit_code = EXIT_COURSE
    report_kind = "course"


class CourseBug(CourseError):
    """An exercise's own code found a mistake in the course while checking (a check declared with
    points its case is not worth, a case that cannot be drawn): the run ends as a broken course
    (exit 3), never as a student's failed check."""


class SandboxError(GraderError):
    """The sandbox could not be started or stopped answering."""

    exit_code = EXIT_INTERNAL


class ReportInvalid(GraderError):
    """A report failed validation against the shipped schema (a bug in the grader)."""

    exit_code = EXIT_INTERNAL


class IsolationTooWeak(GraderError):
    """``--require-isolation`` asked for more isolation than this machine gives."""

    exit_code = EXIT_ISOLATION


REPORT_KINDS = {"grader": GraderError, "course": CourseError}  # "submission" is the student's: data


def from_report(error: dict | None) -> GraderError | None:
    """The grader failure a report's ``error`` records, or None (no error, or the submission's own
    problem: a missing or unparsable file is a score of 0, not a failed run)."""
    if not error or error.get("kind") not in REPORT_KINDS:
        return None
    return REPORT_KINDS[error["kind"]](error["message"])
