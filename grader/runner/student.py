"""The ``student`` fixture: the student's code, reachable only through the sandbox.

A test calls ``student.call("entry", **plain_args)``: a fresh confined child imports the student's
file and runs that harness entry; the decoded plain-data result comes back, or the check fails
with a message and hint that say what the student's code did instead. Every call's captured
output is kept for the report (shown for visible checks only).

A submission costs a bounded time whatever it does. One whose file does not import (it raises,
hangs, crashes or exhausts a limit while being imported) is judged once: every later call of
its checks gets that first outcome without a child. And calls that did not return in time (or
died) may together spend at most ``FAILED_CALLS_BUDGET`` call wall limits; once they have, the
remaining calls fail at once, saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from grader.checks.diagnose import AUTOGRAD_HINT, hint_for_exception
from grader.checks.failures import StudentCallFailed
from grader.sandbox.outcome import CallOutcome, Limits
from grader.sandbox.pool import Sandbox
from grader.submission import Submission

FAILED_CALLS_BUDGET = 2  # wall limits that a submission's timed-out or crashed calls may spend in all
UNFINISHED = ("timeout", "crashed", "protocol", "too_large")  # a call that did not finish as it should
JUDGED = object()  # ``answers`` key: the outcome of a file that did not import, reused for every call
SPENT = object()  # ``answers`` key: seconds spent so far in calls that did not finish


@dataclass
class Student:
    submission: Submission
    sandbox: Sandbox
    limits: Limits
    outcomes: list[CallOutcome] = field(default_factory=list)
    flags: list[tuple[str, str | None]] = field(default_factory=list)  # (text, brief)
    answers: dict = field(default_factory=dict)  # shared by the submission's checks: call_once's
    # answers, and the submission's judgement (``JUDGED``) and spent budget (``SPENT``)

    @property
    def exercise(self):
        return self.submission.exercise

    def outcome(self, entry: str, **args) -> CallOutcome:
        """Run a harness entry in a fresh child and return what happened, whatever it was."""
        budget = FAILED_CALLS_BUDGET * self.limits.wall_seconds
        if self.submission.problem:
            outcome = CallOutcome(status="unavailable", detail=self.submission.problem)
        elif JUDGED in self.answers:
            outcome = replace(self.answers[JUDGED], stdout="", stderr="", output_truncated=False)
        elif self.answers.get(SPENT, 0.0) >= budget:
            outcome = CallOutcome(status="unavailable", detail=(
                f"not run: this submission's calls that did not finish already took {budget:g} s, "
                f"its whole budget; make them finish within {self.limits.wall_seconds:g} s each"))
        else:
            outcome = self.sandbox.call(
                {
                    "module_name": self.exercise.module_name,
                    "module_file": self.exercise.module_file,
                    "files": self.submission.files,
                    "harness": self.exercise.id,
                    "entry": entry,
                    "args": args,
                    "forbidden": list(self.exercise.forbidden),
                },
                self.limits,
            )
            self.judge(outcome)
        self.outcomes.append(outcome)
        return outcome

    def judge(self, outcome: CallOutcome) -> None:
        """Remember a failed import for every later call, and count what unfinished calls cost."""
        if outcome.phase == "import" and not outcome.ok:
            self.answers[JUDGED] = outcome
        if outcome.status in UNFINISHED:
            self.answers[SPENT] = self.answers.get(SPENT, 0.0) + outcome.duration

    def call(self, entry: str, function: str | None = None, **args):
        """The entry's value; a failed check (message and hint) if the call did not return one."""
        outcome = self.outcome(entry, **args)
        if outcome.ok:
            return outcome.value
        raise explain(outcome, function or self.exercise.defines[0], self.exercise.module_file, self.limits,
                      by_hand="autograd" in self.exercise.forbidden)

    def call_once(self, key: str, entry: str, function: str | None = None, **args):
        """``call``, made once per submission for each ``key`` (a case's name): the checks of
        one case share its answer, or fail with the same explanation. The answers live as long as
        the submission's run, so a batch does not accumulate them."""
        if key not in self.answers:
            try:
                self.answers[key] = (self.call(entry, function, **args), None)
            except StudentCallFailed as failure:
                self.answers[key] = (None, failure)
        value, failure = self.answers[key]
        if failure is not None:
            raise failure
        return value

    def flag(self, text: str, brief: str | None = None) -> None:
        """Note something for a reviewer (e.g. "looks like finite differences"): no deduction.

        ``brief`` is what a hidden check shows instead: nothing the student's answer can steer
        (a measured error could carry the inputs out), like a failure's brief.
        """
        self.flags.append((text, brief))

    def captured_output(self) -> str:
        parts = []
        for outcome in self.outcomes:
            text = outcome.stdout + outcome.stderr
            if outcome.output_truncated:
                text += f"\n[output cut at {self.limits.output_kb} KiB]"
            if text:
                parts.append(text)
        return "".join(parts)


def explain(outcome: CallOutcome, function: str, module_file: str, limits: Limits,
            by_hand: bool = False) -> StudentCallFailed:
    """A student-facing account of a call that did not return a value.

    Each failure has a full message (visible checks) and a fixed ``brief`` for hidden checks:
    anything the student's code can choose (an exception's text or type name, an exit status, a
    line number, a size) could carry a hidden check's inputs out, so the brief holds none of it.
    """
    if outcome.status == "unavailable":  # the submission itself cannot run: nothing hidden in it
        return StudentCallFailed(outcome.detail)
    if outcome.phase == "import" and outcome.status in ("timeout", "crashed"):
        what = "did not finish importing" if outcome.status == "timeout" else "ended abnormally while being imported"
        return StudentCallFailed(
            f"{module_file} {what}: {outcome.detail.strip()}; no check could run",
            brief=f"{module_file} {what}",
            hint="Put experiments and long-running code under `if __name__ == \"__main__\":`; "
                 "importing your file should only define functions.",
        )
    if outcome.status == "timeout":
        return StudentCallFailed(
            f"{function} did not finish: {outcome.detail}",
            brief=f"{function} did not finish in time",
            hint="Look for a loop that never ends, or work far larger than the exercise needs.",
        )
    if outcome.status == "too_large":
        return StudentCallFailed(
            f"{function} returned more data than the {limits.result_mb} MB limit allows",
            hint="Return only what the exercise asks for.",
        )
    if outcome.status == "protocol":
        return StudentCallFailed(
            f"the process running {function} wrote an invalid result ({outcome.detail})",
            brief=f"the process running {function} wrote an invalid result",
            hint="Do not write to file descriptors your code did not open.",
        )
    if outcome.status == "crashed":
        return StudentCallFailed(
            f"the process running {function} ended abnormally: {outcome.detail}",
            brief=f"the process running {function} ended abnormally",
            hint="Don't call sys.exit(), os._exit() or kill the process; return the result instead.",
        )
    error = outcome.error
    where = f" at line {error['where']['line']} of {module_file}" if error["where"] else ""
    staff = error["traceback"] or None
    hint = hint_for_exception(error["type"], error["message"], outcome.warnings, by_hand)
    if error["type"] == "NotImplementedError" and error["where"]:
        return StudentCallFailed(
            f"{function} is not implemented yet: the stub still raises NotImplementedError{where}",
            brief=f"{function} is not implemented yet",
            hint=f"Replace the `raise NotImplementedError` in {module_file} with your solution.",
            not_implemented=True,
        )
    if error["type"] == "AutogradForbidden":
        return StudentCallFailed(
            f"{function} used autograd{where}, which this exercise forbids",
            brief=f"{function} used autograd, which this exercise forbids",
            hint=AUTOGRAD_HINT,
        )
    if outcome.phase == "after":
        return StudentCallFailed(
            f"{function} returned, but {error['message']}",
            brief=f"{function} left code of its own in place after returning",
            hint="Exit every mode you enter, join every thread you start, and leave signal handlers, "
                 "timers, hooks and the libraries' functions as you found them before returning.",
        )
    if error["harness"]:
        return StudentCallFailed(f"{function} {error['message']}",
                                 brief=f"{function} returned a value of the wrong kind", hint=hint)
    message = f": {error['message']}" if error["message"] else ""
    if outcome.phase == "import":
        if error["type"] == "SystemExit":
            return StudentCallFailed(
                f"{module_file} called sys.exit() while being imported{where}",
                brief=f"{module_file} exited while being imported",
                hint="Remove top-level code that exits; put experiments under "
                     "`if __name__ == \"__main__\":`.",
            )
        return StudentCallFailed(
            f"{module_file} failed to import: {error['type']}{where}{message}",
            brief=f"{module_file} failed to import",
            hint=hint or f"The file must import without errors: run `python {module_file}` to see the problem.",
            staff=staff,
        )
    return StudentCallFailed(
        f"{function} raised {error['type']}{where}{message}",
        brief=f"{function} raised an exception",
        hint=hint,
        staff=staff,
    )
