"""Untrusted text made harmless for every view: the one place that decides what a reader sees.

Everything a student's code can choose reaches a report as data (exception text, printed output,
names it defines, file names), and every view passes every string it takes from a report through
this module before writing it. Runs in the trusted process; pure functions of text.

``plain(text, limit)`` is the base every view starts from. Its result:

- holds at most ``limit`` characters (a cut says how much was cut), and at most ``lines`` lines;
- shows escaped, never as themselves, the characters a terminal or a renderer acts on: C0 and C1
  control characters but the newline (so ESC, and with it every escape sequence, CR, backspace,
  the 8-bit CSI U+009B), DEL, Unicode format characters (category Cf: bidirectional overrides,
  embeddings, isolates and marks, zero-width characters, the BOM), line and paragraph separators,
  lone surrogates, and the noncharacters U+FFFE and U+FFFF. Each becomes ``\\xNN``, ``\\uNNNN``
  or ``\\UNNNNNNNN``, so a reader sees that it was there;
- starts no line with a GitHub Actions workflow command: the runner reads ``::name ...::`` at the
  start of any line it is given, after leading whitespace (``TrimStart``), and the legacy
  ``##[name]`` *anywhere* in a line (actions/runner ``ActionCommand.TryParseV2``/``TryParse``).
  Such a line gets a leading backslash, and every ``##[`` becomes ``#\\#[``.

The views add their reader's own escaping on top: ``xml`` (only characters XML 1.0 allows, so a
document stays well-formed; the serializer escapes markup, and no CDATA is ever written, so
``]]>`` is only text), ``markdown`` and ``html``. Documents are kept under a size by ``fit``,
which shortens messages, never drops an entry.
"""

from __future__ import annotations

import html as html_module
import re
import unicodedata
from collections.abc import Callable

MESSAGE_CHARS = 2000  # one message (exception text, hint) in any view
OUTPUT_CHARS = 4000  # a student's captured output, where a view shows it
NAME_CHARS = 200  # a check's or a file's name
MESSAGE_LINES = 40  # lines of one message

ALLOWED_CONTROLS = {"\n"}
WORKFLOW_COMMAND = "::"
LEGACY_COMMAND = "##["


def escape(char: str) -> str:
    """A visible spelling of one character: ``\\x1b``, ``\\u202e``, ``\\U000e0001``."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def hidden_effect(char: str) -> bool:
    """True for a character that acts on a display or a parser instead of showing as itself."""
    if char in ALLOWED_CONTROLS:
        return False
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Zl", "Zp"):
        return True
    return char in ("\ufffe", "\uffff")


NOT_PRINTABLE_ASCII = re.compile("[^\n\u0020-\u007e]")


def escape_invisible(text: str) -> str:
    """Every character that ``hidden_effect`` names, spelled out; everything else as is."""
    if text.isprintable():
        return text  # the common case: nothing to do (isprintable is False for all of the above)
    return NOT_PRINTABLE_ASCII.sub(lambda m: escape(m.group()) if hidden_effect(m.group()) else m.group(), text)


def defuse_workflow_commands(text: str) -> str:
    """No line a CI runner would read as a workflow command (``::`` at a line's start after
    whitespace; ``##[`` anywhere in it)."""
    while LEGACY_COMMAND in text:
        text = text.replace(LEGACY_COMMAND, "#\\#[")
    if WORKFLOW_COMMAND not in text:
        return text
    return "\n".join("\\" + line if line.lstrip().startswith(WORKFLOW_COMMAND) else line
                     for line in text.split("\n"))


OWN_STYLE = re.compile(r"(?:\x1b\[[0-9;]*m|\s)*")  # a view's own colour codes and whitespace


def defuse_rendered(text: str) -> str:
    """``defuse_workflow_commands`` for a view's finished output, which carries its own colour
    codes (SGR sequences: the only escape sequences left once report text is escaped): a line
    whose first visible characters are ``::`` gets a leading backslash too."""
    text = defuse_workflow_commands(text)
    return "\n".join("\\" + line if line[OWN_STYLE.match(line).end():].startswith(WORKFLOW_COMMAND) else line
                     for line in text.split("\n"))


def cap(text: str, limit: int, lines: int | None = None) -> str:
    """At most ``limit`` characters and ``lines`` lines; a cut ends with what it left out."""
    if lines is not None and text.count("\n") >= lines:
        kept = text.split("\n")
        left = len(kept) - lines
        text = "\n".join(kept[:lines]) + f"\n[{left} more lines]"
    if len(text) <= limit:
        return text
    note = f"... [{len(text) - limit} more characters]"
    if limit <= len(note):
        return text[:limit]
    return text[: limit - len(note)] + note


def plain(text: str | None, limit: int = MESSAGE_CHARS, lines: int | None = MESSAGE_LINES) -> str:
    """Untrusted text, safe for any reader (see the module docstring); ``None`` is ``""``."""
    if not text:
        return ""
    # cap first (bounded work whatever came in), escape, then cap again: escaping lengthens
    text = cap(str(text), limit * 4)
    text = defuse_workflow_commands(escape_invisible(text))
    return defuse_workflow_commands(cap(text, limit, lines))


def one_line(text: str | None, limit: int = NAME_CHARS) -> str:
    """``plain``, on one line: a name, a title, an attribute (newlines shown as ``\\n``)."""
    return plain((text or "").replace("\n", "\\n"), limit, lines=None)


XML_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml(text: str | None, limit: int = MESSAGE_CHARS, lines: int | None = MESSAGE_LINES) -> str:
    """``plain``, and only characters XML 1.0 allows (``Char``), so any serializer writes a
    well-formed document. After ``plain`` nothing forbidden is left; this holds even if it were."""
    return XML_FORBIDDEN.sub(lambda m: escape(m.group()), plain(text, limit, lines))


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")  # and < > &: entities


def markdown(text: str | None, limit: int = MESSAGE_CHARS, lines: int | None = MESSAGE_LINES) -> str:
    """``plain``, with Markdown's punctuation backslash-escaped and HTML's ``& < > "`` as named
    entities (after the backslashes, which must not touch an entity), so neither a link, an image,
    emphasis, a heading, a quote nor raw HTML survives. Line breaks are kept as hard breaks."""
    escaped = MARKDOWN_SPECIAL.sub(r"\\\1", plain(text, limit, lines))
    escaped = html_module.escape(escaped, quote=False).replace('"', "&quot;")
    return escaped.replace("\n", "  \n")


def html(text: str | None, limit: int = MESSAGE_CHARS, lines: int | None = MESSAGE_LINES) -> str:
    """``plain``, with ``& < > " '`` as entities: text inside an element or an attribute."""
    return html_module.escape(plain(text, limit, lines), quote=True)


def fit(render: Callable[[int], str | bytes], size: int, start: int = MESSAGE_CHARS, floor: int = 0):
    """The largest rendering that fits in ``size``: ``render(limit)`` with each message cut to
    ``limit`` characters, halving ``limit`` from ``start`` down to ``floor``. Returns the rendering.

    Only messages shrink: every entry is still there. If even the floor does not fit, raises
    ``ValueError`` (a view turns that into a grader error: a course too large for its platform).
    """
    limit = start
    while True:
        document = render(limit)
        if len(document) <= size:
            return document
        if limit <= floor:
            raise ValueError(f"the document is {len(document)} bytes with every message cut to "
                             f"{floor} characters, over the {size} allowed")
        limit = max(floor, limit // 2)
