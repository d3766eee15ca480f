"""The zygote and its children: whatever a child does, ``Zygote.call`` returns a CallOutcome.

Every test runs a tiny "student" module beside a tiny harness in a real confined child, then
checks that the zygote still serves an ordinary call.
"""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from grader.sandbox import protocol
from grader.sandbox.outcome import CallOutcome, Limits
from grader.sandbox.pool import ENV_KEEP, Zygote

pytestmark = pytest.mark.sandbox

HARNESS = '''
from grader.harness import entry, as_number, as_tensor


@entry
def run(student, **kwargs):
    return student.run(**kwargs)


@entry
def number(student):
    return as_number(student.run())


@entry
def tensor(student):
    return as_tensor(student.run())


def not_an_entry(student):
    return "should never be callable"
'''

GOOD = """
def run():
    return 42
"""

# Writes to every descriptor the child might hold; the real result pipe is one of them.
EVERY_FD = """
import os

def every_fd(data, first=0, last=255):
    for fd in range(first, last + 1):
        try:
            os.write(fd, data)
        except OSError:
            pass
"""


@pytest.fixture(scope="module")
def harness_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("harness") / "harness_t.py"
    path.write_text(HARNESS)
    return path


@pytest.fixture(scope="module")
def zygote(harness_path):
    z = Zygote({"t": harness_path})
    z.wait_ready()
    yield z
    z.close()


@pytest.fixture(scope="module")
def unconfined_zygote(harness_path):
    """A zygote whose children get rlimits only, as on a machine without the kernel layers:
    the wall clock, the group kill and the codec must hold there too (and these tests need a
    child that can fork a helper and write its pid to a file)."""
    z = Zygote({"t": harness_path}, layers=())
    z.wait_ready()
    yield z
    z.close()


def request(source: str, entry: str = "run", files: dict | None = None, **args) -> dict:
    return {
        "module_name": "sub",
        "module_file": "sub.py",
        "files": {"sub.py": textwrap.dedent(source).encode(), **(files or {})},
        "harness": "t",
        "entry": entry,
        "args": args,
    }


def call(zygote: Zygote, source: str, limits: Limits | None = None, entry: str = "run", **args) -> CallOutcome:
    outcome = zygote.call(request(source, entry, **args), limits or Limits())
    assert isinstance(outcome, CallOutcome)
    return outcome


def assert_still_serving(zygote: Zygote) -> None:
    outcome = call(zygote, GOOD)
    assert outcome.status == "ok", outcome
    assert outcome.value == 42


def live_group_members(pgid: int) -> list[int]:
    """Processes in process group ``pgid`` that are not zombies (from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            members.append(int(entry))
    return members


def process_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie (a zombie is dead, only not reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in ("Z", "X")


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


# ----------------------------------------------------------------------------- normal calls


def test_normal_return_with_captured_output(zygote):
    outcome = call(zygote, """
        import sys
        import torch

        def run(scale):
            print("hello from the child")
            print("to stderr", file=sys.stderr)
            return {"answer": 2.5 * scale, "t": torch.arange(3.0), "pair": (1, "x"), "raw": b"\\x00"}
        """, scale=2)
    assert outcome.status == "ok", outcome
    assert outcome.ok
    value = outcome.value
    assert value["answer"] == 5.0 and value["pair"] == (1, "x") and value["raw"] == b"\x00"
    assert value["t"].tolist() == [0.0, 1.0, 2.0]
    assert outcome.stdout == "hello from the child\n"
    assert outcome.stderr == "to stderr\n"
    assert not outcome.output_truncated
    assert outcome.layers.get("rlimits") is True
    assert outcome.exit.get("code") == 0
    assert outcome.duration > 0


def test_child_exits_cleanly_after_a_result(zygote):
    outcome = call(zygote, GOOD)
    assert outcome.status == "ok"
    assert outcome.exit.get("code") == 0 and "signal" not in outcome.exit


def test_as_number_and_as_tensor_entries(zygote):
    outcome = call(zygote, "import torch\ndef run():\n    return torch.tensor(3.5)\n", entry="number")
    assert outcome.status == "ok" and outcome.value == (3.5, "tensor")
    outcome = call(zygote, "import numpy\ndef run():\n    return numpy.array(2.5)\n", entry="number")
    assert outcome.status == "ok" and outcome.value == (2.5, "numpy")
    outcome = call(zygote, "import numpy\ndef run():\n    return numpy.array(['2.5'])\n", entry="number")
    assert outcome.status == "raised" and "expected a Python float" in outcome.error["message"]
    outcome = call(zygote, "import torch\ndef run():\n    return torch.ones(2, requires_grad=True) * 2\n",
                   entry="tensor")
    assert outcome.status == "ok" and outcome.value.tolist() == [2.0, 2.0]
    assert not outcome.value.requires_grad
    outcome = call(zygote, "import numpy\ndef run():\n    return numpy.arange(3, dtype='>f8')\n", entry="tensor")
    assert outcome.status == "ok" and outcome.value.tolist() == [0.0, 1.0, 2.0]
    outcome = call(zygote, "import numpy\ndef run():\n    return numpy.array(['1'])\n", entry="tensor")
    assert outcome.status == "raised" and "expected a torch.Tensor" in outcome.error["message"]


def test_warnings_travel_as_strings(zygote):
    outcome = call(zygote, """
        import warnings

        def run():
            warnings.warn("careful")
            return 1
        """)
    assert outcome.status == "ok"
    assert outcome.warnings == ["UserWarning: careful"]


def test_a_function_that_is_not_an_entry_cannot_be_called(zygote):
    outcome = call(zygote, GOOD, entry="not_an_entry")
    assert outcome.status == "raised" and outcome.phase == "call"
    assert outcome.error["type"] == "LookupError"
    assert_still_serving(zygote)


def test_each_call_gets_a_fresh_child(zygote):
    source = """
        import os
        STATE = []

        def run():
            STATE.append(1)
            return [os.getpid(), len(STATE)]
        """
    first, second = call(zygote, source), call(zygote, source)
    assert first.value[1] == second.value[1] == 1
    assert first.value[0] != second.value[0]
    assert zygote.info["pid"] not in (first.value[0], second.value[0])


# ----------------------------------------------------------------------------- exceptions


def test_exception_at_import(zygote):
    outcome = call(zygote, """
        x = 1
        raise ValueError("broken at import")

        def run():
            return 1
        """)
    assert outcome.status == "raised"
    assert outcome.phase == "import"
    assert outcome.error["type"] == "ValueError"
    assert outcome.error["message"] == "broken at import"
    assert outcome.error["where"] == {"line": 3, "function": "<module>"}
    assert outcome.error["harness"] is False
    assert "ValueError" in outcome.error["traceback"]
    assert_still_serving(zygote)


def test_syntax_error_at_import(zygote):
    outcome = call(zygote, "def run(:\n    return 1\n")
    assert outcome.status == "raised" and outcome.phase == "import"
    assert outcome.error["type"] == "SyntaxError"
    assert outcome.error["where"]["line"] == 1
    assert_still_serving(zygote)


def test_exception_at_call(zygote):
    outcome = call(zygote, """
        def helper():
            return {}["missing"]

        def run():
            return helper()
        """)
    assert outcome.status == "raised"
    assert outcome.phase == "call"
    assert outcome.error["type"] == "KeyError"
    assert outcome.error["where"] == {"line": 3, "function": "helper"}
    assert_still_serving(zygote)


def test_exception_with_a_lying_str(zygote):
    """The message comes from the exception's arguments: its own __str__ never runs."""
    outcome = call(zygote, """
        class Nasty(Exception):
            def __str__(self):
                raise RuntimeError("no message for you")

        def run():
            raise Nasty("what the arguments say")
        """)
    assert outcome.status == "raised" and outcome.phase == "call"
    assert outcome.error["type"] == "Nasty"
    assert outcome.error["message"] == "what the arguments say"
    assert_still_serving(zygote)


def test_harness_refusal_is_marked_as_harness(zygote):
    outcome = call(zygote, "def run():\n    return 'text'\n", entry="number")
    assert outcome.status == "raised" and outcome.phase == "call"
    assert outcome.error["type"] == "NotPlainData"
    assert outcome.error["harness"] is True


def test_unencodable_result_fails_in_the_encode_phase(zygote):
    outcome = call(zygote, "def run():\n    return {1: object()}\n")
    assert outcome.status == "raised" and outcome.phase == "encode"
    assert outcome.error["type"] == "ProtocolError"
    assert_still_serving(zygote)


def test_sys_exit_at_import(zygote):
    outcome = call(zygote, "import sys\nsys.exit(0)\ndef run():\n    return 1\n")
    assert outcome.status == "raised"
    assert outcome.phase == "import"
    assert outcome.error["type"] == "SystemExit"
    assert outcome.error["where"] == {"line": 2, "function": "<module>"}
    assert_still_serving(zygote)


def test_sys_exit_at_call(zygote):
    outcome = call(zygote, "import sys\ndef run():\n    sys.exit(3)\n")
    assert outcome.status == "raised" and outcome.phase == "call"
    assert outcome.error["type"] == "SystemExit"
    assert_still_serving(zygote)


def test_keyboard_interrupt_at_call(zygote):
    outcome = call(zygote, "def run():\n    raise KeyboardInterrupt\n")
    assert outcome.status == "raised" and outcome.error["type"] == "KeyboardInterrupt"
    assert_still_serving(zygote)


# ----------------------------------------------------------------------------- crashes


def test_os_exit_zero_in_call(zygote):
    outcome = call(zygote, "import os\ndef run():\n    print('bye')\n    os._exit(0)\n")
    assert outcome.status == "crashed"
    assert outcome.exit.get("code") == 0
    assert "exited with status 0" in outcome.detail
    assert "before returning a result" in outcome.detail
    assert outcome.value is None
    assert_still_serving(zygote)


def test_os_exit_at_import(zygote):
    outcome = call(zygote, "import os\nos._exit(5)\n")
    assert outcome.status == "crashed"
    assert outcome.exit.get("code") == 5
    assert_still_serving(zygote)


def test_killed_by_a_signal(zygote):
    outcome = call(zygote, "import os, signal\ndef run():\n    os.kill(os.getpid(), signal.SIGSEGV)\n")
    assert outcome.status == "crashed"
    assert outcome.exit.get("signal") == signal.SIGSEGV
    assert "SIGSEGV" in outcome.detail
    assert_still_serving(zygote)


def test_endless_loop_hits_the_cpu_limit(zygote):
    started = time.monotonic()
    outcome = call(zygote, "def run():\n    while True:\n        pass\n",
                   Limits(cpu_seconds=1, wall_seconds=5))
    assert outcome.status == "crashed"
    assert outcome.exit.get("signal") == signal.SIGXCPU, outcome.exit
    assert "CPU" in outcome.detail
    assert "more than 1 s of CPU time" in outcome.detail
    assert time.monotonic() - started < 4.5
    assert_still_serving(zygote)


def test_endless_loop_catching_sigxcpu_is_still_stopped(zygote):
    outcome = call(zygote, """
        import signal
        signal.signal(signal.SIGXCPU, lambda *a: None)

        def run():
            while True:
                pass
        """, Limits(cpu_seconds=1, wall_seconds=4))
    assert outcome.status in ("crashed", "timeout")
    assert not outcome.ok
    assert_still_serving(zygote)


@needs_proc
def test_sleep_past_the_wall_limit_times_out_and_the_group_is_killed(unconfined_zygote, tmp_path):
    zygote = unconfined_zygote
    pids_file = tmp_path / "pids"
    started = time.monotonic()
    outcome = call(zygote, f"""
        import os, time

        def run():
            helper = os.fork()
            if helper == 0:
                time.sleep(100)
                os._exit(0)
            with open({str(pids_file)!r}, "w") as out:
                out.write(f"{{os.getpid()}} {{helper}} {{os.getpgid(0)}}")
            time.sleep(100)
        """, Limits(wall_seconds=1))
    assert outcome.status == "timeout"
    assert "1 s limit" in outcome.detail
    assert time.monotonic() - started < 5
    child, helper, group = map(int, pids_file.read_text().split())
    assert group == child  # the child leads its own process group
    assert outcome.exit.get("signal") == signal.SIGKILL
    # The child was reaped by the zygote; its helper (same group) is dead too.
    assert not process_alive(child)
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert wait_until(lambda: not process_alive(helper))
    assert wait_until(lambda: live_group_members(group) == [])
    assert_still_serving(zygote)


def test_closing_stdout_and_result_pipe_then_hanging(zygote):
    outcome = call(zygote, """
        import os, time

        def run():
            for fd in range(1, 256):
                try:
                    os.close(fd)
                except OSError:
                    pass
            time.sleep(100)
        """, Limits(wall_seconds=1))
    assert outcome.status == "crashed"
    assert outcome.exit.get("signal") == signal.SIGKILL
    assert outcome.duration < 5
    assert_still_serving(zygote)


# ----------------------------------------------------------------------------- output


def test_output_flood_is_capped_and_the_result_still_counts(zygote):
    outcome = call(zygote, """
        import sys

        def run():
            line = "x" * 1023 + "\\n"
            for _ in range(10 * 1024):  # 10 MiB on stdout
                sys.stdout.write(line)
            sys.stderr.write("e" * (3 << 20))
            return "done"
        """, Limits(output_kb=64))
    assert outcome.status == "ok", outcome
    assert outcome.value == "done"
    assert outcome.output_truncated is True
    assert len(outcome.stdout) == 64 * 1024
    assert len(outcome.stderr) == 64 * 1024
    assert set(outcome.stdout) <= {"x", "\n"}
    assert_still_serving(zygote)


def test_small_output_is_not_truncated(zygote):
    outcome = call(zygote, "def run():\n    print('a' * 100)\n    return 1\n", Limits(output_kb=1))
    assert outcome.status == "ok"
    assert outcome.stdout == "a" * 100 + "\n"
    assert not outcome.output_truncated


def test_binary_output_is_decoded_with_replacement(zygote):
    outcome = call(zygote, "import os\ndef run():\n    os.write(1, b'\\xff\\xfe\\x00ok')\n    return 1\n")
    assert outcome.status == "ok"
    assert outcome.stdout == "\ufffd\ufffd\ufffdok"  # NUL, a control character, is replaced too (sandbox.clean)


# ----------------------------------------------------------------------------- memory


@pytest.mark.parametrize(
    "allocation",
    [
        "bytearray(3 << 30)",
        "torch.empty(3 << 30, dtype=torch.uint8).fill_(1)",
        "[bytearray(64 << 20) for _ in range(48)]",  # 3 GiB in 64 MiB steps
        "numpy.ones(3 << 30, dtype=numpy.uint8)",
    ],
    ids=["bytearray", "torch", "chunks", "numpy"],
)
def test_memory_past_the_limit_fails_inside_the_child(zygote, allocation):
    outcome = call(zygote, f"""
        import numpy
        import torch

        def run():
            block = {allocation}
            return len(block)
        """, Limits(memory_mb=512))
    assert outcome.status in ("raised", "crashed"), outcome
    if outcome.status == "raised":
        assert outcome.phase == "call"
        assert outcome.error["type"] in ("MemoryError", "RuntimeError", "_ArrayMemoryError")
    assert_still_serving(zygote)


def test_memory_within_the_limit_is_fine(zygote):
    outcome = call(zygote, """
        import torch

        def run():
            block = torch.ones(256 << 20, dtype=torch.uint8)  # 256 MiB, touched
            extra = bytearray(64 << 20)
            return block.numel() + int(block[-1]) + len(extra)
        """, Limits(memory_mb=512))
    assert outcome.status == "ok", outcome
    assert outcome.value == (256 << 20) + 1 + (64 << 20)


# ----------------------------------------------------------------------------- results


def test_result_over_the_cap_is_too_large(zygote):
    outcome = call(zygote, "import torch\ndef run():\n    return torch.zeros(25 << 20)\n",  # 100 MiB
                   Limits(result_mb=8))
    assert outcome.status == "too_large"
    assert "exceeds the cap" in outcome.detail
    assert outcome.value is None
    assert_still_serving(zygote)


def test_forged_header_claiming_two_gigabytes(zygote):
    outcome = call(zygote, EVERY_FD + f"""
def run():
    every_fd({protocol.HEADER.pack(protocol.MAGIC, protocol.VERSION, 2 << 30)!r}, 3)
    return 1
""")
    assert outcome.status != "ok"
    assert outcome.status in ("too_large", "protocol")
    assert_still_serving(zygote)


def test_forged_header_then_hang_is_killed(zygote):
    started = time.monotonic()
    outcome = call(zygote, EVERY_FD + f"""
import time

def run():
    every_fd({protocol.HEADER.pack(protocol.MAGIC, protocol.VERSION, 1000)!r}, 3)
    time.sleep(100)
""", Limits(wall_seconds=1))
    assert outcome.status == "timeout"
    assert time.monotonic() - started < 5
    assert_still_serving(zygote)


@pytest.mark.parametrize("then", ["return 1", "import os; os._exit(0)", "import time; time.sleep(0.2); return 2"])
@pytest.mark.parametrize("garbage", [b"\x00" * 64, b"garbage bytes " * 100, bytes(range(256)) * 4,
                                     b"AGG\x00\x01" + b"\xff" * 8],
                         ids=["zeros", "text", "all-bytes", "half-header"])
def test_garbage_on_every_fd_is_never_ok(zygote, garbage, then):
    outcome = call(zygote, EVERY_FD + f"""
def run():
    every_fd({garbage!r})
    {then}
""")
    assert outcome.status in ("protocol", "crashed", "too_large"), outcome
    assert outcome.value is None
    assert_still_serving(zygote)


def test_forged_result_frames_after_the_real_ready_are_refused(zygote):
    forged = protocol.pack_frame(protocol.encode({"stage": "ready", "layers": {"rlimits": True}}))
    forged += protocol.pack_frame(protocol.encode({"stage": "result", "ok": True, "value": "forged",
                                                   "warnings": []}))
    outcome = call(zygote, EVERY_FD + f"""
def run():
    every_fd({forged!r}, 3)
    return "real"
""")
    assert outcome.status == "protocol"
    assert outcome.value is None
    assert_still_serving(zygote)


@pytest.mark.parametrize(
    "result",
    [
        {"stage": "result", "ok": True, "value": 1, "warnings": [], "extra": 1},
        {"stage": "result", "ok": True, "value": 1, "warnings": "no"},
        {"stage": "result", "ok": True, "value": 1, "warnings": [1]},
        {"stage": "result", "ok": 1, "value": 1, "warnings": []},
        {"stage": "result", "ok": False, "phase": "call", "error": {"type": "X"}, "warnings": []},
        {"stage": "result", "ok": False, "phase": "elsewhere", "warnings": [],
         "error": {"type": "X", "message": "", "traceback": "", "harness": False, "where": None}},
        {"stage": "result", "ok": False, "phase": "call", "warnings": [],
         "error": {"type": "X", "message": "", "traceback": "", "harness": False, "where": {"line": "1"}}},
        {"stage": "result", "ok": False, "phase": "call", "warnings": [],
         "error": {"type": 1, "message": "", "traceback": "", "harness": False, "where": None}},
        ["stage", "result"],
        "result",
    ],
    ids=["extra-key", "warnings-str", "warnings-int", "ok-int", "error-short", "bad-phase",
         "bad-where", "bad-type", "list", "string"],
)
def test_malformed_result_message_is_protocol(zygote, result):
    """A child that replaces its real result with a malformed one (then exits) fails closed."""
    frame = protocol.pack_frame(protocol.encode(result))
    outcome = call(zygote, EVERY_FD + f"""
import os

def run():
    every_fd({frame!r}, 3)
    os._exit(0)
""")
    assert outcome.status == "protocol", outcome
    assert outcome.value is None


def test_a_frame_cut_off_mid_message_is_protocol(zygote):
    frame = protocol.pack_frame(protocol.encode({"stage": "result", "ok": True, "value": 1, "warnings": []}))
    outcome = call(zygote, EVERY_FD + f"""
import os

def run():
    every_fd({frame[:-3]!r}, 3)
    os._exit(0)
""")
    assert outcome.status == "protocol"
    assert "cut off" in outcome.detail
    assert_still_serving(zygote)


@needs_proc
def test_a_frame_that_breaks_the_decoder_is_protocol_and_the_child_dies(unconfined_zygote, tmp_path):
    zygote = unconfined_zygote
    import json
    import struct

    head = json.dumps({"v": {"tensor": 0, "dtype": [], "shape": []}, "b": [0]}).encode()
    poison = protocol.pack_frame(struct.pack(">Q", len(head)) + head)
    pid_file = tmp_path / "pid"
    try:
        outcome = call(zygote, EVERY_FD + f"""
import os, time

def run():
    open({str(pid_file)!r}, "w").write(str(os.getpid()))
    every_fd({poison!r}, 3)
    time.sleep(30)
""", Limits(wall_seconds=2))
        assert outcome.status == "protocol"
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text())
            alive = wait_until(lambda: not process_alive(pid), timeout=3) is False
            if alive:
                os.killpg(pid, signal.SIGKILL)  # do not leave it behind for the other tests
    assert not alive


# ----------------------------------------------------------------------------- environment


def test_parent_secrets_are_not_in_the_child_environment(harness_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret_token_value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-value")
    monkeypatch.setenv("PYTHONPATH", "/nonexistent/injected")
    monkeypatch.setenv("LD_PRELOAD", "")
    with Zygote({"t": harness_path}) as fresh:
        outcome = call(fresh, """
            import os, sys

            def run():
                return {
                    "token": os.environ.get("GITHUB_TOKEN"),
                    "env": dict(os.environ),
                    "flags": [sys.flags.isolated, sys.flags.ignore_environment],
                }
            """)
    assert outcome.status == "ok", outcome
    value = outcome.value
    assert value["token"] is None
    assert "AWS_SECRET_ACCESS_KEY" not in value["env"]
    assert "PYTHONPATH" not in value["env"]
    assert not any("secret" in v for v in value["env"].values())
    allowed = set(ENV_KEEP) | {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                               "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "LC_CTYPE",
                               "TMPDIR"}  # the child's own folder
    assert set(value["env"]) <= allowed, set(value["env"]) - allowed
    assert value["flags"] == [1, 1]


def test_cwd_is_a_private_temp_dir_with_only_the_submission(zygote):
    outcome = call(zygote, """
        import os

        def run():
            return {"cwd": os.getcwd(), "files": sorted(os.listdir(".")),
                    "mode": os.stat(".").st_mode & 0o777}
        """)
    assert outcome.status == "ok", outcome
    cwd = outcome.value["cwd"]
    assert os.path.basename(cwd).startswith("child-")
    assert [f for f in outcome.value["files"] if f != "__pycache__"] == ["sub.py"]
    assert outcome.value["mode"] == 0o700
    assert Path(cwd).resolve() != Path.cwd().resolve()
    # The zygote removes the directory when it reaps the child, before it reports the exit.
    assert not os.path.exists(cwd)


def test_cwd_holds_only_the_submission_file(zygote):
    outcome = call(zygote, """
        import os, sys

        def run():
            return {"files": sorted(os.listdir(".")),
                    "flags": [sys.flags.dont_write_bytecode]}
        """)
    assert outcome.status == "ok", outcome
    assert outcome.value == {"files": ["sub.py"], "flags": [1]}


def test_each_child_gets_its_own_directory(zygote):
    source = "import os\ndef run():\n    open('left_behind', 'w').write('x')\n    return os.getcwd()\n"
    first, second = call(zygote, source), call(zygote, source)
    assert first.value != second.value
    assert not os.path.exists(first.value) and not os.path.exists(second.value)


def test_extra_submission_files_are_staged_beside_the_module(zygote):
    outcome = call(zygote, "import os, helper\ndef run():\n    return [helper.VALUE, sorted(os.listdir('.'))]\n",
                   files={"helper.py": b"VALUE = 7\n"})
    assert outcome.status == "ok", outcome
    value, files = outcome.value
    assert value == 7
    assert [f for f in files if f != "__pycache__"] == ["helper.py", "sub.py"]


@pytest.mark.parametrize("name", ["../escape.py", "/tmp/abs.py", "..", "a\\b.py"])
def test_submission_file_names_cannot_leave_the_directory(zygote, name):
    outcome = zygote.call(request(GOOD, files={name: b"x = 1\n"}), Limits())
    assert outcome.status == "crashed"
    assert outcome.exit.get("code") == 70  # the child refused the name before running anything
    assert_still_serving(zygote)


def test_the_temp_dir_is_removed_even_after_a_timeout(zygote):
    outcome = call(zygote, """
        import os, time

        def run():
            print(os.getcwd(), flush=True)
            time.sleep(100)
        """, Limits(wall_seconds=1))
    assert outcome.status == "timeout"
    cwd = outcome.stdout.strip()
    assert os.path.basename(cwd).startswith("child-")
    assert not os.path.exists(cwd)


def test_only_the_result_pipe_and_standard_streams_are_open(zygote):
    outcome = call(zygote, """
        import os

        def run():
            return sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
        """)
    assert outcome.status == "ok", outcome
    fds = [fd for fd in outcome.value if fd > 2]
    # the result pipe, plus the descriptor listdir itself opened
    assert len(fds) <= 2, outcome.value


def test_the_child_cannot_talk_to_the_zygote_control_channel(zygote):
    outcome = call(zygote, """
        import os, socket

        def run():
            try:
                socket.socket(fileno=0).send(b"x")
            except OSError as exc:
                return type(exc).__name__
            return "sent"
        """)
    assert outcome.status == "ok"
    assert outcome.value != "sent"
    assert_still_serving(zygote)


# ----------------------------------------------------------------------------- lifecycle


@needs_proc
def test_close_leaves_no_zygote_process_behind(harness_path):
    fresh = Zygote({"t": harness_path})
    pid = fresh.wait_ready()["pid"]  # the zygote's own pid (under bubblewrap, bwrap's child)
    assert process_alive(pid)
    outcome = call(fresh, GOOD)
    assert outcome.status == "ok"
    fresh.close()
    assert fresh._process.returncode is not None
    assert not process_alive(pid)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert wait_until(lambda: live_group_members(pid) == [])


@needs_proc
def test_close_while_a_child_is_running_kills_it(harness_path, tmp_path):
    import threading

    fresh = Zygote({"t": harness_path}, layers=())  # the child writes its pid to a file
    fresh.wait_ready()
    pid_file = tmp_path / "pid"
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(_call_quietly(fresh, f"""
        import os, time

        def run():
            open({str(pid_file)!r}, "w").write(str(os.getpid()))
            time.sleep(100)
        """, Limits(wall_seconds=30))))
    worker.start()
    assert wait_until(lambda: pid_file.exists() and pid_file.read_text() != "", timeout=10)
    child = int(pid_file.read_text())
    fresh.close()
    assert wait_until(lambda: not process_alive(child), timeout=5)
    worker.join(timeout=35)
    assert not worker.is_alive()


def _call_quietly(zygote, source, limits):
    try:
        return call(zygote, source, limits)
    except Exception as exc:  # noqa: BLE001 - the zygote went away under the call
        return exc


def test_a_harness_that_does_not_import_is_reported_not_fatal(harness_path, tmp_path):
    bad = tmp_path / "broken_harness.py"
    bad.write_text("x = 1\nraise ImportError('harness is broken')\n")
    with Zygote({"t": harness_path, "bad": bad}) as fresh:
        info = fresh.wait_ready()
        assert "bad" in info["harness_errors"] and "t" not in info["harness_errors"]
        assert "ImportError" in info["harness_errors"]["bad"]
        assert "harness is broken" in info["harness_errors"]["bad"]
        assert_still_serving(fresh)
        outcome = fresh.call({**request(GOOD), "harness": "bad"}, Limits())
        assert outcome.status == "raised" and outcome.phase == "call"
        assert_still_serving(fresh)


def test_a_zygote_whose_interpreter_cannot_start_raises_sandbox_error(harness_path, tmp_path):
    from grader.errors import SandboxError

    with pytest.raises(SandboxError):
        Zygote({"t": harness_path}, python=str(tmp_path / "no-such-python"))


def test_zygote_runs_isolated_python(zygote):
    outcome = call(zygote, "import sys\ndef run():\n    return [sys.flags.isolated, sys.flags.no_user_site]\n")
    assert outcome.value == [1, 1]


def test_zygote_survives_many_calls_quickly(zygote):
    started = time.monotonic()
    for i in range(20):
        outcome = call(zygote, f"def run():\n    return {i}\n")
        assert outcome.status == "ok" and outcome.value == i
    assert time.monotonic() - started < 10
