"""Cap and clean what a child sends, where the trusted side takes it in.

Runs in the trusted process. Everything a sandboxed child writes is the student's to choose: an
honest child caps its exception text, but the student's code can raise an exception whose type
name is megabytes long, or write a result frame of its own to the result pipe and leave. So
``outcome.interpret`` passes every decoded message through this module, and the sandboxes pass
the captured output through ``output``, before anything else reads them. After that every string
is bounded and clean, and the rules that read them (hints, reports, every view) may rely on it:

- cleaned: each lone surrogate (U+D800-U+DFFF: no UTF-8 writer can encode one, so a report
  holding one cannot be written) and each control character (C0 but tab and newline, DEL, C1, and
  the bidirectional embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069) becomes
  U+FFFD. One character for one: cleaning never changes a length;
- capped, in characters, with a marker that says how many were cut (``text``): a type name, a
  function name or a dict key at ``MAX_NAME``; a traceback at ``MAX_TRACEBACK``, keeping its end
  (where the exception is); any other string at ``MAX_TEXT``; at most ``MAX_WARNINGS`` warnings;
- a line number outside ``0..MAX_LINE`` is no line number: the error's ``where`` becomes None.

Containers are bounded before this module sees them: ``protocol`` refuses a message whose JSON
head is over ``protocol.MAX_HEAD_BYTES`` or nests deeper than ``protocol.MAX_DEPTH``.
"""

from __future__ import annotations

import re

MAX_NAME = 200  # a type name, a function name, a dict key
MAX_TEXT = 4000  # an exception's message, a warning, any other string (as the child cuts them)
MAX_TRACEBACK = 8000  # the end of a traceback (as the child keeps it)
MAX_WARNINGS = 20
MAX_LINE = 10_000_000

REPLACEMENT = "\ufffd"
# One character class, no quantifier: matching is linear in the text.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text(value: str, cap: int = MAX_TEXT, keep_end: bool = False) -> str:
    """``value`` cut to ``cap`` characters plus a marker (its start kept, or its end), and cleaned."""
    if len(value) > cap:
        cut = f"[{len(value) - cap} characters cut]"
        value = f"{cut}…{value[-cap:]}" if keep_end else f"{value[:cap]}…{cut}"
    return UNSAFE.sub(REPLACEMENT, value)


def value(tree):
    """A decoded value with every string (``MAX_TEXT``) and dict key (``MAX_NAME``) capped and cleaned.

    Other leaves (numbers, bytes, tensors) are returned as they are; the depth is the protocol's.
    """
    kind = type(tree)
    if kind is str:
        return text(tree)
    if kind is list:
        return [value(item) for item in tree]
    if kind is tuple:
        return tuple(value(item) for item in tree)
    if kind is dict:
        return {text(key, MAX_NAME): value(item) for key, item in tree.items()}
    return tree


def warnings(items: list[str]) -> list[str]:
    """The first ``MAX_WARNINGS`` warnings, each capped and cleaned."""
    return [text(item) for item in items[:MAX_WARNINGS]]


def error(description: dict) -> dict:
    """A child's error description (already checked for its fields and types), capped and cleaned."""
    where = description["where"]
    if where is not None:
        line = where["line"]
        where = ({"line": line, "function": text(where["function"], MAX_NAME)}
                 if 0 <= line <= MAX_LINE else None)
    return {
        "type": text(description["type"], MAX_NAME),
        "message": text(description["message"]),
        "where": where,
        "traceback": text(description["traceback"], MAX_TRACEBACK, keep_end=True),
        "harness": description["harness"],
    }


def output(data: bytes) -> str:
    """Captured stdout or stderr (already capped in bytes): decoded as UTF-8 and cleaned."""
    return UNSAFE.sub(REPLACEMENT, data.decode("utf-8", errors="replace"))
