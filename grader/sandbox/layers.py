"""Isolation layers, applied inside the freshly forked, single-threaded child.

This module runs on the untrusted side and imports nothing of the grader. Each function returns
whether its layer is now in force, so the child can tell the trusted side exactly what applied
(the report carries it). The order matters: everything here happens before any student code runs.
"""

from __future__ import annotations

import ctypes
import signal
import sys

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
