"""What ``grade batch --template`` adds to reading a class: the tamper check per submission.

Builds a release of this course, then N submissions of each kind a batch reads (a folder, a git
clone, a zip with a nested root), each a copy of the release with one test file changed, plus the
costly ones: a folder at ``discovery.MAX_ENTRIES`` files and a folder whose protected files are
all huge (each over ``tamper.MAX_HASHED_BYTES``, so none is read). Times ``tamper.check`` beside
what the batch does anyway for the same submission (``discovery.read_from``: finding and reading
the students' files; both figures include opening the source, which the batch does once for the
two), and the peak of Python's own allocations during one check::

    .venv/bin/python benchmarks/tamper.py [--count 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.batch import discovery, tamper  # noqa: E402
from grader.exercises import load_course  # noqa: E402
from grader.publish import student_repo  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TEST_FILE = "exercises/exercise1/test_exercise1_public.py"
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "s",
           "GIT_AUTHOR_EMAIL": "s@example.org", "GIT_COMMITTER_NAME": "s", "GIT_COMMITTER_EMAIL": "s@example.org"}


def make(kind: str, release: Path, where: Path) -> discovery.Found:
    folder = where / kind
    shutil.copytree(release, folder)
    (folder / TEST_FILE).write_bytes((folder / TEST_FILE).read_bytes() + b"\n# changed\n")
    if kind == "git":
        for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "work")):
            subprocess.run(["git", *args], cwd=folder, env={**os.environ, **GIT_ENV}, check=True)
    if kind == "zip":
        archive_path = where / "student.zip"
        with zipfile.ZipFile(archive_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                archive.write(path, "student/Homework/" + path.relative_to(folder).as_posix())
        return discovery.Found("student", archive_path, "zip")
    if kind == "many files":
        for index in range(discovery.MAX_ENTRIES - 200):
            (folder / "notes" / f"{index // 1000}").mkdir(parents=True, exist_ok=True)
            (folder / "notes" / f"{index // 1000}" / f"{index}.txt").write_bytes(b"x")
    if kind == "huge files":
        for relative in [p for p in folder.rglob("*") if p.is_file() and "exercise1" in p.parts]:
            with open(relative, "ab") as handle:
                handle.truncate(tamper.MAX_HASHED_BYTES + 1)
    return discovery.Found(kind, folder, "git" if kind == "git" else "folder")


def seconds_of(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="checks timed per kind")
    count = parser.parse_args().count
    course = load_course(REPO)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        student_repo.build(course, root / "release")
        template = tamper.load_template(root / "release")
        print(f"release: {len(template.shipped)} files, {len(template.protected)} protected; {count} checks per kind")
        print(f"{'kind':<12} {'check ms':>9} {'read ms':>8} {'ratio':>6} {'changes':>8} {'peak MiB':>9}")
        for kind in ("folder", "git", "zip", "many files", "huge files"):
            (root / kind).mkdir()
            found = make(kind, root / "release", root / kind)
            source = discovery.open_source(found, None)
            tracemalloc.start()
            record = tamper.check(template, source)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            checks = seconds_of(lambda: tamper.check(template, discovery.open_source(found, None)), count)
            reads = seconds_of(lambda: discovery.read_from(discovery.open_source(found, None), found,
                                                           list(course.exercises)), count)
            check_ms, read_ms = statistics.median(checks) * 1000, statistics.median(reads) * 1000
            shown = record.get("problem") or len(record["changes"]) + record.get("unlisted", 0)
            print(f"{kind:<12} {check_ms:>9.1f} {read_ms:>8.1f} {check_ms / read_ms:>6.1f} {shown!s:>8} "
                  f"{peak / 2**20:>9.1f}")


if __name__ == "__main__":
    main()
