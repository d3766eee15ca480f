"""Find the submissions in an instructor's SUBMISSIONS and read each student's files as data.

Trusted process; nothing of a student's is run or unpacked. A submission is one entry of
SUBMISSIONS, its id the entry's name:

- a folder: one student's files (a per-student folder, or an LMS export unpacked);
- a git clone (a folder with ``.git``): read from a commit, never from the working tree, so
  ``--deadline`` can pick the last commit before it; the commit is recorded. GitHub Classroom's
  ``gh classroom clone student-repos`` puts the clones in ``<assignment>-submissions/``: such a
  folder (at any depth of ``*-submissions`` folders) holds submissions rather than being one;
- a zip file (an LMS or Gradescope export): its members are read in memory, never extracted.

In each, a student's file is ``exercises/<id>/<file>``, where the student release puts it, or
else the one file of that name anywhere in the submission. Only a regular file inside the
submission is read, at most ``MAX_FILE_BYTES`` (``grader.submission``): a symbolic link (a git
blob of mode 120000, a zip member marked as a link, a link in a folder that leaves it), a device,
FIFO or socket, a zip member with an outside path (absolute, ``..``) is refused, and a zip member
is decompressed only up to the cap, so a zip bomb costs nothing.

Every source also lists all its files (``paths``) and reads any of them under a cap of the
caller's (``contents``), by the same rules: ``grader.batch.tamper`` compares them with a release.
"""

from __future__ import annotations

import os
import stat
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from grader.errors import UsageProblem
from grader.exercises import Exercise
from grader.submission import MAX_FILE_BYTES, Submission, from_contents, read_file, too_large

CLASSROOM_SUFFIX = "-submissions"  # gh classroom clone student-repos: <assignment>-submissions/
MAX_ENTRIES = 20_000  # files and folders looked at in one submission before giving up
GIT_TIMEOUT_SECONDS = 30
GIT_BATCH_BYTES = 32 << 20  # blobs read by one git process at most
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0",
           "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
# Files by which a repository takes objects or refs from another one: a submission's must not.
BORROWING = ("commondir", "objects/info/alternates", "objects/info/http-alternates")
MAX_GIT_ENTRIES = 200_000  # files and folders looked at in a submission's .git before giving up


@dataclass(frozen=True)
class Found:
    """One submission: its id (a folder or file name), where it is, and what it is."""

    id: str
    path: Path
    kind: str  # folder | git | zip


def discover(root: Path) -> list[Found]:
    """Every submission in ``root`` (a folder of them, or one zip), in name order."""
    if root.is_file() and root.suffix.lower() == ".zip":
        return [Found(root.stem, root, "zip")]
    if not root.is_dir():
        raise UsageProblem(f"{root}: no such folder; SUBMISSIONS is a folder of students' folders, "
                           f"git clones or zip files")
    found = sorted(entries(root), key=lambda submission: submission.id)
    ids: dict[str, Found] = {}
    for submission in found:
        if submission.id in ids:
            raise UsageProblem(f"two submissions have the id {submission.id!r} ({ids[submission.id].path} and "
                               f"{submission.path}); rename one of them")
        ids[submission.id] = submission
    if not found:
        raise UsageProblem(f"{root} holds no submissions: no folders and no .zip files")
    return found


def entries(folder: Path):
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() and not path.is_symlink():
            if path.name.endswith(CLASSROOM_SUFFIX) and not (path / ".git").exists():
                yield from entries(path)
            else:
                yield Found(path.name, path, "git" if os.path.lexists(path / ".git") else "folder")
        elif path.is_file() and not path.is_symlink() and path.suffix.lower() == ".zip":
            yield Found(path.stem, path, "zip")


def read_submission(found: Found, exercises: list[Exercise], deadline: datetime | None = None) -> list[Submission]:
    """One ``Submission`` per exercise, from the student's files in ``found``."""
    return read_from(open_source(found, deadline), found, exercises)


def read_from(source, found: Found, exercises: list[Exercise]) -> list[Submission]:
    """One ``Submission`` per exercise, from an open source (``open_source``) of ``found``."""
    submissions = []
    for exercise in exercises:
        contents = {name: source.read(exercise.id, name) for name in exercise.student_files}
        submission = from_contents(exercise, found.id, contents)
        submission.commit = source.commit
        submissions.append(submission)
    return submissions


def open_source(found: Found, deadline: datetime | None):
    if found.kind == "zip":
        return ZipSource(found.path)
    if found.kind == "git":
        return GitSource(found.path, deadline)
    return FolderSource(found.path)


def locate(names: list[str], exercise_id: str, name: str) -> str:
    """The member of ``names`` (POSIX paths inside a submission) that is the student's ``name``,
    or ``LookupError`` with the student-facing reason."""
    preferred = f"exercises/{exercise_id}/{name}"
    if preferred in names:
        return preferred
    matches = [n for n in names if PurePosixPath(n).name == name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LookupError(f"{name} is missing: no file of that name in the submission "
                          f"(it belongs at {preferred})")
    listed = ", ".join(sorted(matches)[:3]) + (", ..." if len(matches) > 3 else "")
    raise LookupError(f"{name}: {len(matches)} files of that name in the submission ({listed}); "
                      f"put the one to grade at {preferred}")


class FolderSource:
    """A folder on disk, walked without following links."""

    commit = None

    def __init__(self, root: Path):
        self.root = root
        self.names: list[str] = []
        self.problem = None
        for count, (folder, dirs, files) in enumerate(os.walk(root)):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            base = Path(folder).relative_to(root).as_posix()
            self.names += [name if base == "." else f"{base}/{name}" for name in files]
            if count + len(self.names) > MAX_ENTRIES:
                self.problem = f"the submission holds more than {MAX_ENTRIES} files and folders; submit fewer"
                break

    def read(self, exercise_id: str, name: str) -> bytes | str:
        if self.problem:
            return self.problem
        try:
            member = locate(self.names, exercise_id, name)
        except LookupError as missing:
            return str(missing)
        return read_file(name, self.root / member, self.root)

    def paths(self) -> list[str]:
        return self.names

    def contents(self, paths: list[str], cap: int) -> dict[str, bytes | None]:
        """Each path's content, or None where it is no regular file inside the folder, or over ``cap``."""
        return {path: as_bytes(read_file(path, self.root / path, self.root, cap)) for path in paths}


class ZipSource:
    """A zip file, read member by member in memory: nothing is extracted."""

    commit = None

    def __init__(self, path: Path):
        self.problem = None
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.outside: list[str] = []
        try:
            self.archive = zipfile.ZipFile(path)
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            self.problem = f"{path.name} is not a readable zip file ({exc}); export the submission again"
            return
        if len(infos) > MAX_ENTRIES:
            self.problem = f"{path.name} holds more than {MAX_ENTRIES} entries; submit fewer files"
            return
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                self.outside.append(name)
            elif not info.is_dir():
                self.members[PurePosixPath(*parts).as_posix() if parts else name] = info

    def read(self, exercise_id: str, name: str) -> bytes | str:
        if self.problem:
            return self.problem
        try:
            member = self.members[locate(list(self.members), exercise_id, name)]
        except LookupError as missing:
            return str(missing)
        return self.member(member, name, MAX_FILE_BYTES)

    def member(self, member: zipfile.ZipInfo, name: str, cap: int) -> bytes | str:
        kind = stat.S_IFMT(member.external_attr >> 16)  # 0 when the zip did not say (Windows tools)
        if kind and kind != stat.S_IFREG:
            return f"{name} is a symbolic link or special file in the zip, not a regular file; submit the file itself"
        if member.file_size > cap:
            return too_large(name, member.file_size)
        try:
            with self.archive.open(member) as handle:
                content = handle.read(cap + 1)  # the header may lie: never more than the cap
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError, zlib.error) as exc:
            return f"{name} cannot be read from the zip ({exc}); export the submission again"
        return too_large(name, len(content)) if len(content) > cap else content

    def paths(self) -> list[str]:
        return list(self.members)

    def contents(self, paths: list[str], cap: int) -> dict[str, bytes | None]:
        """Each member's content, or None where it is no regular file, or over ``cap``."""
        return {path: as_bytes(self.member(self.members[path], path, cap)) for path in paths}


class GitSource:
    """A git clone, read from one commit's objects (the last before ``deadline``, else HEAD).

    git is asked only for objects (``rev-list``, ``ls-tree``, ``cat-file``), with the system and
    global configuration off and the repository's fsmonitor hook disabled: nothing in a student's
    repository runs.
    """

    def __init__(self, root: Path, deadline: datetime | None):
        self.root = root
        self.commit = None
        self.problem = own_repository_problem(root / ".git")
        self.blobs: dict[str, tuple[str, str]] = {}  # path -> (mode, object id)
        if self.problem:
            return
        try:
            if deadline is None:
                self.commit = self.git("rev-list", "-1", "HEAD").decode().strip() or None
            else:
                self.commit = self.git("rev-list", "-1", f"--before={deadline.isoformat()}", "HEAD").decode().strip() or None
            if self.commit is None:
                self.problem = f"no commit before the deadline {deadline.isoformat()}"
                return
            listing = self.git("ls-tree", "-r", "-z", "--full-tree", self.commit)
        except GitFailed as failure:
            self.problem = f"the git repository cannot be read ({failure}); clone it again"
            return
        entries = listing.split(b"\0")
        if len(entries) > MAX_ENTRIES:
            self.problem = f"its commit holds more than {MAX_ENTRIES} files; commit fewer"
            return
        for line in filter(None, entries):
            meta, _, path = line.partition(b"\t")
            mode, kind, oid = meta.decode().split()
            if kind == "blob":
                self.blobs[path.decode(errors="replace")] = (mode, oid)

    def git(self, *args: str, given: bytes | None = None) -> bytes:
        command = ["git", "-c", "core.fsmonitor=false", "-c", "safe.directory=*",
                   "--git-dir", str(self.root / ".git"), *args]
        stdin = {"input": given} if given is not None else {"stdin": subprocess.DEVNULL}
        try:
            done = subprocess.run(command, capture_output=True, timeout=GIT_TIMEOUT_SECONDS,
                                  env=git_environment(), **stdin)
        except FileNotFoundError:
            raise UsageProblem("git is needed to read the git clones among SUBMISSIONS; install it") from None
        except subprocess.TimeoutExpired:
            raise GitFailed("git took too long") from None
        if done.returncode != 0:
            lines = done.stderr.decode(errors="replace").strip().splitlines()
            raise GitFailed(lines[-1] if lines else f"git exited with status {done.returncode}")
        return done.stdout

    def read(self, exercise_id: str, name: str) -> bytes | str:
        if self.problem:
            return self.problem
        try:
            mode, oid = self.blobs[locate(list(self.blobs), exercise_id, name)]
        except LookupError as missing:
            return str(missing)
        if mode not in ("100644", "100755"):
            return f"{name} is a symbolic link in the repository, not a file; commit the file itself"
        try:
            size = int(self.git("cat-file", "-s", oid))
            if size > MAX_FILE_BYTES:
                return too_large(name, size)
            return self.git("cat-file", "blob", oid)
        except GitFailed as failure:
            return f"{name} cannot be read from the repository ({failure})"

    def paths(self) -> list[str]:
        return list(self.blobs)

    def contents(self, paths: list[str], cap: int) -> dict[str, bytes | None]:
        """Each path's blob, or None where it is a link or submodule, over ``cap``, or unreadable.

        Two git processes whatever the count: the sizes first (``cat-file --batch-check``), then
        the blobs under the cap in groups of at most ``GIT_BATCH_BYTES`` (``cat-file --batch``).
        """
        found: dict[str, bytes | None] = dict.fromkeys(paths)
        wanted = [(path, self.blobs[path][1]) for path in paths if self.blobs[path][0] in ("100644", "100755")]
        try:
            checked = self.git("cat-file", "--batch-check", given="".join(f"{oid}\n" for _, oid in wanted).encode())
            sizes = [int(line.split()[2]) if line.split()[1:2] == [b"blob"] else cap + 1
                     for line in checked.splitlines()]
            groups, total = [[]], 0
            for (path, oid), size in zip(wanted, sizes, strict=True):
                if size > cap:
                    continue
                if total + size > GIT_BATCH_BYTES:
                    groups, total = [*groups, []], 0
                groups[-1].append((path, oid))
                total += size
            for group in filter(None, groups):
                found.update(self.blobs_of(group))
        except (GitFailed, ValueError, IndexError):
            pass  # what was not read stays None: it counts as changed
        return found

    def blobs_of(self, group: list[tuple[str, str]]) -> dict[str, bytes]:
        output = memoryview(self.git("cat-file", "--batch", given="".join(f"{oid}\n" for _, oid in group).encode()))
        blobs, at = {}, 0
        for path, _ in group:
            end = bytes(output[at:at + 200]).index(b"\n")
            size = int(bytes(output[at:at + end]).split()[2])
            blobs[path] = bytes(output[at + end + 1:at + end + 1 + size])
            at += end + 1 + size + 1
        return blobs


def own_repository_problem(git_dir: Path) -> str | None:
    """Why ``git_dir`` is not a repository of the submission's own, or None.

    A class handed in as uploads holds each ``.git`` as the student made it. One that is a link
    or a gitfile, names a ``commondir`` or alternates, or holds a symbolic link, could take its
    commit, refs or objects from a classmate's repository beside it; git never makes such a
    ``.git`` in a plain clone."""
    advice = "hand in a plain clone of your repository"
    if git_dir.is_symlink() or not git_dir.is_dir():
        return f"its .git is a link or a file pointing elsewhere, not a repository of its own; {advice}"
    borrowed = [name for name in BORROWING if os.path.lexists(git_dir / name)]
    if borrowed:
        return f"its repository takes objects or refs from another one ({borrowed[0]}); {advice}"
    count = 0
    for folder, dirs, files in os.walk(git_dir):
        count += len(dirs) + len(files)
        if count > MAX_GIT_ENTRIES:
            return f"its .git holds more than {MAX_GIT_ENTRIES} files and folders; {advice}"
        for name in (*dirs, *files):
            if os.path.islink(os.path.join(folder, name)):
                linked = Path(folder, name).relative_to(git_dir).as_posix()
                return f"its .git holds a symbolic link ({linked}), which may lead into another repository; {advice}"
    return None


def git_environment() -> dict[str, str]:
    """This process's environment without git's own variables (``GIT_DIR``, ``GIT_OBJECT_DIRECTORY``,
    ``GIT_ALTERNATE_OBJECT_DIRECTORIES``, ... would point git elsewhere), plus ``GIT_ENV``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")}, **GIT_ENV}


def as_bytes(content: bytes | str) -> bytes | None:
    return content if isinstance(content, bytes) else None


class GitFailed(Exception):
    pass
