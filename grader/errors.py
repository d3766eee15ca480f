"""The grader's own failures, each with the exit code the CLI documents.

A student's crash, timeout or wrong gradient is never one of these: it is data in the report.
These are for problems with how the grader was called or set up, or with the grader itself.
"""


class GraderError(Exception):
    """Base class. ``str(error)`` is one line for the user: what is wrong and how to fix it."""

    exit_code = 4


class UsageProblem(GraderError):
    """The command line names something that does not exist (an exercise, a file)."""

    exit_code = 2


class CourseError(GraderError):
    """The course is broken: malformed exercise metadata, tests that do not load, points that disagree."""

    exit_code = 3


class CourseBug(CourseError):
    """An exercise's own code found a mistake in the course while checking (a check declared with
    points its case is not worth, a case that cannot be drawn): the run ends as a broken course
    (exit 3), never as a student's failed check."""


class SandboxError(GraderError):
    """The sandbox could not be started or stopped answering."""

    exit_code = 4


class ReportInvalid(GraderError):
    """A report failed validation against the shipped schema (a bug in the grader)."""

    exit_code = 4


class IsolationTooWeak(GraderError):
    """``--require-isolation`` asked for more isolation than this machine gives."""

    exit_code = 5
