"""``grade watch``: re-grade a student's files each time they are saved, from one warm session.

Trusted process. One ``GradingSession`` stays open (torch, pytest, the checks and the course's
modules loaded; the zygote ready) and every re-grade goes through it exactly as ``grade`` does:
fresh children forked from the clean zygote, so nothing of one run reaches the next.

Saves are found by polling ``os.stat`` of each watched path every ``POLL_SECONDS``: a changed
inode, size or timestamp is a save, so an editor that writes a new file and renames it over the
old one is seen like one that writes in place, and a moment with no file at all (between the
two) is waited out. A file that changes while it is graded is graded again. The course's own
files (an exercise's metadata, checks, harness, support) are polled less often; a change there
reloads the course and starts a new session, and a course that no longer loads is named in one
line until it is fixed. Polling an idle file costs the watcher 0.2-0.4% of one core (measured by
``benchmarks/watch.py``), too little to justify a file-notification library as a dependency.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from grader.errors import GraderError
from grader.exercises import METADATA, Course, Exercise, display
from grader.formats import changes, sanitize
from grader.report.model import ExerciseReport
from grader.session import GradingSession
from grader.submission import load_submission

POLL_SECONDS = 0.05  # how often the student's files are looked at
COURSE_POLLS = 10  # the course's files are looked at every this many polls (0.5 s)

Jobs = list[tuple[Exercise, list[Path]]]


def interrupt(*_) -> None:
    raise KeyboardInterrupt


def file_state(path: Path) -> tuple | None:
    """What tells one save from the next: inode, size, modification and change times."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


def course_files(exercise: Exercise) -> list[Path]:
    """The course files an exercise's grading reads in the trusted process or the zygote."""
    return [exercise.folder / METADATA, exercise.harness_path, exercise.support_path, exercise.instructor_path,
            *exercise.public_tests, *exercise.hidden_tests]


def course_state(jobs: Jobs) -> dict:
    return {path: file_state(path) for exercise, _ in jobs for path in course_files(exercise)}


class Watch:
    """Grade each job once, then again whenever its files change, until interrupted.

    ``load`` gives the course and its (exercise, files) jobs; it runs again when the course
    changes. ``echo`` prints one line; ``clock`` names the time of a result.
    """

    def __init__(self, load: Callable[[], tuple[Course, Jobs]], seed: int | None, secret: bytes | None,
                 echo: Callable[[str], None], clock: Callable[[], str] = lambda: time.strftime("%H:%M:%S")):
        self.load, self.seed, self.secret, self.echo, self.clock = load, seed, secret, echo, clock
        self.previous: dict[str, ExerciseReport] = {}

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM (both end as ``KeyboardInterrupt``): the session is
        closed (its zygote stopped, its folders removed) and this returns."""
        previous = signal.signal(signal.SIGTERM, interrupt)
        try:
            course, jobs = self.load()
            watched = ", ".join(display(p) for _, paths in jobs for p in paths)
            self.echo(f"watching {sanitize.one_line(watched, changes.LINE_CHARS)}: saving re-grades (Ctrl-C to stop)")
            while True:
                exercises = list({exercise.id: exercise for exercise, _ in jobs}.values())
                with GradingSession(course, exercises, seed=self.seed, secret=self.secret) as session:
                    self.serve(session, jobs)
                course, jobs = self.reload(jobs)
        except KeyboardInterrupt:
            self.echo("stopped watching")
        finally:
            signal.signal(signal.SIGTERM, previous)

    def serve(self, session: GradingSession, jobs: Jobs) -> None:
        """Grade every job, then each job whose files change; return when the course changes."""
        seen = {exercise.id: None for exercise, _ in jobs}
        course_seen = course_state(jobs)
        polls = 0
        while True:
            for exercise, paths in jobs:
                state = [file_state(p) for p in paths]
                # the first run grades whatever is there; later, a file missing for a moment
                # (an editor's save by rename) is waited for
                if state != seen[exercise.id] and (seen[exercise.id] is None or None not in state):
                    seen[exercise.id] = state
                    self.grade(session, exercise, paths)
            polls += 1
            if polls % COURSE_POLLS == 0:
                now = course_state(jobs)
                changed = sorted({display(p) for p in {*now, *course_seen} if now.get(p) != course_seen.get(p)})
                if changed:
                    self.echo(f"the course changed ({sanitize.one_line(', '.join(changed), changes.LINE_CHARS)}): "
                              "reloading it")
                    return
            time.sleep(POLL_SECONDS)

    def grade(self, session: GradingSession, exercise: Exercise, paths: list[Path]) -> None:
        started = time.perf_counter()
        report = session.grade([load_submission(exercise, paths, label=display(paths[0]))])[0]
        seconds = time.perf_counter() - started
        for line in changes.lines(report, self.previous.get(exercise.id), seconds, self.clock()):
            self.echo(line)
        self.previous[exercise.id] = report

    def reload(self, jobs: Jobs) -> tuple[Course, Jobs]:
        """The course again; while it does not load, say why once and wait for the next change."""
        state = course_state(jobs)
        said = None
        while True:
            try:
                return self.load()
            except GraderError as error:
                if str(error) != said:
                    said = str(error)
                    self.echo(f"the course does not load: {sanitize.one_line(said, changes.LINE_CHARS)}; "
                              f"waiting for it to be fixed")
            while course_state(jobs) == state:
                time.sleep(POLL_SECONDS * COURSE_POLLS)
            state = course_state(jobs)
