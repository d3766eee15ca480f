"""A student's files for one exercise, read and parsed in the trusted process, never executed.

Parsing here (with ``ast``, which runs nothing) lets a file that does not parse get one clear
line ("dydx.py line 3: SyntaxError: ...") before any sandbox starts.

A submission is data, never a path into the grader's machine: a student's file is read only if it
is a regular file inside its submission (``root``), at most ``MAX_FILE_BYTES``. A symbolic link
that leaves the submission (a git clone or a zip can hold one, aimed at the reference solution or
at any file the grader can read), a device, a FIFO or a socket is refused with a line that says
so, and nothing of its target is read.
"""

from __future__ import annotations

import ast
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.exercises import Exercise
from grader.sandbox import clean

MAX_FILE_BYTES = 1 << 20


@dataclass
class Submission:
    """What one student handed in for one exercise.

    ``problem`` is a one-line, student-facing reason the files cannot be graded at all (missing,
    too large, not UTF-8, does not parse); every check then fails with it, and the report says so.
    Both it and ``label`` may quote what the student chose (a file name, a character the parser
    refused): they are capped and cleaned like everything a child sends (``sandbox.clean``).
    """

    exercise: Exercise
    label: str
    files: dict[str, bytes] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)
    problem: str | None = None
    commit: str | None = None  # the git commit the files were read from, when they came from one


def load_submission(exercise: Exercise, paths: list[Path], label: str | None = None,
                    root: Path | None = None) -> Submission:
    """Read the student's files (in the order of ``exercise.student_files``) and parse them.

    ``root`` is the submission's folder: every file must resolve inside it (by default, each
    file's own folder).
    """
    contents = {name: read_file(name, path, root or path.parent)
                for name, path in zip(exercise.student_files, paths, strict=True)}
    return from_contents(exercise, label or str(paths[0]), contents)


def from_contents(exercise: Exercise, label: str, contents: dict[str, bytes | str]) -> Submission:
    """A submission from each student file's content (bytes) or the reason it has none (str)."""
    submission = Submission(exercise=exercise, label=clean.text(label))
    for name in exercise.student_files:
        content = contents.get(name, f"{name} is missing")
        problem = accept(submission, name, content) if isinstance(content, bytes) else content
        submission.digests.setdefault(name, None)
        if problem and submission.problem is None:
            submission.problem = clean.text(problem)
    return submission


def accept(submission: Submission, name: str, content: bytes) -> str | None:
    submission.files[name] = content
    submission.digests[name] = hashlib.sha256(content).hexdigest()
    return parse(name, content)


def read_file(name: str, path: Path, root: Path, cap: int = MAX_FILE_BYTES) -> bytes | str:
    """The content of a student's file, or one line saying why it is not read (see the module);
    ``cap`` is the size past which it is not read."""
    try:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(os.path.realpath(root)):
            return f"{name} is a symbolic link that leads out of the submission; submit the file itself"
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return f"{name} is missing (looked for {path})"
    except OSError as exc:
        return f"{name} cannot be read: {exc.strerror}"
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return f"{name} is not a regular file (a folder, device, FIFO or socket); submit the file itself"
        if info.st_size > cap:
            return too_large(name, info.st_size)
        content = handle.read(info.st_size + 1)  # not ``cap + 1``: that many bytes would be allocated
        if len(content) > info.st_size:  # it grew while being read
            content += handle.read(cap + 1 - len(content))
    return too_large(name, len(content)) if len(content) > cap else content


def too_large(name: str, size: int) -> str:
    return f"{name} is {size // 1024} KiB; a submission file may be at most {MAX_FILE_BYTES // 1024} KiB"


def parse(name: str, content: bytes) -> str | None:
    """Parse Python source without running it; a problem is one line naming file and line."""
    try:
        ast.parse(content, filename=name)
        return None
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        return f"{name}{where}: {type(exc).__name__}: {exc.msg}; fix it so that the file runs"
    except (ValueError, UnicodeDecodeError) as exc:
        return f"{name}: cannot be parsed: {exc}"
    except RecursionError:
        return f"{name}: nested too deeply for Python to parse"
    except MemoryError:
        return f"{name}: too large or deeply nested for Python to parse"
