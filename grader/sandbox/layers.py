"""Isolation layers, applied inside the freshly forked, single-threaded child.

This module runs on the untrusted side and imports nothing of the grader. Each function returns
whether its layer is now in force, so the child can tell the trusted side exactly what applied
(the report carries it). The order matters: everything here happens before any student code runs.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

from grader.sandbox import landlock, namespaces, scratch, seccomp_filter

try:
    import resource
except ImportError:  # not POSIX: no kernel limits, the report says so
    resource = None

PR_SET_PDEATHSIG = 1
MIB = 1 << 20
# Address space beyond the budget for thread stacks and allocator arenas, which reserve
# virtual memory they never touch.
ADDRESS_SPACE_SLACK = 256 * MIB


def die_with_parent(signal_number: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send this process a signal (SIGKILL unless told) when its parent dies."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def namespace_id(kind: str) -> str:
    """This process's namespace of ``kind`` (e.g. ``net:[4026531840]``), '' where unknown."""
    try:
        return os.readlink(f"/proc/self/ns/{kind}")
    except OSError:
        return ""


def memory_usage() -> tuple[int, int]:
    """(VmSize, VmData) of this process in bytes, read from /proc (0, 0 where unavailable)."""
    sizes = {"VmSize": 0, "VmData": 0}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in sizes:
                    sizes[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return sizes["VmSize"], sizes["VmData"]


def apply_rlimits(limits: dict) -> bool:
    """Apply the kernel resource limits the trusted side decided, relative to current usage.

    Memory is capped twice: RLIMIT_DATA alone misses shared anonymous mappings, RLIMIT_AS
    catches them. Both are set to what the process already maps (torch is imported) plus the
    exercise's budget, so a budget means "this much more than an idle child". No RLIMIT_NPROC:
    it is ignored for root and counts every thread of the uid machine-wide otherwise.
    """
    if resource is None:
        return False
    budget = int(limits["memory_mb"]) * MIB
    vm_size, vm_data = memory_usage()
    cpu = int(limits["cpu_seconds"])
    settings = [
        (resource.RLIMIT_CPU, cpu, cpu + 1),
        (resource.RLIMIT_FSIZE, int(limits["file_size_mb"]) * MIB, int(limits["file_size_mb"]) * MIB),
        (resource.RLIMIT_NOFILE, int(limits["open_files"]), int(limits["open_files"])),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    if vm_size:
        address_space = vm_size + budget + ADDRESS_SPACE_SLACK
        settings.append((resource.RLIMIT_AS, address_space, address_space))
        settings.append((resource.RLIMIT_DATA, vm_data + budget, vm_data + budget))
    for which, soft, hard in settings:
        resource.setrlimit(which, (soft, hard))
    return bool(vm_size)


BLOCKED_EVENTS = {
    "socket.__new__": "sandbox: network and sockets are blocked",
    "os.fork": "sandbox: starting processes is blocked",
    "os.forkpty": "sandbox: starting processes is blocked",
    "os.exec": "sandbox: running programs is blocked",
    "os.posix_spawn": "sandbox: starting processes is blocked",
    "os.spawn": "sandbox: starting processes is blocked",
    "os.system": "sandbox: running programs is blocked",
    "subprocess.Popen": "sandbox: running programs is blocked",
    "pty.spawn": "sandbox: running programs is blocked",
}


def enter_network_namespace() -> str:
    """Move this process into a new network namespace with no interfaces up; '' or why not.

    Sockets opened before stay usable: the control channel is a socket pair.
    """
    return namespaces.enter(namespaces.CLONE_NEWNET)


def drop_uid(uid: int, workdir: str) -> bool:
    """As root, become ``uid`` (group the same number, no supplementary groups); own ``workdir``."""
    if os.geteuid() != 0 or uid <= 0:
        return False
    try:
        os.chown(workdir, uid, uid)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    except OSError:
        return False
    return os.geteuid() == uid


def install_audit_hook(own_pid: int) -> bool:
    """Turn what seccomp refuses into readable messages (a speed bump, never the wall itself)."""
    def hook(event, args):
        message = BLOCKED_EVENTS.get(event)
        if message is None and event == "os.kill" and args and args[0] != own_pid:
            message = "sandbox: signals to other processes are blocked"
        if message is not None:
            raise PermissionError(message)

    try:
        sys.addaudithook(hook)
    except (AttributeError, RuntimeError):
        return False
    return True


def drop_capabilities() -> bool:
    """Clear this process's effective, permitted and inheritable capabilities (``capset``).

    A child that stays root (no ``uid_drop``) or that made a user namespace for its scratch mount
    keeps no capability past its set-up: no ``CAP_DAC_OVERRIDE`` to read other users' files, no
    ``CAP_SYS_ADMIN``. Harmless where there is none to drop.
    """
    if not sys.platform.startswith("linux"):
        return False

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.capset(ctypes.byref(Header(LINUX_CAPABILITY_VERSION_3, 0)), (Data * 2)()) == 0
    except (OSError, AttributeError):
        return False


LINUX_CAPABILITY_VERSION_3 = 0x20080522


def apply_kernel_layers(sandbox: dict, workdir: str, limits: dict) -> dict:
    """Apply, in order, the layers ``sandbox`` asks for: scratch mount, uid drop, Landlock,
    seccomp, audit hook (and every capability dropped after the first two).

    ``sandbox`` comes from the trusted side: ``read_only`` and ``read_write`` path lists and
    the names of the layers to apply (those the start-up probe found working); ``limits`` the
    exercise's (the scratch bound). Returns each layer's state; a layer that fails is reported
    off, never silently assumed.
    """
    wanted = set(sandbox.get("layers", ()))
    applied = {"scratch_mount": False, "uid_drop": False, "landlock": False, "seccomp": False,
               "audit_hook": False}
    writable = [workdir, *sandbox.get("read_write", ())]
    if "scratch_mount" in wanted:
        why, private = scratch.mount_private(
            workdir, int(limits["scratch_mb"]), int(limits["scratch_files"]),
            [*sandbox.get("read_only", ()), *sandbox.get("read_write", ())])
        applied["scratch_mount"] = not why
        writable += private  # this child's own, bounded: /tmp and the like work as students expect
    if "uid_drop" in wanted:
        applied["uid_drop"] = drop_uid(int(sandbox.get("uid", -1)), workdir)
    drop_capabilities()
    if "landlock" in wanted:
        # Its own /proc entry too: its fds, limits and maps are no secret, and libraries read them.
        read_only = [*sandbox.get("read_only", ()), f"/proc/{os.getpid()}"]
        state = landlock.restrict(read_only, writable)
        applied["landlock"] = state["landlock"]
    own_pid = os.getpid()
    if "seccomp" in wanted:
        applied["seccomp"] = seccomp_filter.apply(own_pid)
    if "audit_hook" in wanted and applied["seccomp"]:
        applied["audit_hook"] = install_audit_hook(own_pid)
    return applied
