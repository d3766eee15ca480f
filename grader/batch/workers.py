"""Worker processes for ``grade batch``: each holds one ``GradingSession`` (one torch import, one
warm zygote, one staged copy of the checks) and grades one student's submissions at a time.

Trusted side. A worker is a fresh interpreter (``spawn``: the instructor's process imports no
torch and holds no state a fork would copy). It talks to the batch over two queues: tasks in
(``(index, [Submission...])``, ``None`` to stop), events out:

    ("ready", worker, isolation)         the sandbox started at that isolation level
    ("refused", worker, message)         isolation below what the batch requires: nothing graded
    ("done", worker, index, document, feedback)
                                         the submission's bundle document (JSON text, validated
                                         against the schema) and the student's feedback (the
                                         terminal view, without staff detail)
    ("failed", worker, message)          the worker failed outside any submission (its sandbox, the course)

A worker dies with the batch (``PR_SET_PDEATHSIG``) and stops on SIGTERM; either way its session
closes, so its zygote, children and temporary folders go with it. SIGINT (Ctrl-C at the
terminal) is left to the batch, which then stops its workers this way.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

PR_SET_PDEATHSIG = 1
CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Plan:
    """What every worker needs to build its session (plain data: it crosses to a new interpreter)."""

    course_root: Path
    exercise_ids: tuple[str, ...]
    seed: int | None
    require: str | None


class Stopping(BaseException):
    """Raised in a worker by SIGTERM: stop grading, close the session, exit. pytest swallows any
    exception raised while it runs, so ``stopping`` also remembers it: a run cut short is never
    sent as a submission's reports."""


stopping: list[bool] = []


def serve(worker: int, plan: Plan, tasks, events) -> None:
    """The worker's main loop (the target of its process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    die_with_parent()
    from grader.errors import GraderError, IsolationTooWeak
    from grader.exercises import load_course
    from grader.report import model
    from grader.seeds import read_secret
    from grader.session import GradingSession

    try:
        course = load_course(plan.course_root)
        exercises = [course.resolve(name) for name in plan.exercise_ids]
        with GradingSession(course, exercises, seed=plan.seed, secret=read_secret()) as session:
            try:
                expected = session.require_isolation(plan.require)
            except IsolationTooWeak as refusal:
                events.put(("refused", worker, str(refusal)))
                return
            events.put(("ready", worker, expected["level"]))
            while (task := tasks.get()) is not None:
                index, submissions = task
                reports = session.grade(submissions)
                if stopping:
                    break
                document = model.to_json(model.bundle(reports, session.versions()))  # validated here, in parallel
                events.put(("done", worker, index, document, feedback(reports)))
    except Stopping:
        pass
    except GraderError as error:
        events.put(("failed", worker, str(error)))
    except Exception as error:  # noqa: BLE001 - the batch reports it as an internal failure
        events.put(("failed", worker, f"internal error in a worker: {type(error).__name__}: {error}"))


def feedback(reports) -> str:
    """What to hand back to the student: the terminal view of each exercise, as a student's own
    run of it shows it (every check with its message and hint), and the total."""
    from grader.formats import terminal
    from grader.formats.output import Settings

    return terminal.render(reports, {}, False, Settings(encoding="utf-8", width=100)).text


def stop(_signum, _frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the session's close must not be cut short
    stopping.append(True)
    raise Stopping


def die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this worker when the batch process dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


class Worker:
    """The batch's handle on one worker process and the submission it is grading."""

    def __init__(self, number: int, plan: Plan, events):
        self.number = number
        self.tasks = CONTEXT.Queue()
        self.process = CONTEXT.Process(target=serve, args=(number, plan, self.tasks, events),
                                       name=f"grade-batch-worker-{number}", daemon=True)
        ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)  # inherited: Ctrl-C during its start-up
        try:                                                     # is the batch's to handle, not a traceback
            self.process.start()
        finally:
            signal.signal(signal.SIGINT, ignored)
        self.ready = False
        self.current: int | None = None  # the index of the submission it grades
        self.started = 0.0  # when it started grading it (monotonic)

    def give(self, index: int, submissions, now: float) -> None:
        self.current, self.started = index, now
        self.tasks.put((index, submissions))

    def finish(self) -> None:
        """Ask the worker to stop once idle (its queue's end)."""
        self.tasks.put(None)

    def terminate(self, grace_seconds: float = 10.0) -> None:
        """Stop the worker now: SIGTERM (its session closes), SIGKILL if it does not leave in time."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(grace_seconds)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.tasks.cancel_join_thread()
        self.tasks.close()

    def join(self, timeout: float) -> None:
        self.process.join(timeout)
        if self.process.is_alive():
            self.terminate()
        else:
            self.tasks.cancel_join_thread()
            self.tasks.close()
