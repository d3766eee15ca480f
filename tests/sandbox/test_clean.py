"""grader.sandbox.clean and outcome.interpret: what a child sends is capped and cleaned on intake.

Pure tests (no sandbox): forged messages, as a student's code could write them to the result
pipe, come out of ``interpret`` with every string bounded, no lone surrogate, no control character.
"""

from __future__ import annotations

import time

import pytest
import torch

from grader.sandbox import clean, protocol
from grader.sandbox.outcome import interpret

READY = {"stage": "ready", "layers": {"zygote_fork": True, "rlimits": True}}
UNSAFE = "\x00\x01\x08\x0b\x0c\r\x1b\x7f\x80\x85\x9b\x9f\u202a\u202e\u2066\u2069\ud800\udbff\udc00\udfff"


def error(**fields) -> dict:
    description = {"type": "ValueError", "message": "boom", "traceback": "", "harness": False,
                   "where": {"line": 3, "function": "dydx"}}
    description.update(fields)
    return {"stage": "result", "ok": False, "phase": "call", "error": description, "warnings": []}


def through_the_wire(*messages) -> list:
    return [protocol.decode(protocol.encode(m)) for m in messages]


def test_every_unsafe_character_becomes_one_replacement_character():
    assert clean.text(UNSAFE) == "\ufffd" * len(UNSAFE)
    assert clean.text("tab\tand\nnewline, é, 中, \U0001F600 stay") == "tab\tand\nnewline, é, 中, \U0001F600 stay"
    clean.text("a\ud800b" * 10).encode("utf-8")


def test_a_long_text_keeps_its_start_or_its_end_and_says_how_much_was_cut():
    assert clean.text("x" * 10, cap=4) == "xxxx…[6 characters cut]"
    assert clean.text("abcdefghij", cap=4, keep_end=True) == "[6 characters cut]…ghij"
    assert clean.text("x" * 4, cap=4) == "xxxx"


def test_values_have_their_strings_and_keys_capped_and_their_other_leaves_kept():
    tensor = torch.arange(3.0)
    tree = {"k" * 1000: ["\ud800" * 5000, (1, 2.5, None, True, b"\xff")], "t": tensor}
    cleaned = clean.value(tree)
    key = next(iter(cleaned))
    assert key == "k" * clean.MAX_NAME + "…[800 characters cut]"
    assert cleaned[key][0] == "\ufffd" * clean.MAX_TEXT + "…[1000 characters cut]"
    assert cleaned[key][1] == (1, 2.5, None, True, b"\xff")
    assert cleaned["t"] is tensor


def test_interpret_caps_and_cleans_a_forged_error():
    outcome = interpret(through_the_wire(READY, error(  # a head of about 3 MB, under the protocol's cap
        type="NoneType" * 50_000, message="argument \ud800 " * 50_000, traceback="x\x1b[2J" * 100_000,
        where={"line": 7, "function": "f\ud800" * 100_000})), False, None)
    described = outcome.error
    assert outcome.status == "raised"
    assert len(described["type"]) < clean.MAX_NAME + 30 and len(described["message"]) < clean.MAX_TEXT + 30
    assert len(described["traceback"]) < clean.MAX_TRACEBACK + 30 and described["traceback"].endswith("[2J")
    assert described["where"]["line"] == 7 and len(described["where"]["function"]) < clean.MAX_NAME + 30
    for text in (described["type"], described["message"], described["traceback"], described["where"]["function"]):
        text.encode("utf-8")
        assert "\x1b" not in text


@pytest.mark.parametrize("line", [-1, 10**400, clean.MAX_LINE + 1])
def test_a_line_number_out_of_range_is_no_line_number(line):
    outcome = interpret(through_the_wire(READY, error(where={"line": line, "function": "f"})), False, None)
    assert outcome.status == "raised" and outcome.error["where"] is None


def test_interpret_keeps_the_first_warnings_capped_and_cleaned():
    result = {"stage": "result", "ok": True, "value": 1.0, "warnings": ["w\ud800" * 10_000] + ["w"] * 100_000}
    outcome = interpret(through_the_wire(READY, result), False, None)
    assert len(outcome.warnings) == clean.MAX_WARNINGS
    assert all(len(w) < clean.MAX_TEXT + 30 and "\ud800" not in w for w in outcome.warnings)


def test_interpret_cleans_the_value_and_the_layers():
    ready = {"stage": "ready", "layers": {"seccomp\x1b": True, "x" * 10_000: False}}
    result = {"stage": "result", "ok": True, "warnings": [],
              "value": {"answers\ud800": [0.0], "kinds": ["\x00" * 10_000], "ok": {"deep": ("\u202e",)}}}
    outcome = interpret(through_the_wire(ready, result), False, None)
    assert set(outcome.layers) == {"seccomp\ufffd", "x" * clean.MAX_NAME + "…[9800 characters cut]"}
    assert outcome.value["answers\ufffd"] == [0.0]
    assert outcome.value["kinds"] == ["\ufffd" * clean.MAX_TEXT + "…[6000 characters cut]"]
    assert outcome.value["ok"] == {"deep": ("\ufffd",)}


def test_captured_output_is_decoded_and_cleaned():
    expected = "ok \ufffd\ufffd\ufffd \ufffd \ufffd[2J\ufffd\n\tend"
    assert clean.output(b"ok \xed\xa0\x80 \xff \x1b[2J\r\n\tend") == expected


def test_a_message_head_over_its_limit_fails_closed_on_both_sides():
    with pytest.raises(protocol.ProtocolError, match="over the limit"):
        protocol.encode(["x"] * protocol.MAX_HEAD_BYTES)
    head = b'{"v": [' + b"0.0, " * (protocol.MAX_HEAD_BYTES // 5) + b'0.0], "b": []}'
    with pytest.raises(protocol.ProtocolError, match="over its limit"):
        protocol.decode(len(head).to_bytes(8, "big") + head)


def test_cleaning_is_linear_in_the_text():
    started = time.perf_counter()
    clean.text(UNSAFE * 100_000, cap=10**9)
    assert time.perf_counter() - started < 2.0
