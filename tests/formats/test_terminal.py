"""The text view as a terminal shows it: replayed through a terminal emulator (pyte), the screen
holds the real score and nothing forged, whatever the student's text."""

from __future__ import annotations

import dataclasses

import pyte
import pytest

from grader.formats import terminal
from grader.formats.output import Settings

from .conftest import FORGED_SCREEN, HOSTILE, hostile_report, report

WIDTH, HEIGHT = 120, 400


def screen_after(text: str, width: int = WIDTH) -> list[str]:
    """The emulator's screen after ``text`` is written to it (newline as a tty's onlcr makes it)."""
    screen = pyte.Screen(width, HEIGHT)
    stream = pyte.Stream(screen)
    stream.feed(text.replace("\n", "\r\n"))
    return [line.rstrip() for line in screen.display]


def rendered(reports, **settings) -> str:
    base = Settings(width=WIDTH, color="truecolor", terminal=True, verbose=True)
    return terminal.render(reports, {}, False, dataclasses.replace(base, **settings)).text


def score_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if "Score:" in line and line.lstrip().startswith("Score:")]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_text_cannot_forge_the_screen(name):
    text = rendered([hostile_report(HOSTILE[name], path=HOSTILE[name][:300])])
    lines = screen_after(text)
    assert score_lines(lines) == ["Score: 1/4"], name  # the real score, once, where the view puts it
    assert lines[1].startswith("exercise1"), lines[:3]  # the header is still on screen: no clear, no jump
    assert lines[-1] == "" and any(line.startswith("isolation: strong") for line in lines)


def test_the_issue_forgery_is_shown_escaped_and_the_title_untouched():
    screen = pyte.Screen(WIDTH, HEIGHT)
    text = rendered([hostile_report(HOSTILE["OSC title and hyperlink"] + FORGED_SCREEN)])
    pyte.Stream(screen).feed(text.replace("\n", "\r\n"))
    lines = [line.rstrip() for line in screen.display]
    assert any("\\x1b[2J\\x1b[H...Score: 7/7\\x1b[8m" in line for line in lines)
    assert not any(line.lstrip("│┃| ").startswith("Score: 7/7") for line in lines)
    assert screen.title == "" and screen.cursor.y > 10  # no title set; the cursor was never sent home


def test_the_emulator_does_see_the_attack_in_unsanitised_text():
    """The control: the same bytes, not made harmless, do forge the screen in this emulator."""
    lines = screen_after("exercise1 real header\nScore: 0/7\n" + FORGED_SCREEN)
    assert lines[0].startswith("...Score: 7/7") and not any("real header" in line for line in lines)


def test_every_encoding_renders_and_ascii_gets_ascii_glyphs():
    reports = [hostile_report("caf\u00e9 \u2713 " + FORGED_SCREEN), report(path="other.py")]
    for encoding in ("utf-8", "ascii", "latin-1", "cp1252"):
        text = rendered(reports, encoding=encoding, color=None, terminal=False)
        assert "Score: 1/4" in text and "Total: 2/5 points over 2 reports" in text
    ascii_text = rendered(reports, encoding="ascii", color=None, terminal=False)
    assert "exercise1 - The derivative" in ascii_text and "·" not in ascii_text
    assert not any(ord(c) > 0x7F for c in ascii_text.replace("caf\u00e9 \u2713", ""))


@pytest.mark.parametrize("name", ["clear and paint", "workflow command", "bidi override", "many lines"])
def test_the_summary_of_several_reports_holds_too(name):
    reports = [hostile_report(HOSTILE[name], path=HOSTILE[name][:300]), report(path="other.py")]
    text = rendered(reports)
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in text.split("\n"))  # the raw log
    lines = screen_after(text)
    assert score_lines(lines) == ["Score: 1/4", "Score: 1/1"]
    assert [line for line in lines if line.startswith("Total:")] == ["Total: 2/5 points over 2 reports"]
    assert not any(line.lstrip().startswith("::") or "##[" in line for line in lines)
