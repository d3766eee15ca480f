"""What isolation this machine gives student code, and how to get more (``grade doctor``).

Starts a zygote exactly as grading does, with the layers ``GRADER_LAYERS`` chooses, so the answer
is the start-up probe's (each layer tried in a throwaway child and attacked), not a reading of
sysctls, and the level is the one a run under the same environment gets
(``sandbox.isolation`` decides both). Returns plain data; the CLI prints it.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from grader.sandbox import isolation
from grader.sandbox.outcome import Limits
from grader.sandbox.pool import Zygote

ORDER = ("netns", "landlock", "seccomp", "scratch_mount", "uid_drop", "bwrap")


def examine(course_root: Path | None = None) -> dict:
    """Probe this machine; return the platform, each layer's state and the level grading gets."""
    info = {"platform": f"{platform.system()} {platform.release()} ({platform.machine()})",
            "python": platform.python_version(), "root": hasattr(os, "geteuid") and os.geteuid() == 0}
    if not hasattr(os, "fork"):
        info.update(layers=[], isolation=isolation.describe(None),
                    note="no fork on this platform: student code runs unsandboxed in a fresh interpreter")
        return info
    wanted = isolation.chosen_layers()
    with Zygote({}, course_root=course_root, layers=wanted) as zygote:
        zygote.wait_ready()
        promised = zygote.promised_layers
        probe = zygote.info.get("probe") or {}
    rows = []
    for name in ORDER:
        state = probe.get(name, {"ok": False, "detail": "not probed"})
        needless = name == "uid_drop" and not info["root"]
        ok = bool(promised.get(name))
        detail = state.get("detail", "")
        if not ok and state.get("ok"):
            detail = f"works here, but {isolation.LAYERS_ENV} leaves it out"
        rows.append({"layer": name, "ok": ok, "detail": detail,
                     "how": "" if ok or needless or state.get("ok") else isolation.HOW_TO_GET[name],
                     "applies": not needless})
    limits = Limits()
    notes = [] if sys.platform.startswith("linux") else ["kernel layers exist on Linux only"]
    if isolation.LAYERS_ENV in os.environ:
        notes.append(f"{isolation.LAYERS_ENV}={os.environ[isolation.LAYERS_ENV]}: only these layers are used")
    info.update(layers=[{"layer": "zygote_fork", "ok": True, "detail": "", "how": "", "applies": True},
                        {"layer": "rlimits", "ok": True, "detail": "CPU, memory, files", "how": "", "applies": True},
                        *rows],
                isolation=isolation.describe(promised, limits),
                note="; ".join(notes))
    return info
