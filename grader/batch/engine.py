"""``grade batch``: grade a whole class, in parallel, writing each report as it completes.

Trusted process; it imports no torch and runs nothing of a student's: it finds the submissions,
reads the students' files as data (``discovery``), hands each student's submissions to a worker
(``workers``: one grading session each), writes what comes back (``outputs``) and tells the
reporter (``progress``). Every submission gets a report, whatever it did: a worker that dies
while grading one, or takes longer than the submission's budget, is replaced, and that
submission's report says what happened.

``--resume`` skips a submission whose report was written from the same key: its files (and
commit), the course's exercise folders, the grader's version, ``--seed``, the course secret's
fingerprint, the deadline and, with ``--template``, what ``tamper`` found (the template's
fingerprint and the changes: a changed template, or a newly changed protected file, re-grades).
Isolation: a batch refuses to grade below ``require`` (checked by each worker before any student
code runs, and again on every report).

``--shard I/N`` grades only the shard's slice of the discovered submissions (``shard``); the
manifest (``manifest``), written when the batch starts and again when it ends, records the slice
and what every shard of the class must share, for ``grade merge``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import queue
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from grader import __version__
from grader.batch import class_files, discovery, manifest, progress, summary, tamper, workers
from grader.batch.outputs import Outputs, file_name
from grader.batch.shard import Shard
from grader.errors import CourseError, IsolationTooWeak, SandboxError
from grader.exercises import Course, Exercise
from grader.report.model import ExerciseReport, bundle, to_json
from grader.runner.student import FAILED_CALLS_BUDGET
from grader.sandbox import isolation
from grader.seeds import key_id, read_secret, seeding

BUDGET_BASE_SECONDS = 30  # a submission's budget: this, plus per exercise its calls' budget and one more wall limit
POLL_SECONDS = 0.2
STOP_SECONDS = 15  # how long a worker may take to close its session when the batch ends


@dataclass(frozen=True)
class Settings:
    submissions: Path
    out: Path
    exercises: tuple[Exercise, ...]
    jobs: int = 1
    resume: bool = False
    deadline: datetime | None = None
    seed: int | None = None
    require: str | None = "partial"
    budget_seconds: float | None = None  # None: ``default_budget``
    template: tamper.Template | None = None  # --template: each bundle gets its ``tampering`` record
    shard: Shard = Shard()


@dataclass
class Item:
    """One student's submission through the batch."""

    found: discovery.Found
    name: str  # its file name in --out
    submissions: list
    key: str
    tampering: dict | None = None
    document: dict | None = None
    seconds: float = 0.0
    resumed: bool = False


@dataclass
class Result:
    items: list[Item]
    summary: dict
    gradebook: Path
    errors: list[dict] = field(default_factory=list)  # reports' grader errors, for the exit code
    page: Path | None = None  # summary.html


def default_budget(exercises) -> float:
    return BUDGET_BASE_SECONDS + sum((FAILED_CALLS_BUDGET + 1) * e.limits.wall_seconds for e in exercises)


def run_batch(course: Course, settings: Settings, reporter) -> Result:
    """Grade every submission in ``settings.submissions``; see the module docstring."""
    secret = read_secret()
    discovered = discovery.discover(settings.submissions)
    found = settings.shard.select(discovered)
    outputs = Outputs(settings.out)
    course_print = course_fingerprint(settings.exercises)
    description = manifest.describe(
        course=course_print, exercises=settings.exercises, seed=settings.seed,
        secret_id=key_id(secret) if secret else None, deadline=settings.deadline,
        template=settings.template.fingerprint if settings.template else None, shard=settings.shard.as_dict(),
        class_ids=[entry.id for entry in discovered], ids=[entry.id for entry in found])
    outputs.write_manifest(description)
    items = []
    for entry in found:
        source = discovery.open_source(entry, settings.deadline)
        submissions = discovery.read_from(source, entry, list(settings.exercises))
        tampering = tamper.check(settings.template, source) if settings.template else None
        key = resume_key(course_print, submissions, settings, secret, tampering)
        items.append(Item(entry, file_name(entry.id), submissions, key, tampering))
    pending = deque()
    for index, item in enumerate(items):
        document = outputs.finished(item.name, item.key) if settings.resume else None
        if document is None:
            pending.append(index)
            outputs.forget(item.name)
        else:
            item.document, item.resumed = document, True
    reporter.start(len(items), len(items) - len(pending))
    try:
        for item in items:
            if item.resumed:
                reporter.graded(graded(item))
        if pending:
            grade_pending(course.root, items, pending, settings, outputs, reporter, secret)
    finally:
        reporter.close()
    documents = [item.document for item in items]
    rows = [(i.found.id, i.document) for i in items]
    written = class_files.write(outputs, settings.exercises, rows, description)
    result = Result(items, summary.summarise(settings.exercises, documents, [i.found.id for i in items]),
                    written.gradebook, page=written.page)
    result.errors = [r["error"] for d in documents for r in d["reports"]
                     if r["error"] and r["error"]["kind"] in ("grader", "course")]
    reporter.finish(result.summary, str(settings.out))
    return result


def grade_pending(course_root: Path, items: list[Item], pending: deque, settings: Settings, outputs: Outputs,
                  reporter, secret) -> None:
    """Hand the pending submissions to workers until each has its report written."""
    plan = workers.Plan(course_root, tuple(e.id for e in settings.exercises),
                        settings.seed, settings.require)
    budget = settings.budget_seconds or default_budget(settings.exercises)
    events = workers.CONTEXT.Queue()
    crew = {n: workers.Worker(n, plan, events) for n in range(max(1, min(settings.jobs, len(pending))))}
    numbers = iter(range(len(crew), 1 << 30))

    def finish(index: int, text: str, feedback: str | None, seconds: float) -> None:
        item = items[index]
        document = json.loads(text)
        if item.tampering is not None:
            document["tampering"] = item.tampering
            text = to_json(document)
        check(document, settings.require)
        item.document, item.seconds = document, seconds
        outputs.write(item.name, text, feedback, item.key)
        reporter.graded(graded(item))

    def replace(worker: workers.Worker, message: str, kind: str) -> None:
        index, seconds = worker.current, time.monotonic() - worker.started
        worker.terminate()
        del crew[worker.number]
        document = failure_document(items[index].submissions, message, kind, settings.seed, secret)
        finish(index, to_json(document), None, seconds)
        number = next(numbers)
        crew[number] = workers.Worker(number, plan, events)

    try:
        while pending or any(w.current is not None for w in crew.values()):
            for worker in crew.values():
                if worker.ready and worker.current is None and pending:
                    index = pending.popleft()
                    worker.give(index, items[index].submissions, time.monotonic())
            for event in drain(events):
                kind, number = event[0], event[1]
                worker = crew.get(number)
                if kind == "ready" and worker:
                    worker.ready = True
                elif kind == "refused":
                    raise IsolationTooWeak(f"{event[2]}; grade batch requires isolation '{settings.require}' "
                                           f"(--require-isolation weak to accept less)")
                elif kind == "failed":
                    raise SandboxError(f"a grading worker failed: {event[2]}")
                elif kind == "done" and worker and worker.current == event[2]:
                    index, seconds = event[2], time.monotonic() - worker.started
                    worker.current = None
                    finish(index, event[3], event[4], seconds)
            now = time.monotonic()
            for worker in list(crew.values()):
                if worker.current is None:
                    if not worker.process.is_alive():
                        raise SandboxError(f"a grading worker exited before grading (exit code "
                                           f"{worker.process.exitcode})")
                elif not worker.process.is_alive():
                    replace(worker, f"the grader's worker process died while grading this submission "
                                    f"(exit code {worker.process.exitcode})", "grader")
                elif now - worker.started > budget:
                    replace(worker, f"grading this submission took longer than its budget of {budget:g} s, "
                                    f"so it was stopped", "submission")
    except BaseException:  # Ctrl-C, or a failure that ends the batch: stop the workers now
        for worker in crew.values():
            worker.process.terminate()
        raise
    finally:
        for worker in crew.values():
            worker.finish()
        deadline = time.monotonic() + STOP_SECONDS
        for worker in crew.values():
            worker.join(max(0.1, deadline - time.monotonic()))
        events.cancel_join_thread()
        events.close()


def drain(events) -> list:
    """The events waiting (waiting up to ``POLL_SECONDS`` for the first)."""
    try:
        found = [events.get(timeout=POLL_SECONDS)]
    except queue.Empty:
        return []
    while True:
        try:
            found.append(events.get_nowait())
        except queue.Empty:
            return found


def check(document: dict, require: str | None) -> None:
    """A report that shows a broken course, or isolation below ``require``, stops the batch."""
    for report in document["reports"]:
        if (report["error"] or {}).get("kind") == "course":
            raise CourseError(report["error"]["message"])
        if require and summary.ran_student_code(report) and isolation.weaker(report["isolation"]["level"], require):
            raise IsolationTooWeak(f"a child ran at isolation level {report['isolation']['level']}, below the "
                                   f"required {require}; run 'grade doctor'")


def graded(item: Item) -> progress.Graded:
    reports = item.document["reports"]
    return progress.Graded(item.found.id, item.seconds, item.document["score"], item.document["max_score"],
                           failed=any((r["error"] or {}).get("kind") in ("grader", "course") for r in reports),
                           resumed=item.resumed)


def failure_document(submissions, message: str, kind: str, seed: int | None, secret: bytes | None) -> dict:
    """A schema-valid bundle for a submission whose grading the batch had to stop."""
    versions = {"grader": __version__, "python": platform.python_version(), "torch": package_version("torch"),
                "pytest": package_version("pytest")}
    reports = []
    for submission in submissions:
        exercise = submission.exercise
        seeds = seeding(exercise.id, exercise.default_seed, bool(exercise.hidden_tests), submission.digests, seed, secret)
        reports.append(ExerciseReport(
            exercise={"id": exercise.id, "slug": exercise.slug, "title": exercise.title},
            submission={"path": submission.label, "files": dict(submission.digests),
                        **({"commit": submission.commit} if submission.commit else {})},
            status="error", score=0, max_score=exercise.points, seed=seeds.base, seeding=seeds.record(),
            tests=[], limits=exercise.limits.as_dict(), isolation=isolation.describe(None, exercise.limits),
            versions=versions, error={"kind": kind, "message": message}))
    return bundle(reports, versions)


def package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def course_fingerprint(exercises) -> str:
    """A digest of every file in the graded exercises' folders (checks, harnesses, hidden tests)."""
    digest = hashlib.sha256()
    for exercise in exercises:
        for path in sorted(p for p in exercise.folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{exercise.id}/{path.relative_to(exercise.folder).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def resume_key(course_print: str, submissions, settings: Settings, secret: bytes | None,
               tampering: dict | None = None) -> str:
    """What a submission's report depends on; ``--resume`` keeps a report only for the same key."""
    return hashlib.sha256(json.dumps({
        "grader": __version__, "course": course_print, "seed": settings.seed,
        **({"tampering": tampering} if tampering is not None else {}),
        "secret": key_id(secret) if secret else None,
        "deadline": settings.deadline.isoformat() if settings.deadline else None,
        "exercises": {s.exercise.id: {"files": s.digests, "problem": s.problem, "commit": s.commit}
                      for s in submissions},
    }, sort_keys=True).encode()).hexdigest()
