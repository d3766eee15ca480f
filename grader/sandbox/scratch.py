"""A child's writable space, bounded per child: a private tmpfs where the kernel allows, else watched.

Runs on the untrusted side (the child mounts, the zygote watches) and imports only the standard
library. ``RLIMIT_FSIZE`` bounds one file; this bounds them all, per child, so one child filling
its space can never make another fail (a tmpfs shared by the zygote's children, with a total
size, could).

``mount_private`` (the ``scratch_mount`` layer): the freshly forked child enters a mount namespace
of its own (as root directly; otherwise inside a new user namespace, which needs a
single-threaded process: the child is) and mounts a tmpfs with ``size=`` and ``nr_inodes=`` over
``/tmp`` (or over the scratch folder alone, when the interpreter lives under ``/tmp``), then
recreates its own folder inside it and binds ``/var/tmp`` and ``/dev/shm`` into it. The child
then sees no other child's folder and no host file in those places, writes meet ``ENOSPC`` at the
bound, and everything vanishes with the child's namespace: no tree to remove.

``measure`` (the fallback, where no namespace can be had): the zygote walks each live child's
folder every ``WATCH_SECONDS`` and kills a child over its bound. Writes between two looks can
pass the bound by what a process writes in that time; the report says "watched", not "bounded".
"""

from __future__ import annotations

import ctypes
import os

from grader.sandbox import namespaces

MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000
WATCH_SECONDS = 0.1
ALSO_PRIVATE = ("/var/tmp", "/dev/shm")


def mount_private(workdir: str, size_mb: int, files: int, keep_visible: list[str]) -> tuple[str, list[str]]:
    """Give this process a tmpfs of its own over its writable places.

    Returns ('', the places now private to this child, which it may write to) when done, else
    (why not, []). ``keep_visible``: paths the child must still read (the interpreter's trees):
    a place that holds one is never covered.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"no C library ({exc})", []
    why = namespaces.enter(namespaces.CLONE_NEWNS)
    if why:
        return f"no mount namespace: {why}", []
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return f"could not make the mounts private ({errno_text()})", []
    top = "/tmp" if inside(workdir, "/tmp") and not holds_any("/tmp", keep_visible) else os.path.dirname(workdir)
    # Inodes beyond the child's own: the tmpfs's root, the folders down to the child's folder,
    # and the folders bound to /var/tmp and /dev/shm.
    reserved = 1 + len(os.path.relpath(workdir, top).split(os.sep)) + len(ALSO_PRIVATE)
    options = f"size={int(size_mb)}m,nr_inodes={int(files) + reserved},mode=1777".encode()
    if libc.mount(b"tmpfs", top.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        return f"could not mount a tmpfs on {top} ({errno_text()})", []
    os.makedirs(workdir, mode=0o700, exist_ok=True)
    private = [top]
    for place in ALSO_PRIVATE:
        if place != top and os.path.isdir(place) and not holds_any(place, keep_visible):
            inner = os.path.join(top, ".private" + place.replace("/", "-"))
            os.makedirs(inner, mode=0o1777, exist_ok=True)
            os.chmod(inner, 0o1777)
            if libc.mount(inner.encode(), place.encode(), None, MS_BIND, None) == 0:
                private.append(place)
    return "", private


def inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def holds_any(folder: str, paths: list[str]) -> bool:
    return any(inside(os.path.realpath(p), os.path.realpath(folder)) for p in paths)


def errno_text() -> str:
    return os.strerror(ctypes.get_errno())


def measure(folder: str, max_entries: int) -> tuple[int, int]:
    """(bytes allocated, entries) under ``folder``, counting at most ``max_entries + 1`` entries.

    Never follows a symbolic link and never raises: what it cannot read it does not count (a
    folder the child made unreadable is the child's loss: the zygote, as the same user or root,
    reads it anyway where it can).
    """
    used, count = 0, 0
    pending = [folder]
    while pending and count <= max_entries:
        try:
            entries = os.scandir(pending.pop())
        except OSError:
            continue
        with entries:
            for entry in entries:
                count += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                    used += info.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(entry.path)
                except OSError:
                    pass
                if count > max_entries:
                    break
    return used, count
