"""What a view produces, and how it reaches its reader (stdout, a file, ``$GITHUB_OUTPUT``).

A view is a pure function from finished reports to an ``Output``; ``deliver`` is the only code
that writes it, called by the CLI. Documents (JSON, XML) are bytes in UTF-8 whatever the
terminal's encoding; the terminal view's text is encoded for the stream it goes to, with anything
that encoding lacks spelled as a backslash escape rather than a crash.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.formats import sanitize


@dataclass(frozen=True)
class Settings:
    """Everything a view may need beyond the reports, read once at the edge (the CLI).

    ``encoding``, ``width``, ``color`` and ``terminal``: the stream the text view goes to.
    ``hidden_visibility``: Gradescope's visibility for hidden checks. ``github_output``: the file
    ``$GITHUB_OUTPUT`` names, where the Classroom view also appends its ``result``.
    """

    verbose: bool = False
    encoding: str = "utf-8"
    width: int = 100
    color: str | None = None  # rich's color system, None for none
    terminal: bool = False
    hidden_visibility: str = "after_published"
    github_output: Path | None = None


@dataclass
class FileWrite:
    path: Path
    data: bytes
    append: bool = False  # append (``$GITHUB_OUTPUT``, shared with other steps) or replace atomically


@dataclass
class Output:
    """``text`` for the terminal (str) or a document (bytes); ``files`` to write beside it; ``notes``:
    one-line remarks for stderr (e.g. that a run worth 0 points reports nothing to Classroom)."""

    text: str | bytes = b""
    files: list[FileWrite] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_file(self, path: Path) -> Output:
        """The same output with its document written to ``path`` instead of stdout."""
        data = self.text if isinstance(self.text, bytes) else self.text.encode("utf-8")
        return Output(b"", [FileWrite(path, data), *self.files], self.notes)


class Labels:
    """A check's name in a flat list of tests: its title, prefixed by the submission's file and the
    exercise when the run has several of them (so names stay unique and short)."""

    def __init__(self, reports):
        self.exercise = len({r.exercise["id"] for r in reports}) > 1
        self.submission = len({r.submission["path"] for r in reports}) > 1

    def __call__(self, report, title: str) -> str:
        parts = [report.submission["path"]] if self.submission else []
        parts += [report.exercise["id"]] if self.exercise else []
        return sanitize.one_line(": ".join([*parts, title]))


def deliver(output: Output, stream=None) -> None:
    """Write the files, then the text (stdout by default). Raises ``OSError`` if a file cannot be
    written; the caller reports it."""
    for write in output.files:
        if write.append:
            with open(write.path, "ab") as handle:
                handle.write(write.data)
        else:
            replace(write.path, write.data)
    stream = stream or sys.stdout
    if output.text:
        write_text(output.text, stream)


def write_text(text: str | bytes, stream) -> None:
    """Write to a text stream without ever failing on its encoding: bytes go to its buffer as
    they are; text is encoded with the stream's own encoding, backslash-escaping what it lacks."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    data = text if isinstance(text, bytes) else text.encode(encoding, errors="backslashreplace")
    buffer = getattr(stream, "buffer", None)
    stream.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode(encoding if not isinstance(text, bytes) else "utf-8", errors="replace"))
        stream.flush()


def replace(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a temporary file in the same folder, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o644)  # a results file others read (Gradescope's harness, a CI step)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
