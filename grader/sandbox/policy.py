"""What a child may read: decided on the trusted side, checked against the course's secrets.

The allow-list holds the interpreter and library trees the zygote imported from and a few
system files torch reads lazily; the child's own folder is added by the child. No entry may be
the course's solutions or hidden tests, nor contain them: an allow-list that held ``sys.path[0]``
(the grader's checkout, next to ``solutions/``) once let a submission read the solutions with
every layer on. Entries that would are dropped here, and ``check`` proves the list clean.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
from pathlib import Path

# Libraries the interpreter and torch may still load, and what torch's CPU detection reads.
SYSTEM_READ_ONLY = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache",
                    "/dev/urandom", "/dev/zero", "/proc/cpuinfo", "/sys/devices/system/cpu",
                    "/sys/devices/system/node")
SYSTEM_READ_WRITE = ("/dev/null",)
NOBODY = 65534


def interpreter_trees() -> list[str]:
    """The prefixes, the standard library and the site-packages of this interpreter."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.add(sysconfig.get_path(name))
    try:
        paths.update(site.getsitepackages())
    except AttributeError:  # some virtualenv versions lack it
        pass
    return sorted(p for p in paths if p)


def protected_paths(course_root: Path | None, extra: list[Path] = ()) -> list[Path]:
    """What no child may read: the course's solutions and exercises, and the grader's checkout.

    The grader's own folder is protected when it is a source checkout (an editable install),
    not when it sits in site-packages, which the child needs and which holds no secret.
    """
    protected = [Path(p) for p in extra]
    if course_root is not None:
        protected += [course_root / "solutions", course_root / "exercises"]
    package_root = Path(__file__).resolve().parents[2]
    if not any(is_within(package_root, Path(s)) for s in site_dirs()):
        protected.append(package_root)
    return [resolve(p) for p in protected]


def site_dirs() -> list[str]:
    try:
        return site.getsitepackages()
    except AttributeError:
        return []


def build(protected: list[Path]) -> dict:
    """The child's file policy: read-only trees and extra read-write files, none near a secret."""
    read_only = [p for p in dict.fromkeys([*interpreter_trees(), *SYSTEM_READ_ONLY])
                 if os.path.exists(p) and not touches(p, protected)]
    return {"read_only": read_only, "read_write": list(SYSTEM_READ_WRITE),
            "protected": [str(p) for p in protected]}


def check(policy: dict) -> list[str]:
    """Allowed entries that are, or contain, a protected path (an empty list when clean)."""
    protected = [Path(p) for p in policy["protected"]]
    return [p for p in [*policy["read_only"], *policy["read_write"]] if touches(p, protected)]


def touches(path: str, protected: list[Path]) -> bool:
    """Whether allowing ``path`` would open a protected path (it is one, or lies above one)."""
    allowed = resolve(Path(path))
    return any(is_within(p, allowed) for p in protected)


def is_within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()
