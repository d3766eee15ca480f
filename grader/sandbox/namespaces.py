"""Entering new Linux namespaces from a single-threaded process, as root or not.

Runs on the untrusted side (the zygote enters a network namespace, each child a mount namespace)
and imports only the standard library. As root, a plain ``unshare``; otherwise the namespace is
made inside a new user namespace that maps only this process's uid and gid, which the kernel
allows only to a single-threaded process: call it before numpy or torch start threads (the zygote
does it before importing them; a freshly forked child has one thread). Root whose plain
``unshare`` is refused (capabilities dropped) tries the user namespace too.
"""

from __future__ import annotations

import ctypes
import os
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000


def enter(flags: int) -> str:
    """Move this process into new namespaces of ``flags``; '' when done, else why not."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    libc = ctypes.CDLL(None, use_errno=True)
    if os.geteuid() == 0 and libc.unshare(flags) == 0:
        return ""
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | flags) != 0:
        return f"unprivileged user namespaces refused ({os.strerror(ctypes.get_errno())})"
    try:
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)
    except OSError as exc:
        return f"user namespace set-up failed ({exc.strerror})"
    return ""
