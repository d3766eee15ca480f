"""The one sanitising module: what each reader can no longer be made to do."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from grader.formats import sanitize

from .conftest import HOSTILE


def runner_would_run(line: str) -> bool:
    """A GitHub Actions runner's reading of one log line (actions/runner ActionCommand):
    ``::`` after leading whitespace (TryParseV2), or ``##[`` anywhere (the legacy TryParse)."""
    return line.lstrip().startswith("::") or "##[" in line


def log_lines(text: str) -> list[str]:
    """How a runner splits what a step prints into lines (\\n, \\r, \\r\\n)."""
    return re.split(r"\r\n|\r|\n", text)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_plain_leaves_nothing_a_terminal_or_runner_acts_on(name):
    text = sanitize.plain(HOSTILE[name])
    assert len(text) <= sanitize.MESSAGE_CHARS
    assert text.count("\n") <= sanitize.MESSAGE_LINES
    for char in text:
        assert char == "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp"), (name, repr(char))
    assert not any(runner_would_run(line) for line in log_lines(text))
    text.encode("utf-8")  # no lone surrogate left


def test_escapes_are_visible_not_dropped():
    assert sanitize.plain("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert sanitize.plain("\u202eabc") == "\\u202eabc"
    assert sanitize.plain("x\ud800") == "x\\ud800"
    assert sanitize.plain("r\rs") == "r\\x0ds"
    assert sanitize.plain("ok\nnext") == "ok\nnext"
    assert sanitize.plain("tab\there") == "tab\\x09here"
    assert sanitize.plain("caf\u00e9 \u2713") == "caf\u00e9 \u2713"  # ordinary text is untouched


def test_workflow_commands_lose_their_line_start_and_legacy_prefix():
    text = sanitize.plain("::error::x\n   ::notice::y\nfine :: here\nmid ##[error]z")
    assert text.split("\n") == ["\\::error::x", "\\   ::notice::y", "fine :: here", "mid #\\#[error]z"]
    assert sanitize.plain("###[x") .count("##[") == 0


def test_rendered_output_is_defused_after_wrapping_even_behind_colour_codes():
    assert sanitize.defuse_rendered("a\n  ::x::y\n\x1b[2m::z::w\x1b[0m\nb :: c") == \
        "a\n\\  ::x::y\n\\\x1b[2m::z::w\x1b[0m\nb :: c"


def test_caps_say_what_they_cut():
    text = sanitize.plain("x" * 10_000, limit=100)
    assert len(text) == 100 and text.endswith("more characters]")
    lines = sanitize.plain("a\n" * 100, lines=5)
    assert lines.count("\n") == 5 and lines.endswith("more lines]")
    assert sanitize.one_line("a\nb") == "a\\nb"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_xml_text_makes_a_well_formed_document_in_text_and_attributes(name):
    text = sanitize.xml(HOSTILE[name])
    element = ET.Element("failure", message=text)
    element.text = text
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.text == text and parsed.get("message") == text
    assert not sanitize.XML_FORBIDDEN.search(text)


def test_markdown_and_html_escape_markup():
    md = sanitize.markdown(HOSTILE["markup"])
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "](" not in md and "\\[link\\]\\(" in md and "\\*\\*bold" in md
    assert sanitize.html('<a href="x">') == "&lt;a href=&quot;x&quot;&gt;"


def test_fit_shortens_messages_until_the_document_fits():
    def render(limit):
        return "|".join(sanitize.plain("m" * 5000, limit) for _ in range(10))

    document = sanitize.fit(render, 3000)
    assert len(document) <= 3000 and document.count("|") == 9
    with pytest.raises(ValueError):
        sanitize.fit(lambda limit: "x" * 100, 10)
