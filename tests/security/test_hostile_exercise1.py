"""Hostile exercise1 submissions: every one is a wrong answer and must score 0 out of 7.

Each submission tries to win points without computing the derivative: by patching comparisons,
exiting early, printing or forging results, lying objects, exhausting resources, or leaving code
behind to run later. After each one the reference solution is graded with the same warm session
and must still get 7/7: a hostile submission must not affect the next one.
"""

from __future__ import annotations

import json
import shutil
import textwrap
import time
from pathlib import Path

import pytest

from grader.sandbox import protocol

from ..conftest import REPO, SOLUTIONS, Grader

pytestmark = pytest.mark.sandbox

SOLUTION = SOLUTIONS / "exercise1.py"
POINTS = 7

# The wrong answer the hostile submissions return.
WRONG = 0.0


def source(text: str, **names) -> str:
    """Dedent ``text`` and substitute ``{name}`` placeholders (braces elsewhere stay as they are)."""
    text = textwrap.dedent(text)
    for name, value in {"WRONG": WRONG, **names}.items():
        text = text.replace("{" + name + "}", repr(value))
    return text


def assert_scores_nothing(report) -> None:
    assert report.status == "graded", report.error
    assert report.max_score == POINTS
    assert len(report.tests) == POINTS
    for test in report.tests:
        assert test.status in ("passed", "failed", "error")
        assert test.status != "passed", (test.name, test.message)
        assert test.points == 0
    assert report.score == 0, [(t.name, t.status) for t in report.tests]


def assert_next_grades_normally(grader) -> None:
    report = grader.file(SOLUTION)
    assert report.status == "graded", report.error
    assert (report.score, report.max_score) == (POINTS, POINTS), [(t.name, t.message) for t in report.tests]


def grade_hostile(grader, text: str):
    report = grader.source(text)
    assert_scores_nothing(report)
    assert_next_grades_normally(grader)
    return report


def messages(report) -> str:
    return "\n".join(f"{t.message} {t.hint or ''}" for t in report.tests)


# ----------------------------------------------------------------------------- patched checks


def test_patching_comparisons_at_import(grader1):
    report = grade_hostile(grader1, source("""
        import math
        import numpy
        import torch
        import torch.testing

        torch.allclose = lambda *a, **k: True
        torch.isclose = lambda a, b, *r, **k: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)
        torch.equal = lambda *a, **k: True
        torch.testing.assert_close = lambda *a, **k: None
        torch.testing.assert_allclose = lambda *a, **k: None
        math.isclose = lambda *a, **k: True
        math.isfinite = lambda *a: True
        numpy.allclose = lambda *a, **k: True
        numpy.isclose = lambda *a, **k: True

        def dydx(f, x0):
            return {WRONG}
        """))
    assert all(t.status == "failed" for t in report.tests)


def test_patching_the_grader_modules_inside_the_child(grader1):
    grade_hostile(grader1, source("""
        import sys
        import grader.harness
        from grader.sandbox import protocol

        def lie(value):
            return {WRONG}, "float"

        grader.harness.as_number = lie
        harness = sys.modules.get("grader_harness_exercise1")
        if harness is not None:
            harness.as_number = lie
        for name in list(sys.modules):
            if name.startswith("grader.checks") or name.startswith("grader.report"):
                del sys.modules[name]
        protocol.TENSOR_DTYPES["complex64"] = 8

        def dydx(f, x0):
            return {WRONG}
        """))


@pytest.mark.parametrize("target", ["torch.Tensor.__eq__", "torch.Tensor.__sub__", "torch.Tensor.__abs__",
                                    "torch.Tensor.item", "torch.Tensor.__float__", "torch.Tensor.__le__"])
def test_monkeypatching_tensor_methods(grader1, target):
    grade_hostile(grader1, source("""
        import torch

        def lie(*args, **kwargs):
            return torch.tensor(0.0)

        owner, _, name = {TARGET}.rpartition(".")
        setattr(torch.Tensor, name, lie)

        def dydx(f, x0):
            return {WRONG}
        """, TARGET=target))


@pytest.mark.parametrize(
    "patch",
    [
        "builtins.float = LyingFloat",
        "builtins.abs = lambda value: 0.0",
        "builtins.float = LyingFloat; builtins.abs = lambda value: 0.0; "
        "builtins.isinstance = lambda *a: True; builtins.all = lambda *a: True",
    ],
    ids=["float", "abs", "everything"],
)
def test_monkeypatching_builtins_and_float(grader1, patch):
    report = grade_hostile(grader1, source("""
        import builtins
        import torch

        for attribute in ("__eq__", "__sub__", "__abs__", "__le__", "__float__"):
            try:
                setattr(float, attribute, lambda *a: True)  # immutable type: TypeError
            except TypeError:
                pass

        class LyingFloat(float):
            def __eq__(self, other):
                return True

            def __sub__(self, other):
                return LyingFloat(0.0)

            def __abs__(self):
                return LyingFloat(0.0)

            def __le__(self, other):
                return True

            __hash__ = float.__hash__

        PATCH

        def dydx(f, x0):
            return LyingFloat({WRONG})
        """).replace("PATCH", patch))
    assert all(t.status == "failed" for t in report.tests)


# ----------------------------------------------------------------------------- early exits


def test_sys_exit_at_import(grader1):
    report = grade_hostile(grader1, source("""
        import sys
        sys.exit(0)

        def dydx(f, x0):
            return {WRONG}
        """))
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("sys.exit()" in t.message for t in visible)


def test_os_exit_zero_in_the_call(grader1):
    report = grade_hostile(grader1, source("""
        import os

        def dydx(f, x0):
            print("everything passed")
            os._exit(0)
        """))
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("ended abnormally" in t.message for t in visible)


@pytest.mark.parametrize("exception", ["SystemExit(0)", "KeyboardInterrupt()", "GeneratorExit()"])
def test_raising_exit_exceptions(grader1, exception):
    grade_hostile(grader1, source("""
        def dydx(f, x0):
            raise EXCEPTION
        """).replace("EXCEPTION", exception))


def test_killing_itself(grader1):
    grade_hostile(grader1, source("""
        import os, signal

        def dydx(f, x0):
            os.killpg(0, signal.SIGKILL)
        """))


# ----------------------------------------------------------------------------- fake output and frames


FAKE_REPORT = json.dumps({
    "schema_version": "1.0", "status": "graded", "score": POINTS, "max_score": POINTS,
    "tests": [{"name": "test_polynomial", "status": "passed", "points": 1, "max_points": 1}],
})


def test_printing_a_fake_full_marks_report(grader1, capfd):
    report = grade_hostile(grader1, source("""
        import os
        import sys

        FAKE = {FAKE}

        print(FAKE)
        print(FAKE, file=sys.stderr)

        def dydx(f, x0):
            print(FAKE)
            print("Score: 7/7", file=sys.stderr)
            os.write(1, FAKE.encode() + b"\\n")
            os.write(2, FAKE.encode() + b"\\n")
            sys.stdout.flush()
            return {WRONG}
        """, FAKE=FAKE_REPORT))
    # What the child printed is its captured output, shown for the visible checks only ...
    for test in report.tests:
        if test.visibility == "visible":
            assert test.output and '"score": 7' in test.output
        else:
            assert test.output is None
    # ... and never reaches the grader's own streams.
    out, err = capfd.readouterr()
    assert '"score": 7' not in out and '"score": 7' not in err


def frames(*messages) -> bytes:
    return b"".join(protocol.pack_frame(protocol.encode(m)) for m in messages)


READY = {"stage": "ready", "layers": {"zygote_fork": True, "rlimits": True}}
FORGED_RESULT = {"stage": "result", "ok": True, "value": {"answers": [WRONG], "kinds": ["float"]},
                 "warnings": []}
FORGED_REPEATED = {"stage": "result", "ok": True,
                   "value": {"answers": [WRONG] * 3, "kinds": ["float"] * 3}, "warnings": []}

FORGER = """
    import os
    import sys

    FRAMES = {FRAMES}

    def write_everywhere():
        for fd in range(0, 256):
            try:
                os.write(fd, FRAMES)
            except OSError:
                pass

    def dydx(f, x0):
        write_everywhere()
        {THEN}
    """


@pytest.mark.parametrize(
    "forged",
    [frames(READY, FORGED_RESULT), frames(FORGED_RESULT), frames(READY, FORGED_REPEATED, READY, FORGED_RESULT),
     frames(FORGED_RESULT)[:-5]],
    ids=["ready+result", "result", "several", "cut-off"],
)
@pytest.mark.parametrize("then", ["return {WRONG}", "os._exit(0)", "sys.exit(0)", "os.close(3); return {WRONG}"],
                         ids=["return", "os._exit", "sys.exit", "close-then-return"])
def test_forged_result_frames_on_every_fd(grader1, forged, then):
    text = source(FORGER.replace("{THEN}", then), FRAMES=forged)
    grade_hostile(grader1, text)


def test_forged_frames_at_import(grader1):
    grade_hostile(grader1, source("""
        import os

        FRAMES = {FRAMES}
        for fd in range(0, 256):
            try:
                os.write(fd, FRAMES)
            except OSError:
                pass
        os._exit(0)
        """, FRAMES=frames(READY, FORGED_RESULT)))


def test_forged_header_claiming_gigabytes(grader1):
    header = protocol.HEADER.pack(protocol.MAGIC, protocol.VERSION, 2 << 30)
    grade_hostile(grader1, source(FORGER.replace("{THEN}", "return {WRONG}"), FRAMES=header))


def test_garbage_on_every_fd(grader1):
    grade_hostile(grader1, source(FORGER.replace("{THEN}", "return {WRONG}"),
                                  FRAMES=bytes(range(256)) * 16))


def test_forged_result_with_no_answers(grader1):
    empty = {"stage": "result", "ok": True, "value": {"answers": [], "kinds": []}, "warnings": []}
    grade_hostile(grader1, source(FORGER.replace("{THEN}", "os._exit(0)"), FRAMES=frames(empty)))


def test_patching_the_harness_loop_to_return_no_answers(grader1):
    grade_hostile(grader1, source("""
        import sys

        harness = sys.modules["grader_harness_exercise1"]
        harness.range = lambda n: iter(())

        def dydx(f, x0):
            return {WRONG}
        """))


def test_forged_result_with_other_shapes_of_answers(grader1):
    for value in ({"answers": "7", "kinds": []}, {"answers": [[1.0]], "kinds": []}, [1.0], "7/7",
                  {"answers": [True], "kinds": ["bool"]}, {"answers": [None] * 3, "kinds": []}):
        result = {"stage": "result", "ok": True, "value": value, "warnings": []}
        grade_hostile(grader1, source(FORGER.replace("{THEN}", "os._exit(0)"), FRAMES=frames(result)))


# A frame the decoder chokes on with something other than ProtocolError (see test_protocol).
POISON_HEAD = json.dumps({"v": {"tensor": 0, "dtype": [], "shape": []}, "b": [0]}).encode()
POISON = protocol.pack_frame(len(POISON_HEAD).to_bytes(8, "big") + POISON_HEAD)


def test_a_frame_that_breaks_the_decoder_scores_nothing(grader1):
    grade_hostile(grader1, source(FORGER.replace("{THEN}", "return {WRONG}"), FRAMES=POISON))


def test_a_frame_that_breaks_the_decoder_is_blamed_on_the_submission(grader1):
    report = grader1.source(source(FORGER.replace("{THEN}", "return {WRONG}"), FRAMES=POISON))
    assert report.score == 0
    assert all(t.status == "failed" for t in report.tests), [t.message for t in report.tests]


# ----------------------------------------------------------------------------- code left behind


def test_atexit_hooks_and_finalisers_never_run(grader1, tmp_path):
    marker = tmp_path / "marker"
    grade_hostile(grader1, source("""
        import atexit
        import signal
        import weakref

        MARKER = {MARKER}

        def leave_a_mark(*args):
            with open(MARKER, "a") as out:
                out.write("ran\\n")

        atexit.register(leave_a_mark)
        signal.signal(signal.SIGTERM, leave_a_mark)
        signal.signal(signal.SIGHUP, leave_a_mark)


        class Mark:
            def __del__(self):
                leave_a_mark()


        KEEP = Mark()
        KEEPER = Mark()
        weakref.finalize(KEEPER, leave_a_mark)

        def dydx(f, x0):
            atexit.register(leave_a_mark)
            return {WRONG}
        """, MARKER=str(marker)))
    time.sleep(0.1)
    assert not marker.exists()


def test_pickle_payload_is_never_unpickled(grader1, tmp_path):
    marker = tmp_path / "unpickled"
    report = grade_hostile(grader1, source("""
        import os
        import pickle

        class Payload:
            def __reduce__(self):
                return (os.mkdir, ({MARKER},))

        def dydx(f, x0):
            return pickle.dumps(Payload())
        """, MARKER=str(marker)))
    assert not marker.exists()
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("bytes" in t.message for t in visible), messages(report)


def test_pickle_payload_inside_a_tensor_or_container(grader1, tmp_path):
    marker = tmp_path / "unpickled"
    grade_hostile(grader1, source("""
        import os
        import pickle
        import torch

        class Payload:
            def __reduce__(self):
                return (os.mkdir, ({MARKER},))

        DATA = pickle.dumps(Payload())

        def dydx(f, x0):
            return torch.frombuffer(bytearray(DATA), dtype=torch.uint8)
        """, MARKER=str(marker)))
    assert not marker.exists()


# ----------------------------------------------------------------------------- lying objects


def test_float_subclass_that_lies(grader1):
    report = grade_hostile(grader1, source("""
        class LyingFloat(float):
            def __eq__(self, other):
                return True

            def __ne__(self, other):
                return False

            def __sub__(self, other):
                return LyingFloat(0.0)

            __rsub__ = __sub__

            def __abs__(self):
                return LyingFloat(0.0)

            def __float__(self):
                return 0.0

            def __lt__(self, other):
                return True

            __le__ = __lt__

            def __gt__(self, other):
                return False

            __ge__ = __gt__

            def __repr__(self):
                return "the right answer"

            __hash__ = float.__hash__

        def dydx(f, x0):
            return LyingFloat({WRONG})
        """))
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("LyingFloat" in t.message for t in visible), messages(report)


def test_tensor_subclass_that_lies(grader1):
    report = grade_hostile(grader1, source("""
        import torch

        class LyingTensor(torch.Tensor):
            def __eq__(self, other):
                return torch.tensor(True)

            def __sub__(self, other):
                return torch.tensor(0.0)

            def __abs__(self):
                return torch.tensor(0.0)

            def __le__(self, other):
                return torch.tensor(True)

            def item(self):
                return 0.0

            def __float__(self):
                return 0.0

            def numel(self):
                return 1

            def detach(self):
                return self

            def __reduce_ex__(self, protocol):
                return (float, (0.0,))

        def dydx(f, x0):
            return torch.tensor({WRONG}, dtype=torch.float64).as_subclass(LyingTensor)
        """))
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("LyingTensor" in t.message for t in visible), messages(report)


def test_parameter_is_not_accepted_as_a_number(grader1):
    grade_hostile(grader1, source("""
        import torch

        def dydx(f, x0):
            return torch.nn.Parameter(torch.tensor({WRONG}))
        """))


def test_object_with_lying_float_conversion(grader1):
    grade_hostile(grader1, source("""
        class Number:
            def __float__(self):
                raise SystemExit(0)

            def __index__(self):
                return 7

            def __eq__(self, other):
                return True

        def dydx(f, x0):
            return Number()
        """))


# ----------------------------------------------------------------------------- resources


@pytest.mark.slow
def test_endless_loop(grader1):
    started = time.monotonic()
    report = grade_hostile(grader1, source("""
        def dydx(f, x0):
            while True:
                pass
        """))
    assert time.monotonic() - started < POINTS * 12 + 10
    visible = [t for t in report.tests if t.visibility == "visible"]
    assert all("CPU" in t.message or "did not finish" in t.message for t in visible), messages(report)


@pytest.mark.parametrize(
    "allocation",
    [
        "bytearray(3 << 30)",
        "torch.empty(3 << 30, dtype=torch.uint8).fill_(1)",
    ],
    ids=["bytearray", "torch"],
)
def test_memory_far_past_the_limit(grader1, allocation):
    grade_hostile(grader1, source(f"""
        import torch

        def dydx(f, x0):
            hog = {allocation}
            return {{WRONG}}
        """))


def test_memory_bomb_at_import(grader1):
    grade_hostile(grader1, source("""
        HOG = bytearray(3 << 30)

        def dydx(f, x0):
            return {WRONG}
        """))


def test_returning_a_two_gigabyte_tensor(grader1):
    grade_hostile(grader1, source("""
        import torch

        def dydx(f, x0):
            return torch.empty(2**29)  # float32: 2 GiB
        """))


def test_returning_a_large_tensor_within_memory(grader1):
    grade_hostile(grader1, source("""
        import torch

        def dydx(f, x0):
            return torch.full((16 << 20,), {WRONG})  # 64 MiB
        """))


def test_output_flood(grader1):
    report = grade_hostile(grader1, source("""
        import sys

        def dydx(f, x0):
            chunk = "7/7 " * 16384
            for _ in range(160):  # 10 MiB
                sys.stdout.write(chunk)
            return {WRONG}
        """))
    for test in report.tests:
        if test.visibility == "visible":
            assert test.output is not None and len(test.output) < 2 * 64 * 1024 + 200


def test_filling_the_disk_is_limited(grader1, tmp_path):
    target = tmp_path / "big"
    grade_hostile(grader1, source("""
        def dydx(f, x0):
            with open({TARGET}, "wb") as out:
                for _ in range(64):
                    out.write(b"x" * (1 << 20))
            return {WRONG}
        """, TARGET=str(target)))
    assert not target.exists() or target.stat().st_size <= 16 << 20


def test_many_threads_and_processes_are_cleaned_up(grader1, tmp_path):
    pids = tmp_path / "pids"
    grade_hostile(grader1, source("""
        import os
        import threading
        import time

        def dydx(f, x0):
            for _ in range(4):
                threading.Thread(target=time.sleep, args=(100,), daemon=False).start()
            for _ in range(4):
                pid = os.fork()
                if pid == 0:
                    time.sleep(100)
                    os._exit(0)
                with open({PIDS}, "a") as out:
                    out.write(f"{pid}\\n")
            return {WRONG}
        """, PIDS=str(pids)))
    # Where seccomp bans fork (and Landlock keeps the file unwritten), nothing was started.
    leftover = [int(p) for p in pids.read_text().split()] if pids.exists() else []

    def alive(pid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat[stat.rindex(")") + 2] not in "ZX"

    deadline = time.monotonic() + 5
    while any(alive(p) for p in leftover) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(p) for p in leftover)


# ----------------------------------------------------------------------------- the report itself


def test_a_plain_zero_answer_gets_a_valid_report(grader1):
    report = grader1.source("def dydx(f, x0):\n    return 0.0\n")
    assert_scores_nothing(report)


# ----------------------------------------------------------------------------- the trusted process


EVIL_MODULE = """
import pathlib
pathlib.Path({MARKER}).open("a").write(__name__ + "\\n")
raise RuntimeError("student code ran in the trusted process")
"""
EVIL_INI = "[pytest]\naddopts = -p evil_plugin -p conftest --this-option-does-not-exist\n"
EVIL_TOML = ('[tool.pytest.ini_options]\naddopts = "-p evil_plugin --this-option-does-not-exist"\n'
             'pythonpath = ["."]\n')
EVIL_CFG = "[tool:pytest]\naddopts = -p evil_plugin --this-option-does-not-exist\n"


def plant_configuration(folder: Path, marker: Path) -> None:
    evil = source(EVIL_MODULE, MARKER=str(marker))
    for name in ("conftest.py", "evil_plugin.py", "sitecustomize.py", "usercustomize.py",
                 "pytest_plugin.py"):
        (folder / name).write_text(evil)
    (folder / "pytest.ini").write_text(EVIL_INI)
    (folder / "tox.ini").write_text(EVIL_INI)
    (folder / "setup.cfg").write_text(EVIL_CFG)
    (folder / "pyproject.toml").write_text(EVIL_TOML)


def test_student_folder_configuration_loads_nothing(grader1, tmp_path):
    marker = tmp_path / "marker"
    folder = tmp_path / "student"
    folder.mkdir()
    plant_configuration(folder, marker)
    (folder / "__init__.py").write_text(source(EVIL_MODULE, MARKER=str(marker)))
    shutil.copy(SOLUTION, folder / "dydx.py")
    report = grader1.file(folder / "dydx.py")
    assert report.status == "graded", report.error
    assert (report.score, report.max_score) == (POINTS, POINTS)
    assert not marker.exists(), marker.read_text()


def copy_course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(REPO / "exercises", root / "exercises",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def test_configuration_next_to_the_exercise_tests_loads_nothing(tmp_path):
    """A student's checkout of the course: dydx.py sits beside the tests, with planted config."""
    from grader.exercises import load_course

    marker = tmp_path / "marker"
    root = copy_course(tmp_path)
    folder = root / "exercises" / "exercise1"
    plant_configuration(folder, marker)
    plant_configuration(root, marker)
    plant_configuration(root / "exercises", marker)
    shutil.copy(SOLUTION, folder / "dydx.py")
    grader = Grader(load_course(root), "exercise1", tmp_path)
    try:
        report = grader.file(folder / "dydx.py")
    finally:
        grader.close()
    assert report.status == "graded", report.error
    assert (report.score, report.max_score) == (POINTS, POINTS)
    assert not marker.exists(), marker.read_text()


def test_init_file_next_to_the_exercise_tests_loads_nothing(tmp_path):
    from grader.exercises import load_course

    marker = tmp_path / "marker"
    root = copy_course(tmp_path)
    folder = root / "exercises" / "exercise1"
    (folder / "__init__.py").write_text(source(EVIL_MODULE, MARKER=str(marker)))
    shutil.copy(SOLUTION, folder / "dydx.py")
    grader = Grader(load_course(root), "exercise1", tmp_path)
    try:
        report = grader.file(folder / "dydx.py")
    finally:
        grader.close()
    assert not marker.exists(), marker.read_text()
    assert report.status == "graded", report.error
    assert (report.score, report.max_score) == (POINTS, POINTS)


# ----------------------------------------------------------------------------- the sandbox itself


def test_killing_the_zygote_does_not_break_the_next_submission(course, tmp_path):
    grader = Grader(course, "exercise1", tmp_path)  # its own session: this one is wrecked
    try:
        report = grader.source(source("""
            import os
            import signal

            def dydx(f, x0):
                os.kill(os.getppid(), signal.SIGKILL)
                return {WRONG}
            """))
        assert report.score == 0
        assert_next_grades_normally(grader)
    finally:
        grader.close()
