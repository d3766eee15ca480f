"""Host memory a submission can hold outside its address space, at its peak.

Grades, with every layer the machine gives (or those ``GRADER_LAYERS`` names), submissions to
exercise1 that try to hold memory where ``RLIMIT_AS`` does not look: SysV shared memory segments
(attached, filled, detached: 2 GB asked) and files in the child's scratch space (100 files of
15 MB, each under the file-size limit). /proc/meminfo is sampled every 20 ms while each grades;
the figures are the peak rise of ``Shmem`` and the peak fall of ``MemAvailable`` against the
moment before, and what is still held once the report exists.

    python benchmarks/held_memory.py
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from grader.exercises import find_course
from grader.session import GradingSession
from grader.submission import load_submission

SYSV = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
def dydx(f, x0):
    for i in range(16):
        sid = libc.shmget(0x5EED0000 + i, 128 << 20, 0o1666)
        if sid < 0:
            break
        addr = libc.shmat(sid, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(addr, 1, 128 << 20)
        libc.shmdt(ctypes.c_void_p(addr))
    return 0.0
"""
FILES = """
import os, tempfile
def dydx(f, x0):
    try:
        for i in range(100):
            with open(os.path.join(tempfile.gettempdir(), "f%d" % i), "wb") as out:
                for _ in range(15):
                    out.write(b"x" * (1 << 20))
    except OSError:
        pass
    return 0.0
"""
MIB = 1 << 20


def meminfo() -> dict:
    values = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        values[key] = int(rest.split()[0]) * 1024
    return values


def remove_segments() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for i in range(16):
        ident = libc.shmget(0x5EED0000 + i, 0, 0)
        if ident >= 0:
            libc.shmctl(ident, 0, None)


def measure(session: GradingSession, exercise, source: str, folder: Path) -> tuple[float, float, float]:
    path = folder / exercise.module_file
    path.write_text(source)
    before = meminfo()
    peaks = {"Shmem": 0, "MemAvailable": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            now = meminfo()
            peaks["Shmem"] = max(peaks["Shmem"], now["Shmem"] - before["Shmem"])
            peaks["MemAvailable"] = max(peaks["MemAvailable"], before["MemAvailable"] - now["MemAvailable"])
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    session.grade([load_submission(exercise, [path])])
    done.set()
    sampler.join()
    held = meminfo()["Shmem"] - before["Shmem"]
    return peaks["Shmem"] / MIB, peaks["MemAvailable"] / MIB, held / MIB


def main() -> None:
    course = find_course()
    exercise = course.resolve("exercise1")
    folder = Path(tempfile.mkdtemp(prefix="held-"))
    try:
        with GradingSession(course, [exercise]) as session:
            level = session.require_isolation(None)
            print(f"isolation {level['level']}: {', '.join(n for n, on in level['layers'].items() if on)}")
            for name, source in (("SysV segments, 2 GB asked", SYSV), ("scratch files, 1.5 GB asked", FILES)):
                shmem, available, held = measure(session, exercise, source, folder)
                print(f"  {name:<28} peak Shmem +{shmem:7.0f} MB   peak MemAvailable -{available:7.0f} MB   "
                      f"Shmem still held after the report: {held:+.0f} MB")
    finally:
        remove_segments()


if __name__ == "__main__":
    main()
