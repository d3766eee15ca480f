"""Hostile text from the child: huge, backtracking-bait, unencodable or control-laden strings.

Everything a child sends is the student's to choose: the exception's type name and message, its
traceback and the function it was raised in, the warnings, what it printed, and (by writing its
own result frame to the result pipe, then leaving) any structure at all. The trusted side caps and
cleans all of it where it decodes it, runs hint rules in time linear in the capped text, and one
submission's report never depends on another's: graded in the same run as a hostile submission,
a correct one still gets full marks, and the run exits 0.

Time bounds here are loose (machines are noisy); benchmarks/hostile_text.py measures them.
"""

from __future__ import annotations

import json
import time

import pytest

from grader.errors import ReportInvalid
from grader.report import model

from ..conftest import SOLUTIONS, run_cli
from .test_hostile_exercise1 import assert_next_grades_normally, assert_scores_nothing, source

pytestmark = pytest.mark.sandbox

SECONDS = 20.0  # one hostile exercise1 submission, graded whole (7 checks): ~3 s when bounded
REPORT_BYTES = 200_000  # a whole exercise1 report, 7 checks, when everything is capped
SURROGATE = "\ud800"
CONTROL = "\x00\x07\x08\x0b\x0c\x0d\x1b[2J\x1b[H\x7f\x85\x9b\u202e"  # NUL, C0, ESC sequences, DEL, C1, RLO
CONTROL_CHARACTERS = set(CONTROL) - set("[2JH")


def grade_timed(grader, text: str):
    """Grade a hostile submission: nothing scores, the report is small and writable as UTF-8,
    it took less than SECONDS, and the reference graded next still gets full marks."""
    started = time.monotonic()
    report = grader.source(text)
    elapsed = time.monotonic() - started
    assert_scores_nothing(report)
    document = model.to_json(report.to_dict())
    document.encode("utf-8")  # strict: a lone surrogate here is what ended the run with exit 4
    assert len(document) < REPORT_BYTES, len(document)
    assert elapsed < SECONDS, f"graded in {elapsed:.1f} s"
    assert_next_grades_normally(grader)
    return report, document


def strings(report) -> list[str]:
    """Every string a report holds that the student's code could have put there."""
    found = [report.error["message"]] if report.error else []
    for test in report.tests:
        found += [test.message, test.hint or "", test.output or "", test.staff or ""]
        found += [json.dumps(test.details, ensure_ascii=False)]
    return found + list(report.flags)


def assert_clean(report) -> None:
    for text in strings(report):
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text), text[:200]
        assert not any(c in CONTROL_CHARACTERS for c in text), text[:200]


def visible(report):
    return [t for t in report.tests if t.visibility == "visible"]


# ----------------------------------------------------------------------------- size and backtracking


@pytest.mark.slow
@pytest.mark.parametrize("name", ["NoneType" * 16384, "argument" * 16384, "A" * 131072],
                         ids=["NoneType-x16384", "argument-x16384", "A-x131072"])
def test_a_128_kb_exception_type_name(grader1, name):
    """The issue's submission: 146 s for one submission when the name is made of hint keywords."""
    report, _ = grade_timed(grader1, source("""
        def dydx(f, x0):
            raise type({NAME}, (Exception,), {})("boom")
        """, NAME=name))
    for test in visible(report):
        assert len(test.message) < 1000 and "characters cut" in test.message


def forged_error(type_='"ValueError"', message='"boom"', traceback='""', function='"dydx"', warnings="[]") -> str:
    """The expression, evaluated in the child, of an error result of its own making (fields too)."""
    return (f'{{"stage": "result", "ok": False, "phase": "call", "warnings": {warnings}, "error": {{'
            f'"type": {type_}, "message": {message}, "traceback": {traceback}, '
            f'"where": {{"line": 1, "function": {function}}}, "harness": False}}}}')


def forged_value(value: str) -> str:
    return f'{{"stage": "result", "ok": True, "value": {value}, "warnings": []}}'


# Builds a result frame of its own (RESULT, an expression, encoded with the grader's own codec;
# or FRAME, raw bytes), writes it on every descriptor (the result pipe among them) and leaves
# without its own result: the forged one is the only result the parent reads.
FORGER = """
    import os
    import sys

    MB = 1 << 20
    protocol = sys.modules["grader.sandbox.protocol"]

    def frame():
        return FRAME

    def dydx(f, x0):
        data = frame()
        for fd in range(3, 256):
            try:
                os.write(fd, data)
            except OSError:
                pass
        os._exit(0)
    """


def forger(result: str | None = None, frame: str | None = None) -> str:
    frame = frame or f"protocol.pack_frame(protocol.encode({result}))"
    return source(FORGER).replace("return FRAME", f"return {frame}")


@pytest.mark.slow
@pytest.mark.parametrize("result", [
    forged_error(type_='"NoneType"', message='"argument must be " * (MB // 17)'),
    forged_error(message='"NoneType " * (MB // 9)'),
    forged_error(message='("argument " * 64 + chr(10)) * (MB // 600)'),
    forged_error(traceback='"NoneType " * (4 * MB // 9)'),
    forged_error(function='"f" * MB'),
    forged_error(warnings='["NoneType " * 4096] * 2000'),
    forged_error(warnings='["w"] * 200_000'),
], ids=["argument-must-be", "NoneType-message", "many-lines", "4-MB-traceback", "1-MB-function",
        "2000-long-warnings", "200000-warnings"])
def test_forged_huge_error_descriptions(grader1, result):
    report, _ = grade_timed(grader1, forger(result))
    for test in visible(report):
        assert len(test.message) < 5000 and len(test.staff or "") < 20_000


@pytest.mark.parametrize("value", [
    '{"answers": [0.0], "kinds": ["float"], "k" * MB: 1}',
    '{"answers": [0.0], "kinds": ["float"] * 100_000}',
    '{"answers": [0.0], **{f"key{i}": None for i in range(50_000)}}',
    '{"answers": [0.0], "kinds": ["x" * (8 * MB)]}',
], ids=["1-MB-key", "100000-kinds", "50000-keys", "8-MB-string"])
def test_forged_huge_values(grader1, value):
    grade_timed(grader1, forger(forged_value(value)))


NESTED = """protocol.pack_frame((lambda head: len(head).to_bytes(8, "big") + head)((
    '{"v": {"dict": {"stage": "result", "ok": true, "warnings": [], "value": '
    + "[" * DEPTH + "]" * DEPTH + '}}, "b": []}').encode()))"""


@pytest.mark.parametrize("depth", [33, 10_000, 1_000_000])
def test_forged_deeply_nested_values(grader1, depth):
    """A JSON head nesting ``depth`` lists (no encoder writes it; the child can)."""
    grade_timed(grader1, forger(frame=NESTED.replace("DEPTH", str(depth))))


# ----------------------------------------------------------------------------- unencodable and control text


@pytest.mark.parametrize("code", [
    'raise ValueError("bad \\ud800 value")',
    'raise type("Bad\\udc80", (Exception,), {})("boom")',
    'import warnings; warnings.warn("careful \\ud800"); return 0.0',
    'import sys; sys.stdout.write("out \\udc80\\n"); sys.stdout.flush(); return 0.0',
    'import os; os.write(1, b"raw \\xed\\xa0\\x80 \\xff\\n"); return 0.0',
    'g = lambda: 1 / 0; g.__code__ = g.__code__.replace(co_name="g\\ud800"); g()',
    f'raise ValueError({CONTROL!r})',
    f'raise type({("Bad" + CONTROL)!r}, (Exception,), {{}})("boom")',
    f'import warnings; warnings.warn({CONTROL!r}); return 0.0',
    f'print({CONTROL!r}); return 0.0',
], ids=["surrogate-message", "surrogate-type", "surrogate-warning", "surrogate-stdout", "invalid-utf8-stdout",
        "surrogate-function-and-traceback", "control-message", "control-type", "control-warning",
        "control-stdout"])
def test_unencodable_and_control_text_is_cleaned(grader1, code):
    report, _ = grade_timed(grader1, source("""
        def dydx(f, x0):
            {CODE}
        """.replace("{CODE}", code)))
    assert_clean(report)


@pytest.mark.parametrize("result", [
    forged_error(type_=repr("E" + SURROGATE), message=repr(SURROGATE + CONTROL), traceback=repr(SURROGATE * 10),
                 function=repr("f" + SURROGATE), warnings=repr([SURROGATE, CONTROL])),
    forged_value(repr({"answers" + SURROGATE: [0.0], CONTROL: [SURROGATE], "answers": [SURROGATE]})),
], ids=["error-fields", "dict-keys"])
def test_forged_unencodable_fields_are_cleaned(grader1, result):
    report, _ = grade_timed(grader1, forger(result))
    assert_clean(report)


# ----------------------------------------------------------------------------- one bad submission, one report


@pytest.mark.parametrize("code", [
    'raise ValueError("bad \\ud800 value")',
    'import warnings; warnings.warn("careful \\ud800"); return 0.0',
    f'raise ValueError({CONTROL!r})',
], ids=["surrogate-message", "surrogate-warning", "control-message"])
def test_a_bad_submission_costs_no_other_report(tmp_path, code):
    """`grade exercise1 bad.py good.py`: the run exited 4 with no report for either."""
    bad = tmp_path / "bad" / "dydx.py"
    bad.parent.mkdir()
    bad.write_text(source("""
        def dydx(f, x0):
            {CODE}
        """.replace("{CODE}", code)))
    for as_json in (True, False):
        result = run_cli("exercise1", str(bad), str(SOLUTIONS / "exercise1.py"), *(["--json"] if as_json else []))
        assert result.returncode == 0, result.stderr
        assert "\x1b[2J" not in result.stdout and "\x00" not in result.stdout
        if as_json:
            bundle = json.loads(result.stdout)
            scores = [(r["score"], r["max_score"], r["status"]) for r in bundle["reports"]]
            assert scores == [(0, 7, "graded"), (7, 7, "graded")]
        else:
            assert "Score: 0/7" in result.stdout and "Score: 7/7" in result.stdout


def test_a_report_that_cannot_be_written_becomes_that_submissions_error_report(grader1, monkeypatch):
    """Whatever slips past the cleaning, a report UTF-8 cannot encode is never written: it becomes
    the submission's error report (exit 4 in the CLI, every other report still printed)."""
    from grader.session import GradingSession

    build = GradingSession.report

    def unwritable(self, run, sandbox_failure):
        report = build(self, run, sandbox_failure)
        report.tests[0].message = "smuggled \ud800"
        return report

    monkeypatch.setattr(GradingSession, "report", unwritable)
    report = grader1.file(SOLUTIONS / "exercise1.py")
    assert report.status == "error" and report.error["kind"] == "grader"
    assert report.error["message"].startswith("the report for this submission could not be written: "
                                              "ReportInvalid: report holds a character UTF-8 cannot encode")
    monkeypatch.undo()
    assert_next_grades_normally(grader1)


def test_json_reports_refuse_text_utf8_cannot_encode(grader1):
    document = grader1.file(SOLUTIONS / "exercise1.py").to_dict()
    document["tests"][0]["message"] = "smuggled \ud800"
    with pytest.raises(ReportInvalid, match="a character UTF-8 cannot encode"):
        model.to_json(document)
