"""What ``run_autograder`` runs on Gradescope: grade ``submission/``, always write ``results.json``.

Trusted side, as root in the container. ``python -m grader.publish.autograder`` reads the root
from ``AUTOGRADER_ROOT`` (default ``/autograder``), the package's ``source/autograder.json`` and
its course, grades the exercises it names from the student's files, and writes
``results/results.json`` with the Gradescope view. Anything that stops the grading (a broken
course, a sandbox that does not start, isolation below what the package requires) becomes an
error result that says so; ``run_autograder`` writes one of its own if this process dies.

Hidden checks must stay unreadable by student code. Landlock or bubblewrap hide them where the
container allows; otherwise every child must drop to uid 65534 and that uid must fail to read
them, which is tried here, by dropping to it in a throwaway process, before any student code
runs. If neither holds, nothing is graded.

A student's file is found at ``exercises/<id>/<file>`` in the submission (a repository), at its
top, or anywhere below it; a symbolic link is never followed (it could name the hidden checks).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from grader.errors import GraderError, IsolationTooWeak
from grader.exercises import Exercise, load_course
from grader.formats import gradescope as view
from grader.formats.output import Settings, deliver
from grader.publish.gradescope import COURSE, CONFIG
from grader.sandbox.policy import NOBODY
from grader.sandbox.probe import can_open
from grader.session import GradingSession
from grader.submission import Submission, load_submission

ROOT_ENV = "AUTOGRADER_ROOT"
MAX_SEARCHED = 5000  # entries of a submission searched for a student's file


def main() -> int:
    root = Path(os.environ.get(ROOT_ENV) or "/autograder")
    settings = Settings(hidden_visibility=view.DEFAULT_HIDDEN_VISIBILITY)
    try:
        config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
        settings = Settings(hidden_visibility=config["hidden_visibility"])
        output = view.render(*grade(root, config), bundle=True, settings=settings)
    except Exception as exc:  # noqa: BLE001 - every failure still becomes a results.json
        error = exc if isinstance(exc, GraderError) else GraderError(f"internal error: {type(exc).__name__}: {exc}")
        output = view.render_failure(error, settings)
        print(f"grading failed: {error}", file=sys.stderr)
    deliver(output.to_file(root / "results" / "results.json"))
    return 0


def grade(root: Path, config: dict):
    """The reports for the submission and the versions, or a ``GraderError``."""
    course = load_course(root / "source" / COURSE)
    exercises = [course.resolve(name) for name in config["exercises"]]
    submitted = root / "submission"
    with GradingSession(course, exercises) as session:
        expected = session.require_isolation(config["require_isolation"])
        if expected["hidden_files_readable"]:
            hide_by_uid(expected, course.root / "exercises")
        submissions = [submission(submitted, e) for e in exercises]
        reports = session.grade(submissions)
        versions = session.versions()
    for report in reports:
        if report.status == "graded" and not hidden_from_children(report.isolation):
            raise IsolationTooWeak("a child ran where it could read the hidden checks; nothing is reported")
    return reports, versions


def submission(submitted: Path, exercise: Exercise) -> Submission:
    """The student's files for ``exercise``, or a submission whose problem says which is missing."""
    paths = [locate(submitted, exercise, name) for name in exercise.student_files]
    if None not in paths:
        return load_submission(exercise, paths, label=exercise.module_file)
    missing = exercise.student_files[paths.index(None)]
    return Submission(exercise, label=exercise.module_file, digests=dict.fromkeys(exercise.student_files),
                      problem=f"{missing} is missing from your submission; upload it (at the top, or at "
                              f"exercises/{exercise.id}/{missing})")


def hide_by_uid(expected: dict, exercises: Path) -> None:
    """Refuse unless children drop to ``NOBODY`` and that uid cannot read any hidden file."""
    if not expected["layers"]["uid_drop"]:
        raise IsolationTooWeak("hidden checks would be readable by student code: no Landlock or bubblewrap "
                               "here, and children cannot drop to another uid (run as root, with an "
                               "interpreter outside /root)")
    hidden = [p for p in sorted(exercises.rglob("*")) if "hidden" in p.relative_to(exercises).parts[1:2]]
    exposed = readable_by(NOBODY, [exercises, *hidden])
    if exposed:
        raise IsolationTooWeak(f"hidden checks would be readable by student code: uid {NOBODY} can read "
                               f"{exposed[0]}; make the course private (chmod -R go-rwx), as run_autograder does")


def hidden_from_children(isolation: dict) -> bool:
    """Whether the children of a report could not read the hidden checks (or none ran: a report
    whose files were missing ran no student code)."""
    return (not isolation["isolated"] or not isolation["hidden_files_readable"]
            or bool(isolation["layers"].get("uid_drop")))


def readable_by(uid: int, paths: list[Path]) -> list[str]:
    """Which of ``paths`` a process of ``uid`` (no groups) can read or list: tried, not computed."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        found = [str(p) for p in paths]  # if the drop fails, say everything is readable
        try:
            os.close(read_end)
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            found = [str(p) for p in paths if can_open(str(p))]
        finally:
            os.write(write_end, json.dumps(found).encode())
            os._exit(0)
    os.close(write_end)
    data = b""
    while chunk := os.read(read_end, 1 << 16):
        data += chunk
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(data or b'["(the check did not run)"]')


def locate(submitted: Path, exercise: Exercise, name: str) -> Path | None:
    """Where the student's ``name`` for ``exercise`` is, None if nowhere. Symbolic links are never
    followed."""
    for candidate in (submitted / "exercises" / exercise.id / name, submitted / name):
        if plain_file(candidate, submitted):
            return candidate
    found = []
    for count, (folder, dirs, files) in enumerate(os.walk(submitted)):  # os.walk follows no links
        if count > MAX_SEARCHED:
            break
        dirs.sort()
        if name in files and plain_file(Path(folder) / name, submitted):
            found.append(Path(folder) / name)
    return min(found, key=lambda p: (len(p.parts), str(p))) if found else None


def plain_file(path: Path, top: Path) -> bool:
    """A regular file, reached from ``top`` through no symbolic link."""
    current = path
    while True:
        if current.is_symlink():
            return False
        if current == top or current.parent == current:
            break
        current = current.parent
    return path.is_file()


if __name__ == "__main__":
    sys.exit(main())
