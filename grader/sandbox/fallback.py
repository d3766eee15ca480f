"""Where there is no fork (Windows): one fresh interpreter per call, and an honest report.

``SubprocessSandbox`` offers the same ``call`` as ``Zygote`` but starts ``python -I`` for each
call, which costs an import of torch every time, and applies only the limits the platform has
(none on Windows; rlimits elsewhere). The child still runs in its own process with a clean
environment and a private temp folder, the wall clock and output caps still hold, and the same
strict codec decodes what comes back; reports say the run was not isolated.

Pipes are drained by threads rather than ``select`` so that this works where ``select`` only
takes sockets.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from grader.sandbox import clean, cleanup, protocol
from grader.sandbox.outcome import CallOutcome, Limits, describe_exit, interpret
from grader.sandbox.pool import clean_environment

BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from grader.sandbox import child; child.run_standalone()"
)


class SubprocessSandbox:
    def __init__(self, harnesses: dict[str, Path], python: str | None = None):
        self.harnesses = {name: str(path) for name, path in harnesses.items()}
        self.python = python or sys.executable
        self.info: dict = {"kind": "subprocess"}

    def wait_ready(self, timeout: float = 60.0) -> dict:
        return self.info

    def close(self) -> None:
        pass

    def call(self, request: dict, limits: Limits) -> CallOutcome:
        started = time.monotonic()
        package_root = str(Path(__file__).resolve().parents[2])
        process = subprocess.Popen(
            [self.python, "-I", "-B", "-c", BOOT, package_root],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=clean_environment(), close_fds=True,
        )
        scratch = tempfile.mkdtemp(prefix="grader-sandbox-")  # removed below, whatever the child did
        message = {**request, "limits": limits.as_dict()}
        payload = (protocol.pack_frame(protocol.encode({"harnesses": self.harnesses, "scratch": scratch}))
                   + protocol.pack_frame(protocol.encode(message)))
        frames = protocol.FrameReader(limits.result_mb << 20)
        results: list = []
        failure: list = []
        output = bytearray()
        truncated = [False]

        def feed():
            try:
                process.stdin.write(payload)
                process.stdin.close()
            except OSError:
                pass

        def read_results():
            while chunk := process.stdout.read1(1 << 16):
                try:
                    results.extend(protocol.decode(p) for p in frames.feed(chunk))
                except protocol.ProtocolError as exc:
                    failure.append(("too_large" if "exceeds the cap" in str(exc) else "protocol", str(exc)))
                    process.kill()
                    return

        def read_output():
            cap = limits.output_kb * 1024
            while chunk := process.stderr.read1(1 << 16):
                room = cap - len(output)
                output.extend(chunk[: max(room, 0)])
                truncated[0] = truncated[0] or len(chunk) > room

        threads = [threading.Thread(target=t, daemon=True) for t in (feed, read_results, read_output)]
        for thread in threads:
            thread.start()
        try:
            process.wait(timeout=max(0.0, started + limits.wall_seconds - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            failure.append(("timeout", f"it ran longer than the {limits.wall_seconds:g} s limit"))
        for thread in threads:
            thread.join(timeout=5)
        cleanup.remove_tree(scratch)
        outcome = interpret(results, frames.pending, failure[0] if failure else None)
        code = process.returncode
        outcome.exit = {"signal": -code} if code < 0 else {"code": code}
        if outcome.status == "crashed":
            outcome.detail = describe_exit(outcome.exit, limits) + outcome.detail
        outcome.stderr = clean.output(output)
        outcome.output_truncated = truncated[0]
        outcome.duration = time.monotonic() - started
        return outcome
