"""Round 2 of the trust boundary: no kernel state shared between children, bounded scratch space,
cleanup that cannot fail, and one isolation policy.

Each attack runs under every layer configuration in ``CONFIGS``: all layers (the zygote inside
bubblewrap where it runs), every layer but bubblewrap (children share the host's kernel objects
unless something stops them), and every layer but the per-child scratch mount (the zygote
watches the child's folder instead). A configuration this machine cannot give is skipped.

- IPC: SysV shared memory, message queues and semaphores, and POSIX message queues, are kernel
  objects outside any file tree: a submission that stores what it saw (a hidden input) in one
  must not let the next submission read it, and memory held in them must not outlive the child
  or exceed its budget.
- Scratch: a child's writable space is bounded in size and in number of files, per child.
- Cleanup: whatever tree a child leaves (deep, unreadable, symlinks, many entries) costs neither
  a report nor seconds per check, and nothing is left in the host's /tmp.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import threading
import time
from pathlib import Path

import pytest

from grader.sandbox.outcome import Limits
from grader.sandbox.isolation import KERNEL_LAYERS
from grader.sandbox.pool import Zygote

from ..conftest import REPO, SOLUTIONS, Grader, run_cli

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel layers are Linux's")]

CONFIGS = {
    "all-layers": KERNEL_LAYERS,
    "without-bwrap": tuple(n for n in KERNEL_LAYERS if n != "bwrap"),
    "without-scratch-mount": tuple(n for n in KERNEL_LAYERS if n != "scratch_mount"),
}
MIB = 1 << 20

# ctypes access to the kernel's IPC objects, shared by the attacks below. Every function returns
# None (or False) where the kernel refuses: the attack then simply learns nothing.
IPC = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
IPC_CREAT, IPC_NOWAIT = 0o1000, 0o4000

def shm_write(key, data):
    sid = libc.shmget(key, 4096, IPC_CREAT | 0o666)
    if sid < 0:
        return False
    addr = libc.shmat(sid, None, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        return False
    ctypes.memmove(addr, data + b"\0", len(data) + 1)
    libc.shmdt(ctypes.c_void_p(addr))
    return True

def shm_read(key):
    sid = libc.shmget(key, 0, 0)
    if sid < 0:
        return None
    addr = libc.shmat(sid, None, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        return None
    data = ctypes.string_at(addr)
    libc.shmdt(ctypes.c_void_p(addr))
    return data

class Msg(ctypes.Structure):
    _fields_ = [("mtype", ctypes.c_long), ("mtext", ctypes.c_char * 512)]

def msg_write(key, data):
    qid = libc.msgget(key, IPC_CREAT | 0o666)
    if qid < 0:
        return False
    message = Msg(1, data)
    return libc.msgsnd(qid, ctypes.byref(message), len(data), IPC_NOWAIT) == 0

def msg_read(key):
    qid = libc.msgget(key, 0)
    if qid < 0:
        return None
    message = Msg()
    got = libc.msgrcv(qid, ctypes.byref(message), 512, 0, IPC_NOWAIT)
    return message.mtext[:got] if got > 0 else None

SETVAL, GETVAL = 16, 12

def sem_write(key, data):
    sid = libc.semget(key, len(data), IPC_CREAT | 0o666)
    if sid < 0:
        return False
    return all(libc.semctl(sid, i, SETVAL, ctypes.c_int(b)) == 0 for i, b in enumerate(data))

def sem_read(key):
    sid = libc.semget(key, 0, 0)
    if sid < 0:
        return None
    values = [libc.semctl(sid, i, GETVAL) for i in range(40)]
    return bytes(v for v in values if 0 < v < 256)

libc.mq_open.restype = ctypes.c_int

def mq_write(key, data):
    qd = libc.mq_open(b"/grader-%d" % key, os.O_CREAT | os.O_RDWR, 0o666, None)
    if qd < 0:
        return False
    return libc.mq_send(qd, data, len(data), 0) == 0

def mq_read(key):
    qd = libc.mq_open(b"/grader-%d" % key, os.O_RDONLY | os.O_NONBLOCK)
    if qd < 0:
        return None
    buffer = ctypes.create_string_buffer(1 << 14)
    got = libc.mq_receive(qd, buffer, 1 << 14, None)
    return buffer.raw[:got] if got > 0 else None

def file_write(key, data):
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        try:
            with open(f"{folder}/grader-{key}", "wb") as out:
                out.write(data)
        except OSError:
            pass
    return True

def file_read(key):
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        try:
            with open(f"{folder}/grader-{key}", "rb") as handle:
                return handle.read()
        except OSError:
            pass
    return None
'''
CHANNELS = ("shm", "msg", "sem", "mq", "file")


@pytest.fixture(scope="module", params=list(CONFIGS))
def config(request, course, tmp_path_factory):
    """A warm exercise1 grader whose zygote uses one layer configuration."""
    saved = os.environ.get("GRADER_LAYERS")
    os.environ["GRADER_LAYERS"] = ",".join(CONFIGS[request.param])
    try:
        grader = Grader(course, "exercise1", tmp_path_factory.mktemp(request.param))
    finally:
        if saved is None:
            os.environ.pop("GRADER_LAYERS", None)
        else:
            os.environ["GRADER_LAYERS"] = saved
    info = grader.session.sandbox.wait_ready()
    probe = info.get("probe", {})
    if request.param == "all-layers" and not probe.get("bwrap", {}).get("ok"):
        grader.close()
        pytest.skip("bubblewrap does not run here: all-layers is without-bwrap")
    yield request.param, grader
    grader.close()


def isolated_strongly(grader: Grader) -> bool:
    return grader.session.require_isolation(None)["level"] == "strong"


def words(report) -> str:
    """Everything a reader of the report sees."""
    import json

    return json.dumps(report.to_dict())


def remove_host_ipc(key: int) -> None:
    """Remove, on the host, any SysV object an attack made with ``key`` (a failed run's leftovers)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    IPC_RMID = 0
    for get, ctl in ((libc.shmget, libc.shmctl), (libc.msgget, libc.msgctl)):
        ident = get(key, 0, 0)
        if ident >= 0:
            ctl(ident, IPC_RMID, None)
    ident = libc.semget(key, 0, 0)
    if ident >= 0:
        libc.semctl(ident, 0, IPC_RMID)
    libc.mq_unlink(b"/grader-%d" % key)
    for folder in ("/dev/shm", "/tmp", "/var/tmp"):
        Path(f"{folder}/grader-{key}").unlink(missing_ok=True)


# ----------------------------------------------------------------------------- IPC


@pytest.mark.parametrize("channel", CHANNELS)
def test_what_one_submission_stores_in_kernel_objects_the_next_cannot_read(config, channel):
    name, grader = config
    if not isolated_strongly(grader):
        pytest.skip(f"isolation is not strong under {name} here")
    key = 0x6A700000 + secrets.randbelow(1 << 16)
    mark = f"MARK{secrets.token_hex(6)}"
    writer = IPC + f"""
def dydx(f, x0):
    {channel}_write({key}, ("{mark}:%r" % x0).encode())
    return 0.0
"""
    reader = IPC + f"""
def dydx(f, x0):
    seen = {channel}_read({key})
    print("seen", seen)
    raise RuntimeError("seen %r" % (seen,))
"""
    try:
        grader.source(writer)
        report = grader.source(reader)
        assert mark not in words(report), f"{channel}: the next submission read what the last one stored"
        assert "seen None" in words(report)
    finally:
        remove_host_ipc(key)


def meminfo(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


@pytest.mark.slow
def test_memory_held_in_shared_segments_does_not_outlive_the_child(config):
    """2 GB of SysV segments, each touched and detached, from a child whose budget is 1 GB."""
    name, grader = config
    key = 0x6B700000 + secrets.randbelow(1 << 16)
    hog = IPC + f"""
def hold():
    held = 0
    for i in range(16):
        sid = libc.shmget({key} + i, 128 << 20, IPC_CREAT | 0o666)
        if sid < 0:
            break
        addr = libc.shmat(sid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(addr, 1, 128 << 20)
        libc.shmdt(ctypes.c_void_p(addr))
        held += 128
    return held
def dydx(f, x0):
    raise RuntimeError("held %d MB" % hold())
"""
    before = meminfo("Shmem")
    try:
        report = grader.source(hog)
        after = meminfo("Shmem")
        held = [int(m) for m in re.findall(r"held (\d+) MB", words(report))]
        assert after - before < 256 * MIB, f"{(after - before) // MIB} MB of shared memory outlived the children"
        assert max(held, default=0) <= 1024, f"the child held {max(held)} MB outside its budget"
    finally:
        for i in range(16):
            remove_host_ipc(key + i)


# ----------------------------------------------------------------------------- scratch space


def scratch_limits(grader: Grader) -> tuple[int, int]:
    limits = grader.exercise.limits
    return limits.scratch_mb, limits.scratch_files


FILL = r'''
import os, tempfile, mmap
def fill(kind):
    folder = tempfile.gettempdir()
    written, files = 0, 0
    try:
        for i in range(100000):
            path = os.path.join(folder, "f%d" % i)
            if kind == "big":
                with open(path, "wb") as out:
                    for _ in range(15):
                        out.write(b"x" * (1 << 20))
                        written += 1 << 20
            elif kind == "mmap":
                with open(path, "w+b") as out:
                    out.truncate(15 << 20)
                    m = mmap.mmap(out.fileno(), 15 << 20)
                    m[::4096] = b"y" * len(range(0, 15 << 20, 4096))
                    m.close()
                    written += 15 << 20
            elif kind == "empty":
                open(path, "wb").close()
            elif kind == "folders":
                os.mkdir(path)
            files += 1
            if written > (2 << 30) or files > 50000:
                break
    except (OSError, MemoryError, ValueError):
        pass
    return written, files
'''


@pytest.mark.parametrize("kind", ["big", "mmap", "empty", "folders"])
def test_a_child_cannot_write_more_than_its_scratch_bound(config, kind):
    name, grader = config
    size_mb, files = scratch_limits(grader)
    submission = FILL + f"""
def dydx(f, x0):
    written, made = fill("{kind}")
    raise RuntimeError("wrote %d bytes in %d files" % (written, made))
"""
    before = meminfo("Shmem")
    report = grader.source(submission)
    found = re.findall(r"wrote (\d+) bytes in (\d+) files", words(report))
    assert report.status == "graded"
    for written, made in found:
        assert int(written) <= (size_mb + 16) * MIB, f"{int(written) // MIB} MB past a {size_mb} MB bound"
        assert int(made) <= files + 1, f"{made} files past a bound of {files}"
    if not found:  # killed for going over: the checks say so
        assert "scratch" in words(report)
    assert meminfo("Shmem") - before < 64 * MIB


def test_one_child_filling_its_scratch_cannot_make_a_concurrent_child_fail(tmp_path):
    harness = tmp_path / "harness.py"
    harness.write_text("from grader.harness import entry\n\n@entry\ndef run(student):\n    return student.run()\n")
    hog = FILL + "import time\ndef run():\n    w, n = fill('big')\n    time.sleep(1.5)\n    return [w, n]\n"
    modest = ("import tempfile, os\ndef run():\n    with tempfile.NamedTemporaryFile(delete=False) as out:\n"
              "        out.write(b'z' * (10 << 20))\n    return os.path.getsize(out.name)\n")
    limits = Limits(wall_seconds=20, cpu_seconds=15)
    with Zygote({"t": harness}) as zygote:
        zygote.wait_ready()
        results = {}

        def call(key, source):
            results[key] = zygote.call({"module_name": "student", "module_file": "student.py",
                                        "files": {"student.py": source.encode()}, "harness": "t",
                                        "entry": "run", "args": {}}, limits)

        first = threading.Thread(target=call, args=("hog", hog))
        first.start()
        time.sleep(0.5)
        call("modest", modest)
        first.join()
    assert results["modest"].ok, (results["modest"].status, results["modest"].error, results["modest"].detail)
    assert results["modest"].value == 10 << 20


# ----------------------------------------------------------------------------- cleanup


TREES = {
    "deep-chain": "p = tempfile.gettempdir()\nos.chdir(p)\nfor i in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\n",
    "unreadable-folders": ("p = tempfile.gettempdir()\nfor i in range(20):\n    q = os.path.join(p, 'locked%d' % i)\n"
                           "    os.makedirs(os.path.join(q, 'inner'))\n    open(os.path.join(q, 'inner', 'f'), 'w').close()\n"
                           "    os.chmod(os.path.join(q, 'inner'), 0)\n    os.chmod(q, 0)\n"),
    "symlinks-out": ("p = tempfile.gettempdir()\nfor i, target in enumerate(['/', '/usr', {canary!r}, '..', '.']):\n"
                     "    os.symlink(target, os.path.join(p, 'link%d' % i))\n"),
    "many-entries": "p = tempfile.gettempdir()\nfor i in range(3000):\n    open(os.path.join(p, 'e%d' % i), 'w').close()\n",
    "read-only-files-in-read-only-folders": (
        "p = os.path.join(tempfile.gettempdir(), 'ro')\nos.makedirs(p)\nfor i in range(10):\n"
        "    f = os.path.join(p, 'f%d' % i)\n    open(f, 'w').write('x')\n    os.chmod(f, 0o400)\nos.chmod(p, 0o500)\n"),
}


@pytest.mark.parametrize("tree", list(TREES))
def test_whatever_tree_a_child_leaves_costs_no_report_and_no_time(config, tree, tmp_path):
    name, grader = config
    canary = tmp_path / "canary"
    canary.mkdir()
    (canary / "keep.txt").write_text("keep")
    before = set(Path("/tmp").glob("grader-sandbox-*"))
    submission = "import os, tempfile\ndef dydx(f, x0):\n" + "".join(
        "    " + line + "\n" for line in TREES[tree].format(canary=str(canary)).splitlines()) + "    return 0.0\n"
    started = time.monotonic()
    report = grader.source(submission)
    elapsed = time.monotonic() - started
    assert report.status == "graded", report.error
    assert all("scratch" not in (t.message or "") for t in report.tests) or tree == "many-entries"
    assert elapsed < 15, f"{elapsed:.1f} s for one submission: cleanup is on the critical path"
    assert (canary / "keep.txt").read_text() == "keep", "cleanup followed a symlink out of the child's folder"
    after = grader.file(SOLUTIONS / "exercise1.py")
    assert after.score == after.max_score
    leftovers = set(Path("/tmp").glob("grader-sandbox-*")) - before
    for folder in leftovers:  # the session's own scratch may exist; nothing of this child may remain
        assert not any(folder.rglob("d")) and not any(folder.rglob("locked*")), f"left behind in {folder}"


def test_cleanup_of_a_deep_tree_on_the_trusted_side_never_raises(tmp_path):
    """The trusted side removes the scratch folder of a zygote that died without cleaning up."""
    from grader.sandbox.cleanup import remove_tree

    root = tmp_path / "scratch"
    path = root
    path.mkdir()
    os.chdir(root)
    try:
        for _ in range(3000):
            os.mkdir("d")
            os.chdir("d")
        os.mkdir("locked")
        open("locked/f", "w").close()
        os.chmod("locked", 0)
        os.symlink(str(tmp_path), "up")
    finally:
        os.chdir(REPO)
    (tmp_path / "keep").write_text("keep")
    assert remove_tree(root) is True
    assert not root.exists()
    assert (tmp_path / "keep").read_text() == "keep"


# ----------------------------------------------------------------------------- one isolation policy


@pytest.mark.parametrize("chosen", ["landlock,seccomp", "seccomp", "none", "bwrap,netns"])
def test_doctor_promises_what_a_run_under_the_same_layers_gets(chosen):
    env = {**os.environ, "GRADER_LAYERS": chosen}
    doctor = run_cli("doctor", env=env)
    assert doctor.returncode == 0, doctor.stderr
    promised = doctor.stdout.split("isolation level here:")[1].split()[0]
    graded = run_cli("exercise1", str(SOLUTIONS / "exercise1.py"), "--json", env=env)
    assert graded.returncode == 0, graded.stderr
    import json

    got = json.loads(graded.stdout)["isolation"]["level"]
    assert promised == got, f"GRADER_LAYERS={chosen}: doctor promised {promised}, a run got {got}"


BENIGN = '''
import os, tempfile, threading
import numpy as np
import torch

def dydx(f, x0):
    with tempfile.NamedTemporaryFile() as scratch:
        scratch.write(b"x" * (4 << 20))
        scratch.flush()
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "notes.txt"), "w") as notes:
        notes.write("working")
    sums = []
    worker = threading.Thread(target=lambda: sums.append(float(np.ones((300, 300)).sum())))
    worker.start()
    worker.join()
    buffer = bytearray(200 << 20)  # moderate memory
    del buffer
    x = torch.tensor(float(x0), dtype=torch.float64, requires_grad=True)
    f(x).backward()
    return x.grad.item()
'''


def test_benign_code_with_temp_files_threads_numpy_and_memory_scores_full_marks(config):
    name, grader = config
    report = grader.source(BENIGN)
    assert report.score == report.max_score, [(t.name, t.message) for t in report.tests]
    mounted = grader.session.sandbox.info["probe"]["scratch_mount"]["ok"] and name != "without-scratch-mount"
    assert report.isolation["scratch"]["enforced"] == ("tmpfs" if mounted else "watched")
