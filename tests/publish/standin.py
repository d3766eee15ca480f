"""A stand-in for Gradescope's ``/autograder``: unpack the zip, run ``setup.sh``, run
``run_autograder`` in a memory cgroup the size of the container. Shared by the slow tests and
``benchmarks/gradescope_memory.py``.

The root lives outside pytest's private temporary folders (the children's uid must reach the
venv) and its venv is built on ``/usr/bin/python3`` (an interpreter under ``/root`` is unreadable
to that uid). ``GRADESCOPE_LAYERS`` are the layers a Gradescope container usually allows: no user
namespaces (so no netns, bubblewrap or scratch mount) and no Landlock.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from contextlib import contextmanager
from pathlib import Path

SYSTEM_PYTHON = Path("/usr/bin/python3")
GRADESCOPE_LAYERS = "uid_drop,seccomp"


class Unavailable(Exception):
    """This machine cannot stand in (no memory cgroup to make, no system Python)."""


@contextmanager
def memory_cgroup(limit_mb: int):
    """A memory cgroup of ``limit_mb`` with no swap (v2, or v1's memory controller); yields the file
    a process writes its pid into to join it, and a function giving (peak MB, OOM kills)."""
    v2, v1 = Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/memory")
    name = f"grader-standin-{uuid.uuid4().hex[:8]}"
    if (v2 / "cgroup.controllers").is_file() and "memory" in (v2 / "cgroup.subtree_control").read_text():
        group, peak, events = v2 / name, "memory.peak", "memory.events"
        files = {"memory.max": limit_mb << 20, "memory.swap.max": 0}
    elif (v1 / "memory.limit_in_bytes").is_file():
        group, peak, events = v1 / name, "memory.max_usage_in_bytes", "memory.oom_control"
        files = {"memory.limit_in_bytes": limit_mb << 20, "memory.memsw.limit_in_bytes": limit_mb << 20}
    else:
        raise Unavailable("no memory cgroup controller here")
    try:
        group.mkdir()
    except OSError as exc:
        raise Unavailable(f"cannot make a memory cgroup: {exc}") from None

    def figures() -> tuple[int, int]:
        kills = [line.split()[1] for line in (group / events).read_text().splitlines() if line.startswith("oom_kill ")]
        return int((group / peak).read_text()) >> 20, int(kills[0]) if kills else 0

    try:
        for file, value in files.items():
            if (group / file).exists():
                (group / file).write_text(str(value))
        yield group / "cgroup.procs", figures
    finally:
        group.rmdir()


def extract(archive: Path, into: Path) -> None:
    """Unpack like Gradescope does, modes included."""
    with zipfile.ZipFile(archive) as zipped:
        for item in zipped.infolist():
            zipped.extract(item, into)
            (into / item.filename).chmod(item.external_attr >> 16 & 0o777)


def set_up(archive: Path) -> Path:
    """A new root with the zip in ``source/`` and ``setup.sh`` run; remove it with ``shutil.rmtree``."""
    if not SYSTEM_PYTHON.is_file():
        raise Unavailable(f"needs {SYSTEM_PYTHON}")
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    root.chmod(0o755)
    extract(archive, root / "source")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": str(SYSTEM_PYTHON),
           "TORCH_INDEX_URL": ""}  # this machine reaches PyPI and a local torch wheel, not torch's index
    setup = subprocess.run(["bash", str(root / "source/setup.sh")], env=env, capture_output=True, text=True,
                           timeout=900)
    if setup.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"setup.sh failed: {setup.stderr[-3000:]}")
    return root


def run(root: Path, files: dict[str, Path | str], container_mb: int,
        layers: str = GRADESCOPE_LAYERS) -> tuple[dict, int, int]:
    """Stand a submission in ``submission/`` and run ``run_autograder`` in a cgroup of
    ``container_mb``; return results.json, the peak memory in MB and the OOM kills."""
    submitted = root / "submission"
    shutil.rmtree(submitted, ignore_errors=True)
    submitted.mkdir()
    for name, source in files.items():
        (submitted / name).parent.mkdir(parents=True, exist_ok=True)
        (submitted / name).write_text(source.read_text() if isinstance(source, Path) else source)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_LAYERS": layers}
    with memory_cgroup(container_mb) as (procs, figures):
        subprocess.run(["sh", "-c", f'echo $$ > "{procs}" && exec bash "$0"', str(root / "source/run_autograder")],
                       env=env, timeout=900, check=True)
        peak_mb, kills = figures()
    return json.loads((root / "results/results.json").read_text()), peak_mb, kills
