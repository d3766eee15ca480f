"""The trusted side of the sandbox: start the zygote, ask it for children, supervise them.

``Zygote`` starts the untrusted zygote process (``python -I`` with a clean environment) and
talks to it over a unix socket pair. ``Zygote.call`` runs one harness entry in a fresh confined
child and returns a ``CallOutcome``: whatever the child did (crashed, hung, exited early, flooded
its output, wrote garbage on its result pipe), the outcome says so and nothing is raised.

Deadlines and output caps are enforced here: the child's whole process group is killed at the
wall-clock limit, and output past the cap is read and discarded (a chatty but correct solution's
``print`` never fails).
"""

from __future__ import annotations

import os
import queue
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Protocol

from grader.errors import SandboxError
from grader.sandbox import bwrap, clean, cleanup, isolation, layers, policy, protocol
from grader.sandbox.outcome import CallOutcome, Limits, describe_exit, interpret

MAX_CONTROL_BYTES = 1 << 20
PR_SET_DUMPABLE = 4
ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT")


class ZygoteLost(Exception):
    """The zygote's control channel closed: the process is gone."""


class Sandbox(Protocol):
    """What the trusted side needs of a sandbox: ``Zygote``, or ``fallback.SubprocessSandbox``."""

    info: dict

    def wait_ready(self, timeout: float = 60.0) -> dict: ...

    def call(self, request: dict, limits: Limits) -> CallOutcome: ...

    def close(self) -> None: ...


class Zygote:
    """A running zygote process and the thread that reads its control channel."""

    def __init__(self, harnesses: dict[str, Path], python: str | None = None,
                 course_root: Path | None = None, layers: tuple[str, ...] = isolation.KERNEL_LAYERS):
        """``course_root``: whose solutions and hidden tests children must not read (by default
        the folder above the harnesses' ``exercises/``); ``layers``: the kernel layers to use
        where the start-up probe finds them working (all by default; the benchmark turns them off).
        """
        self._harnesses = {name: str(path) for name, path in harnesses.items()}
        self._python = python or sys.executable
        if course_root is None and harnesses:
            course_root = Path(next(iter(harnesses.values()))).resolve().parents[2]
        self._policy = policy.build(policy.protected_paths(course_root))
        if policy.check(self._policy):  # build() drops such entries: this would be a bug
            raise SandboxError(f"the sandbox allow-list opens the course: {policy.check(self._policy)}")
        self._wanted = tuple(layers)
        self.child_sandbox: dict = {"layers": []}
        self.promised_layers: dict | None = None
        make_undumpable()
        self._ids = iter(range(1, 1 << 62))
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self.restarts = 0
        self._start()

    def _start(self) -> None:
        """Start a zygote process and the thread that reads its control channel."""
        self._spawned: dict[int, queue.Queue] = {}
        self._exits: dict[int, queue.Queue] = {}
        self._ready: queue.Queue = queue.Queue()
        self.info: dict = {}
        self._log = tempfile.TemporaryFile()
        if shutil.which(self._python) is None:
            raise SandboxError(f"could not start the sandbox zygote: no interpreter at {self._python}")
        package_root = str(Path(__file__).resolve().parents[2])
        boot = (
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from grader.sandbox import zygote; zygote.main()"
        )
        argv = [self._python, "-I", "-B", "-c", boot, package_root]
        self._bwrap, bwrap_detail = False, "not asked for"
        if "bwrap" in self._wanted:
            self._bwrap, bwrap_detail = bwrap.available()
        if self._bwrap:
            # The children's folders live on bubblewrap's private /tmp: they vanish with it,
            # and nothing of them is ever on the host (a killed zygote leaves nothing behind).
            self._scratch, self._scratch_on_host = f"/tmp/grader-sandbox-{uuid.uuid4().hex}", False
            argv = bwrap.command(argv, self._policy["read_only"], Path(package_root) / "grader",
                                 list(self._harnesses.values()))
        else:
            # The children's folders live under this one, which is removed here on close: a
            # zygote killed outright cannot clean up after itself.
            self._scratch, self._scratch_on_host = tempfile.mkdtemp(prefix="grader-sandbox-"), True
            os.chmod(self._scratch, 0o711)  # a child that dropped root can reach its own folder, list none
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket = ours
        try:
            self._process = subprocess.Popen(
                argv,
                stdin=theirs.fileno(),
                stdout=self._log,
                stderr=self._log,
                env=clean_environment(),
                close_fds=True,
                start_new_session=True,
            )
        except OSError as exc:
            self._remove_scratch()
            raise SandboxError(f"could not start the sandbox zygote: {exc}") from None
        finally:
            theirs.close()
        sandbox = {**self._policy, "netns": "netns" in self._wanted, "parent_netns": layers.namespace_id("net"),
                   "bwrap": self._bwrap, "bwrap_detail": bwrap_detail}
        try:
            self._send({"kind": "init", "harnesses": self._harnesses, "scratch": self._scratch,
                        "sandbox": sandbox})
        except ZygoteLost:
            raise SandboxError(f"the sandbox zygote failed to start: {self.log_tail()}") from None
        self._reader = threading.Thread(target=self._read_control, daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self._process.poll() is None and self._reader.is_alive()

    def restart(self) -> None:
        """Replace a zygote that died (a child can kill it: same user) with a fresh one."""
        self.close()
        self.restarts += 1
        self._start()
        self.wait_ready()

    # ---------------------------------------------------------------- lifecycle

    def wait_ready(self, timeout: float = 60.0) -> dict:
        if not self.info:
            try:
                message = self._ready.get(timeout=timeout)
            except queue.Empty:
                raise SandboxError("the sandbox zygote did not start in time") from None
            if message is None:
                raise SandboxError(f"the sandbox zygote failed to start: {self.log_tail()}")
            self.info = message
            probe = message.get("probe") or {}
            # The policy sent with every request: the layers the probe found holding, the paths.
            self.child_sandbox = {"layers": isolation.for_children(probe, self._wanted),
                                  "read_only": self._policy["read_only"],
                                  "read_write": self._policy["read_write"], "uid": policy.NOBODY}
            self.promised_layers = isolation.promised(probe, self._wanted)
        return self.info

    def close(self) -> None:
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._log.close()
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        if self._scratch_on_host:
            cleanup.remove_tree(self._scratch)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def log_tail(self) -> str:
        """The last line the zygote printed (its error, when it died), for a one-line message."""
        try:
            self._log.seek(0)
            lines = self._log.read().decode(errors="replace").strip().splitlines()
        except (OSError, ValueError):
            return "no log"
        return lines[-1] if lines else "no log"

    # ---------------------------------------------------------------- calls

    def call(self, request: dict, limits: Limits) -> CallOutcome:
        """Run ``request`` (module_name, module_file, files, harness, entry, args) in a child.

        A zygote found dead is restarted first; if it dies before this call's child starts,
        the call is retried once on a new one (nothing of the student's ran). If it dies while
        the child runs, the child took it down: the outcome says so, and the next call restarts it.
        """
        for attempt in (1, 2):
            if not self.alive:
                self.restart()
            try:
                return self._call(request, limits)
            except ZygoteLost:
                if attempt == 2:
                    raise SandboxError(f"the sandbox zygote died: {self.log_tail()}") from None
        raise AssertionError("unreachable")

    def _call(self, request: dict, limits: Limits) -> CallOutcome:
        self.wait_ready()
        started = time.monotonic()
        request_id = next(self._ids)
        spawned: queue.Queue = queue.Queue()
        with self._lock:
            self._spawned[request_id] = spawned
        self._send({**request, "id": request_id, "limits": limits.as_dict(), "sandbox": self.child_sandbox})
        try:
            reply = spawned.get(timeout=30)
        except queue.Empty:
            raise SandboxError("the sandbox zygote stopped answering") from None
        if reply is None:
            raise ZygoteLost
        if isinstance(reply, str):
            raise SandboxError(f"the sandbox could not start a child: {reply}")
        pid, fds = reply
        with self._lock:
            exited = self._exits.setdefault(pid, queue.Queue())
        outcome = supervise(pid, fds, limits, started)
        try:
            outcome.exit = exited.get(timeout=max(0.5, started + limits.wall_seconds - time.monotonic()))
        except queue.Empty:
            kill_group(pid)
            try:
                outcome.exit = exited.get(timeout=10)
            except queue.Empty:
                outcome.exit = {"lost": True}
        with self._lock:
            self._exits.pop(pid, None)
        if outcome.exit.get("lost") and not outcome.ok:
            outcome.status = "crashed"
            outcome.detail = "it killed the sandbox process that started it"
        elif outcome.status == "crashed":
            outcome.detail = describe_exit(outcome.exit, limits) + outcome.detail
        outcome.duration = time.monotonic() - started
        return outcome

    # ---------------------------------------------------------------- control channel

    def _send(self, message: dict) -> None:
        try:
            with self._send_lock:
                self._socket.sendall(protocol.pack_frame(protocol.encode(message)))
        except OSError:
            raise ZygoteLost from None

    def _read_control(self) -> None:
        reader = protocol.FrameReader(MAX_CONTROL_BYTES)
        fds: list[int] = []
        try:
            while True:
                data, new_fds, _flags, _addr = socket.recv_fds(self._socket, 1 << 16, 16)
                fds.extend(new_fds)
                if not data:
                    break
                for payload in reader.feed(data):
                    message = protocol.decode(payload)
                    self._dispatch(message, fds)
        except (OSError, protocol.ProtocolError, EOFError):
            pass
        finally:
            self._ready.put(None)
            with self._lock:
                for waiting in self._spawned.values():
                    waiting.put(None)
                for waiting in self._exits.values():
                    waiting.put({"lost": True})

    def _dispatch(self, message: dict, fds: list[int]) -> None:
        kind = message.get("kind")
        if kind == "ready":
            self._ready.put(message)
        elif kind == "spawned":
            taken, fds[:] = fds[:3], fds[3:]
            with self._lock:
                self._spawned.pop(message["id"]).put((message["pid"], taken))
        elif kind == "spawn_failed":
            with self._lock:
                self._spawned.pop(message["id"]).put(str(message["message"]))
        elif kind == "exit":
            with self._lock:
                self._exits.setdefault(message["pid"], queue.Queue()).put(message)


def make_undumpable() -> bool:
    """Keep same-uid processes out of this one's memory and environment (/proc/<pid>/mem)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def clean_environment() -> dict:
    """The zygote's environment: what the interpreter needs, one thread per library, no secrets.

    ``PYTHON*`` variables are pointless here: ``python -I`` ignores them (``-B`` keeps the
    child's folder free of bytecode caches).
    """
    env = {key: os.environ[key] for key in ENV_KEEP if key in os.environ}
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def supervise(pid: int, fds: list[int], limits: Limits, started: float) -> CallOutcome:
    """Drain the child's pipes until they close or the deadline passes."""
    result_fd, out_fd, err_fd = fds
    deadline = started + limits.wall_seconds
    cap = limits.output_kb * 1024
    frames = protocol.FrameReader(limits.result_mb << 20)
    captured = {out_fd: bytearray(), err_fd: bytearray()}
    truncated = False
    messages: list[dict] = []
    failure: tuple[str, str] | None = None
    selector = selectors.DefaultSelector()
    for fd in fds:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    try:
        while selector.get_map() and failure is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                failure = ("timeout", f"it ran longer than the {limits.wall_seconds:g} s limit")
                break
            for key, _ in selector.select(remaining):
                try:
                    data = os.read(key.fd, 1 << 16)
                except BlockingIOError:
                    continue
                if not data:
                    selector.unregister(key.fd)
                elif key.fd == result_fd:
                    try:
                        messages.extend(protocol.decode(p) for p in frames.feed(data))
                    except protocol.ProtocolError as exc:
                        status = "too_large" if "exceeds the cap" in str(exc) else "protocol"
                        failure = (status, str(exc))
                else:
                    room = cap - len(captured[key.fd])
                    captured[key.fd] += data[: max(room, 0)]
                    truncated = truncated or len(data) > room
    finally:
        selector.close()
        for fd in fds:
            os.close(fd)
    if failure is not None:
        kill_group(pid)
    outcome = interpret(messages, frames.pending, failure)
    outcome.stdout = clean.output(captured[out_fd])
    outcome.stderr = clean.output(captured[err_fd])
    outcome.output_truncated = truncated
    return outcome


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
