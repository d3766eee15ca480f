"""What a variant (a known-buggy or alternative-correct student file) must get, and the check.

Trusted process, instructor side. A variant lives in ``exercises/<id>/variants/`` and carries its
expectation in comment lines at its top, one rule a line::

    # expect score: 12          exactly 12 points; "0-23" a range; "full" the exercise's points
    # expect hint: transposed   every failed check's hint contains the text (repeat for several)
    # expect hint: none         no check has a hint
    # expect message: used autograd   every failed visible check's message contains the text
    # expect flag: finite differences  some flag for review contains the text
    # expect flags: none        no flag for review

``score`` is required. A variant expected to score full marks is a correct alternative: it must
also get no hint at all (a hint must never fire on a correct answer). The stub's expectation is
the ``stub`` object of ``exercise.json`` (same keys: ``score``, ``hint``, ``message``).
Checking is pure: a finished report in, the list of broken rules out (empty: as expected).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import CourseError

RULE = re.compile(r"#\s*expect\s+(score|hint|message|flag|flags)\s*:\s*(.*?)\s*$")
SCORE = re.compile(r"(full|\d+)(?:\s*-\s*(\d+))?")


@dataclass
class Expectation:
    """Score bounds (inclusive) and the texts a report must (or must not) show."""

    low: int
    high: int
    hints: list[str] = field(default_factory=list)
    no_hint: bool = False
    messages: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    no_flags: bool = False

    def describe(self) -> str:
        score = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        parts = [f"score {score}"]
        parts += [f"hint '{h}'" for h in self.hints] + (["no hint"] if self.no_hint else [])
        parts += [f"message '{m}'" for m in self.messages]
        parts += [f"flag '{f}'" for f in self.flags] + (["no flag"] if self.no_flags else [])
        return ", ".join(parts)


def parse_score(text: str, full: int, where: str) -> tuple[int, int]:
    match = SCORE.fullmatch(text.strip())
    if not match:
        raise CourseError(f"{where}: 'expect score' must be N, N-M or full, not '{text}'")
    low = full if match[1] == "full" else int(match[1])
    high = int(match[2]) if match[2] else low
    if not 0 <= low <= high <= full:
        raise CourseError(f"{where}: expected score {text} is outside 0-{full}")
    return low, high


def expectation(rules: dict[str, list[str]], full: int, where: str) -> Expectation:
    """An expectation from its rules (key -> values in order), for an exercise worth ``full``."""
    if len(rules.get("score", [])) != 1:
        raise CourseError(f"{where}: needs exactly one 'expect score' rule")
    low, high = parse_score(rules["score"][0], full, where)
    hints = rules.get("hint", [])
    flags = rules.get("flags", [])
    if flags and flags != ["none"]:
        raise CourseError(f"{where}: 'expect flags' takes only 'none'")
    return Expectation(low, high, hints=[h for h in hints if h != "none"], no_hint="none" in hints,
                       messages=rules.get("message", []), flags=rules.get("flag", []), no_flags=bool(flags))


def read_variant(path: Path, full: int) -> Expectation:
    """The expectation written at the top of a variant file."""
    rules: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = RULE.match(line)
        if match:
            rules.setdefault(match[1], []).append(match[2])
    return expectation(rules, full, str(path.name))


def stub_expectation(declared: dict | None, full: int, where: str) -> Expectation:
    """The stub's expectation from ``exercise.json``'s ``stub`` (default: score 0, "not implemented")."""
    declared = declared or {"score": 0, "message": "not implemented"}
    rules = {"score": [str(declared["score"])]}
    for key in ("hint", "message"):
        if key in declared:
            rules[key] = [declared[key]]
    return expectation(rules, full, where)


def broken(expected: Expectation, report, full: int) -> list[str]:
    """What in ``report`` (an ``ExerciseReport``) breaks ``expected``; empty when it is met."""
    if report.status != "graded":
        return [f"not graded: {(report.error or {}).get('message', 'error')}"]
    problems = []
    if not expected.low <= report.score <= expected.high:
        want = expected.low if expected.low == expected.high else f"{expected.low}-{expected.high}"
        problems.append(f"scored {report.score}, expected {want}")
    failed = [t for t in report.tests if t.status != "passed"]
    hinted = [t for t in report.tests if t.hint]
    if (expected.no_hint or expected.low == full) and hinted:
        problems.append(f"{hinted[0].name} has a hint where none may fire: {hinted[0].hint[:80]!r}")
    for text in expected.hints:
        missing = [t.name for t in failed if text not in (t.hint or "")]
        if not failed or missing:
            problems.append(f"hint '{text}' missing from {missing[0] if missing else 'every check (none failed)'}")
    visible = [t for t in failed if t.visibility == "visible"]
    for text in expected.messages:
        missing = [t.name for t in visible if text not in t.message]
        if not visible or missing:
            problems.append(f"message '{text}' missing from {missing[0] if missing else 'every check (no visible one failed)'}")
    for text in expected.flags:
        if not any(text in flag for flag in report.flags):
            problems.append(f"no flag for review says '{text}'")
    if expected.no_flags and report.flags:
        problems.append(f"unexpected flag: {report.flags[0][:80]!r}")
    return problems
