"""A student's files for one exercise, read and parsed in the trusted process, never executed.

Parsing here (with ``ast``, which runs nothing) lets a file that does not parse get one clear
line ("dydx.py line 3: SyntaxError: ...") before any sandbox starts.
"""

from __future__ import annotations

import ast
import hashlib
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


def load_submission(exercise: Exercise, paths: list[Path], label: str | None = None) -> Submission:
    """Read the student's files (in the order of ``exercise.student_files``) and parse them."""
    submission = Submission(exercise=exercise, label=clean.text(label or str(paths[0])))
    for name, path in zip(exercise.student_files, paths, strict=True):
        problem = read_one(submission, name, path)
        if problem and submission.problem is None:
            submission.problem = clean.text(problem)
    return submission


def read_one(submission: Submission, name: str, path: Path) -> str | None:
    submission.digests[name] = None
    try:
        size = path.stat().st_size
        if not path.is_file():
            return f"{path} is not a file"
        if size > MAX_FILE_BYTES:
            return f"{name} is {size // 1024} KiB; a submission file may be at most {MAX_FILE_BYTES // 1024} KiB"
        content = path.read_bytes()
    except FileNotFoundError:
        return f"{name} is missing (looked for {path})"
    except OSError as exc:
        return f"{name} cannot be read: {exc.strerror}"
    submission.files[name] = content
    submission.digests[name] = hashlib.sha256(content).hexdigest()
    return parse(name, content)


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
