"""The start-up probe: try every layer in a throwaway child and test that it holds.

Runs on the untrusted side, in the zygote, once, while torch is imported: sysctls and version
numbers say what a kernel could do, not what this process may do (an AppArmor profile, a
container's seccomp policy or a missing library can each refuse a layer), so the probe forks a
child that applies the layers exactly as a grading child would and then attacks them: it opens
the protected paths, opens a socket, forks, signals every process with signal 0 (which delivers
nothing), makes a SysV shared memory segment, writes past a 1 MB scratch bound, looks for a
file beside its folder, and checks that the interpreter is still readable. Only the layers that
held are asked of later children. Nothing here imports the grader beyond the sandbox's own modules.
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import sys
import tempfile

from grader.sandbox import landlock, layers, seccomp_filter

PROBE_SECONDS = 10.0
NOBODY = 65534


def start(sandbox: dict, scratch: str) -> tuple[int, int]:
    """Fork a probe child; return its pid and the pipe its findings arrive on (``finish``).

    It needs nothing of torch, so the zygote starts it before importing torch and the two run
    side by side instead of one after the other.
    """
    workdir = tempfile.mkdtemp(prefix="probe-", dir=scratch)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            found = probe_child(sandbox, workdir)
            os.write(write_end, json.dumps(found).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    return pid, read_end


def finish(started: tuple[int, int], zygote_state: dict) -> dict:
    """Collect what the probe child found, and describe every layer for the report."""
    pid, read_end = started
    data = b""
    ready, _, _ = select.select([read_end], [], [], PROBE_SECONDS)
    if ready:
        while chunk := os.read(read_end, 1 << 16):
            data += chunk
    os.close(read_end)
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
    os.waitpid(pid, 0)
    try:
        found = json.loads(data)
    except ValueError:
        found = {}
    return describe(found, zygote_state)


def probe_child(sandbox: dict, workdir: str) -> dict:
    """In the throwaway child: apply the layers, then try what each one must stop."""
    found: dict = {"landlock_abi": landlock.abi_version(), "seccomp_library": seccomp_filter.available()}
    wanted = {"layers": ["scratch_mount", "landlock", "seccomp"], "read_only": sandbox.get("read_only", []),
              "read_write": sandbox.get("read_write", [])}
    if os.geteuid() == 0:
        found["uid_drop_readable"] = readable_after_drop(sandbox)
    sibling = os.path.join(os.path.dirname(workdir), "sibling-of-the-probe")
    with open(sibling, "w"):
        pass
    applied = layers.apply_kernel_layers(wanted, workdir, PROBE_SCRATCH)
    found["applied"] = applied
    found["scratch_bounded"] = not os.path.exists(sibling) and blocked_by_space(workdir)
    found["ipc_blocked"] = blocked_ipc()
    found["protected_blocked"] = all(not can_open(p) for p in sandbox.get("protected", []))
    found["interpreter_readable"] = can_open(os.__file__)
    found["socket_blocked"] = blocked(lambda: __import__("socket").socket())
    found["fork_blocked"] = blocked(os_fork_and_leave)
    found["kill_blocked"] = blocked(lambda: os.kill(-1, 0))  # signal 0: nothing is delivered
    return found


def readable_after_drop(sandbox: dict) -> bool:
    """Whether an unprivileged uid can still read the interpreter (in a grandchild: no way back)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        ok = False
        try:
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
            ok = all(can_open(p) for p in (os.__file__, json.__file__, sys.executable))
            ok = ok and all(os.access(p, os.R_OK | os.X_OK) for p in sandbox.get("read_only", [])[:4]
                            if os.path.isdir(p))
        finally:
            os.write(write_end, b"1" if ok else b"0")
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.close(read_end)
    os.waitpid(pid, 0)
    return answer == b"1"


PROBE_SCRATCH = {"scratch_mb": 1, "scratch_files": 64}


def blocked_by_space(workdir: str) -> bool:
    """Whether writing twice the probe's 1 MB scratch bound fails for lack of space."""
    try:
        with open(os.path.join(workdir, "fill"), "wb") as out:
            out.write(b"x" * (2 << 20))
    except OSError:
        return True
    return False


def blocked_ipc() -> bool:
    """Whether SysV shared memory, the kernel object children could otherwise share, is refused."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    IPC_PRIVATE = 0
    ident = libc.shmget(IPC_PRIVATE, 4096, 0o600)
    if ident >= 0:
        libc.shmctl(ident, 0, None)  # IPC_RMID
        return False
    return ctypes.get_errno() == errno.EPERM


def os_fork_and_leave():
    if os.fork() == 0:
        os._exit(0)
    os.wait()


def can_open(path: str) -> bool:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as handle:
                handle.read(1)
    except OSError:
        return False
    return True


def blocked(action) -> bool:
    try:
        action()
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def describe(found: dict, zygote_state: dict) -> dict:
    """Each layer: whether it works here, and a line saying why not or what it does."""
    applied = found.get("applied", {})
    abi = found.get("landlock_abi", 0)
    report = {
        "netns": layer(zygote_state.get("netns", False), zygote_state.get("netns_detail", "")),
        "bwrap": layer(zygote_state.get("bwrap", False), zygote_state.get("bwrap_detail", "")),
        "landlock": layer(applied.get("landlock", False) and found.get("protected_blocked", False)
                          and found.get("interpreter_readable", False),
                          f"ABI {abi}" if abi else "this kernel has no Landlock (Linux 5.13+ with lsm=landlock)"),
        "seccomp": layer(applied.get("seccomp", False) and found.get("socket_blocked", False)
                         and found.get("fork_blocked", False) and found.get("kill_blocked", False)
                         and found.get("ipc_blocked", False),
                         "" if found.get("seccomp_library") else "libseccomp or pyseccomp is missing"),
        "scratch_mount": layer(applied.get("scratch_mount", False) and found.get("scratch_bounded", False),
                               "" if applied.get("scratch_mount") else
                               "no mount namespace: needs root or unprivileged user namespaces"),
    }
    if applied.get("scratch_mount") and not report["scratch_mount"]["ok"]:
        report["scratch_mount"]["detail"] = "the tmpfs did not bound the probe's writes or hide its siblings"
    if found.get("seccomp_library") and not report["seccomp"]["ok"]:
        report["seccomp"]["detail"] = ("the kernel refused the filter" if not applied.get("seccomp")
                                       else "a ban did not hold (socket, fork, kill or IPC got through)")
    if abi and not report["landlock"]["ok"]:
        report["landlock"]["detail"] += (": the protected paths stayed readable" if applied.get("landlock")
                                         else ": the kernel refused the ruleset")
    if "uid_drop_readable" in found:
        ok = bool(found["uid_drop_readable"])
        report["uid_drop"] = layer(ok, f"uid {NOBODY}" if ok else
                                   f"the interpreter ({sys.base_prefix}) is not readable by uid {NOBODY}")
    else:
        report["uid_drop"] = layer(False, "not running as root: already unprivileged")
    report["landlock"]["abi"] = abi
    return report


def layer(ok: bool, detail: str) -> dict:
    return {"ok": bool(ok), "detail": detail}
