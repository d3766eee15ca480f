"""``grade batch --template DIR``: which files of the student release a submission changed.

Trusted process. Files are compared by content digest only: nothing of a submission's is run,
imported or unpacked, and it is read through the same sources as the students' files
(``discovery``: a folder without following links, a git clone from the graded commit, a zip in
memory). Tampering changes no score (grading reads only the student's file, with the instructor's
checks); it shows an instructor a submission whose own tests, workflow or configuration were
changed, such as a GitHub Classroom run with full marks from an edited workflow.

The template is a student release (what ``grade release`` writes; a folder without
``exercises/<id>/exercise.json`` or the Classroom workflow is refused). Its **protected** files
are every file it ships except those a student is meant to change:

- each exercise's student files (``student_files`` in its ``exercise.json``): the work itself;
- ``README.md`` at the root and in each exercise folder, and ``.gitignore``: documentation a
  student may annotate and ignore rules; neither changes what a test, Python or CI runs.

A protected file is **modified** when its content differs, or it is no regular file (a link), or
it is over ``MAX_HASHED_BYTES`` (it is not read then); **deleted** when it is absent. Text is
compared with CRLF read as LF (a Windows checkout must not flag every file): a file is text
when its first 8000 bytes hold no NUL byte (git's rule); other files (the vendored wheel) are
compared byte for byte. An **added** file counts only where it changes what tests, Python or CI
do (``counts_when_added``): a test or configuration file pytest reads (anywhere), an interpreter
hook (``sitecustomize.py``, ``usercustomize.py``, ``*.pth``), anything under ``.github/`` or
``vendor/``, an importable module (``.py``, ``.pyc``, ``.so``, ``.pyd``) in an exercise's folder
or at the root, or a package at the root (its ``__init__.py``), where it would shadow ``torch`` or
the harness. Another added file (notes, a
scratch folder) is not tampering. ``__pycache__/`` is never looked at, nor ``.venv/`` except in a
git clone: there it was committed, and the workflow's ``python -m venv .venv`` would reuse it, so
it counts as one added path, ``.venv/``.

The submission's root is where its release layout sits, found as ``discovery`` finds a
student's file: for each exercise whose student file is found at ``<prefix>exercises/<id>/<file>``,
``<prefix>`` is a root (a zip export often nests a folder or two). One root is used; none, or
several, and the submission is not checked: its record says why (``problem``), and the
gradebook shows ``n/a``. So does a source that cannot be read, and a submission that holds none
of the protected files: an upload of the students' files alone (an LMS export) is no copy of the
release, and cannot be told from one that deleted them all.

Costs are bounded: only the template's protected files are read from a submission (each at most
``MAX_HASHED_BYTES``), the listing is ``discovery``'s (at most ``discovery.MAX_ENTRIES``), and
at most ``MAX_LISTED`` changes are listed (``unlisted`` counts the rest).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.batch import discovery
from grader.errors import CourseError, UsageProblem
from grader.exercises import METADATA, load_exercise
from grader.publish import workflow
from grader.sandbox import clean

MAX_HASHED_BYTES = 8 << 20  # a protected file larger than this in a submission is not read: it counts as modified
MAX_LISTED = 100  # changes listed in a report; ``unlisted`` counts the rest
MAX_PATH_CHARS = 300  # a listed path is the student's to choose: capped and cleaned
TEXT_PROBE_BYTES = 8000  # a NUL byte in these makes a file binary (git's rule)

EDITABLE_DOCS = ("README.md", ".gitignore")  # at the root; and each exercise's README.md
PYTEST_FILES = {"conftest.py", "pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "tox.ini",
                "setup.cfg", "pyproject.toml", "setup.py"}
HOOK_FILES = {"sitecustomize.py", "usercustomize.py"}
IMPORTABLE = {".py", ".pyc", ".so", ".pyd", ".pth"}
TOOL_FOLDERS = ("vendor", ".github")
NEVER_LOOKED_AT = ("__pycache__", ".git")
VENV = ".venv"


@dataclass(frozen=True)
class Template:
    """A student release, as tamper detection reads it."""

    root: Path
    protected: dict[str, str]  # POSIX path -> content digest
    shipped: frozenset[str]  # every file the release ships, protected or not
    student_files: tuple[tuple[str, str], ...]  # (exercise id, file name): where roots are looked for
    fingerprint: str


def load_template(root: Path) -> Template:
    """Read a release folder; ``UsageProblem`` (one line) when it is not one."""
    hint = "give the folder `grade release OUT_DIR` wrote"
    if not root.is_dir():
        raise UsageProblem(f"--template {root}: no such folder; {hint}")
    folders = sorted(p.parent for p in (root / "exercises").glob(f"*/{METADATA}"))
    if not folders:
        raise UsageProblem(f"--template {root} is not a student release: no exercises/<id>/{METADATA}; {hint}")
    if not (root / workflow.PATH).is_file():
        raise UsageProblem(f"--template {root} is not a student release: no {workflow.PATH}; {hint}")
    try:
        exercises = [load_exercise(folder) for folder in folders]
    except CourseError as error:
        raise UsageProblem(f"--template {root}: {error}") from None
    editable = {*EDITABLE_DOCS, *(f"exercises/{e.id}/README.md" for e in exercises),
                *(f"exercises/{e.id}/{name}" for e in exercises for name in e.student_files)}
    shipped, protected = set(), {}
    for relative in release_files(root):
        shipped.add(relative)
        if relative not in editable:
            protected[relative] = digest((root / relative).read_bytes())
    fingerprint = hashlib.sha256("".join(f"{path}\0{protected[path]}\n" for path in sorted(protected)).encode())
    return Template(root, protected, frozenset(shipped),
                    tuple((e.id, name) for e in exercises for name in e.student_files), fingerprint.hexdigest())


def release_files(root: Path) -> list[str]:
    """The regular files of a release folder (POSIX paths), without ``.git`` or caches."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in NEVER_LOOKED_AT)
        base = Path(folder).relative_to(root)
        for name in files:
            if stat.S_ISREG(os.lstat(Path(folder) / name).st_mode):
                found.append((base / name).as_posix())
        if len(found) > discovery.MAX_ENTRIES:
            raise UsageProblem(f"--template {root} holds more than {discovery.MAX_ENTRIES} files: not a student "
                               f"release; give the folder `grade release OUT_DIR` wrote")
    return sorted(found)


def digest(content: bytes) -> str:
    """The content's SHA-256, with CRLF read as LF when it is text (see the module)."""
    if b"\0" not in content[:TEXT_PROBE_BYTES]:
        content = content.replace(b"\r\n", b"\n")
    return hashlib.sha256(content).hexdigest()


def check(template: Template, source) -> dict:
    """The bundle's ``tampering`` record for one submission read through a ``discovery`` source."""
    record = {"template": template.fingerprint, "changes": []}
    if source.problem:
        return {**record, "problem": clean.text(source.problem)}
    names = source.paths()
    try:
        prefix = submission_root(template, names)
    except LookupError as unknown:
        return {**record, "problem": clean.text(str(unknown))}
    inside = {name[len(prefix):]: name for name in names if name.startswith(prefix)}
    present = [path for path in template.protected if path in inside]
    if not present:
        return {**record, "problem": "the submission holds none of the release's protected files (only the "
                                     "students' own files were handed in), so there is nothing to compare"}
    changes = {path: "deleted" for path in template.protected if path not in inside}
    contents = source.contents([inside[path] for path in present], MAX_HASHED_BYTES)
    for path in present:
        content = contents[inside[path]]
        if content is None or digest(content) != template.protected[path]:
            changes[path] = "modified"
    committed = isinstance(source, discovery.GitSource)
    for path in inside:
        if path not in template.shipped and counts_when_added(path, committed):
            changes[f"{VENV}/" if path.split("/")[0] == VENV else path] = "added"
    listed = sorted(({"path": clean.text(path, MAX_PATH_CHARS), "change": change} for path, change in changes.items()),
                    key=lambda listed_change: listed_change["path"])
    record["changes"] = listed[:MAX_LISTED]
    return {**record, "unlisted": len(listed) - MAX_LISTED} if len(listed) > MAX_LISTED else record


def submission_root(template: Template, names: list[str]) -> str:
    """The prefix (``""`` or ``"folder/"``) under which the submission holds the release layout,
    or ``LookupError`` saying why there is not exactly one."""
    roots = set()
    for exercise_id, name in template.student_files:
        try:
            member = discovery.locate(names, exercise_id, name)
        except LookupError:
            continue
        layout = f"exercises/{exercise_id}/{name}"
        if member == layout or member.endswith(f"/{layout}"):
            roots.add(member[: len(member) - len(layout)])
    if len(roots) == 1:
        return roots.pop()
    if not roots:
        raise LookupError("no student file sits at exercises/<id>/<file>, so the submission's root is unknown "
                          "and it was not compared with the template")
    listed = ", ".join(repr(root or ".") for root in sorted(roots)[:3])
    raise LookupError(f"the release layout sits in several folders ({listed}), so the submission's root is "
                      f"ambiguous and it was not compared with the template")


def counts_when_added(path: str, committed: bool) -> bool:
    """Whether an added file changes what tests, Python or CI do (see the module)."""
    parts = path.split("/")  # string operations: a submission may list thousands of paths
    name = parts[-1]
    suffix = name[name.rfind("."):] if name.rfind(".") > 0 else ""
    if set(parts) & set(NEVER_LOOKED_AT):
        return False
    if parts[0] == VENV:
        return committed
    if parts[0] in TOOL_FOLDERS or name in PYTEST_FILES or name in HOOK_FILES or suffix == ".pth":
        return True
    if suffix == ".py" and (name.startswith("test_") or name.endswith("_test.py")):
        return True
    in_exercise = len(parts) >= 3 and parts[0] == "exercises"
    root_package = len(parts) == 2 and name == "__init__.py"  # a package at the root shadows as a module does
    return suffix in IMPORTABLE and (in_exercise or len(parts) == 1 or root_package)
