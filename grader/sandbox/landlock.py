"""Landlock, through the raw system calls: a file allow-list, TCP off, signal and socket scoping.

Hand-written with ctypes on purpose: the only binding on PyPI (``landlock``) is a pre-release
that covers files only, and this layer needs TCP rules (ABI 4) and scoping (ABI 6) as well.
Runs in the forked, single-threaded child (a Landlock domain covers the calling thread and what
it creates afterwards), imports nothing of the grader, and never raises: ``restrict`` returns
whether the domain is in force, and ``abi_version`` is 0 where there is no Landlock.

Rights are asked for by ABI: a right the kernel does not know makes the ruleset invalid, so
``handled_fs`` masks the set down to what this kernel handles.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

# System call numbers are the same on x86_64 and aarch64 (Landlock came after the unified table).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ_ONLY = READ_FILE | READ_DIR
# The child's own folder: everything but special files, sockets and FIFOs and running programs.
READ_WRITE = (READ_ONLY | WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM
              | REFER | TRUNCATE)


class RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is packed: a u64 then an s32
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def abi_version() -> int:
    """The Landlock ABI this kernel offers, 0 where it offers none (or is not Linux)."""
    libc = _libc()
    if libc is None:
        return 0
    version = libc.syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                           ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(version), 0)


def handled_fs(abi: int) -> int:
    return FS_RIGHTS_BY_ABI[max(v for v in FS_RIGHTS_BY_ABI if v <= abi)]


def restrict(read_only: list[str], read_write: list[str], abi: int | None = None) -> dict:
    """Confine this thread (and what it starts later) to the paths given; cut TCP; scope.

    Returns ``{"landlock": bool, "tcp": bool, "scoped": bool, "abi": int}``: which parts are in
    force. Paths that do not exist are skipped. Sets no_new_privs, as Landlock requires.
    """
    state = {"landlock": False, "tcp": False, "scoped": False, "abi": 0}
    libc = _libc()
    abi = abi_version() if abi is None else abi
    if libc is None or abi < 1:
        return state
    state["abi"] = abi
    fs = handled_fs(abi)
    attr = RulesetAttr(handled_access_fs=fs)
    size = 8
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # no rule: no TCP at all
        size = 16
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return state
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, READ_WRITE)):
            for path in paths:
                if not add_path(libc, ruleset, path, rights & fs):
                    return state
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return state
        if libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return state
    finally:
        os.close(ruleset)
    state.update(landlock=True, tcp=abi >= 4, scoped=abi >= 6)
    return state


def add_path(libc, ruleset: int, path: str, rights: int) -> bool:
    """Allow ``rights`` beneath ``path``; a missing path is skipped, any other error fails."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        if not os.path.isdir(path):
            rights &= READ_FILE | WRITE_FILE | TRUNCATE | EXECUTE | IOCTL_DEV  # file rights only
        rule = PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        return libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                            ctypes.byref(rule), ctypes.c_uint32(0)) == 0
    finally:
        os.close(fd)
