"""How a check says it failed: a message for the student, a hint, details for the report.

Checks raise ``CheckFailed`` (usually through ``fail``). The grader's pytest plugin turns it into
the report's message and hint; a hidden test's plain ``assert`` shows no introspection at all.
"""

from __future__ import annotations


class CheckFailed(AssertionError):
    """A failed check. ``points``: partial credit it still earns (capped below the check's max)."""

    def __init__(self, message: str, hint: str | None = None, details: dict | None = None,
                 staff: str | None = None, points: int = 0):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details or {}
        self.staff = staff
        self.points = points


class StudentCallFailed(CheckFailed):
    """The student's code did not return a value: it raised, crashed, hung or broke the protocol.

    ``not_implemented`` is set when the stub's NotImplementedError is still in place. ``brief``
    is what a hidden check shows instead of the message: it leaves out everything the student's
    code could choose, which could carry the hidden inputs out.
    """

    def __init__(self, message: str, hint: str | None = None, staff: str | None = None,
                 not_implemented: bool = False, brief: str | None = None):
        super().__init__(message, hint=hint, staff=staff)
        self.not_implemented = not_implemented
        self.brief = brief or message


TAMPER_HINT = (
    "Don't interfere with the grader's harness, its hooks or its pipes; return what the "
    "exercise asks for."
)


def require_intact(intact: bool, what: str, detail: str = "", hint: str = TAMPER_HINT) -> None:
    """Fail unless a harness's answer came back as the harness always sends it.

    The harness runs beside the student's code, so an answer of the wrong structure was forged
    in the child: ``what`` names it ("dydx's answers"), ``detail`` says what was wrong, ``hint``
    may say it in the exercise's terms.
    """
    if not intact:
        fail(f"{what} did not come back intact from its sandbox{detail}", hint=hint)


def fail(message: str, hint: str | None = None, points: int = 0, **details) -> None:
    """Fail the current check with a student-facing message, an optional hint, and the integer
    ``points`` of partial credit it still earns (e.g. one per verified training step)."""
    raise CheckFailed(message, hint=hint, details=details, points=points)
