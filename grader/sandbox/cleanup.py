"""Removing a folder tree that a child made: iterative, bounded by nothing but the tree, never raising.

Used on both sides of the boundary (the zygote removes each child's folder, the trusted side the
scratch folder of a zygote that could not), so it imports nothing but the standard library.

A child controls the tree: thousands of levels (``shutil.rmtree`` recurses, and Python's
recursion limit or the C stack ends it; absolute paths past ``PATH_MAX`` fail), folders it made
unreadable (mode 000), symbolic links out of the tree (never followed), sockets and FIFOs. The
walk holds one directory descriptor at a time: it descends with ``openat(name, O_NOFOLLOW)``
and climbs back with ``openat("..")``, keeping per level only the names of the sub-folders still
to visit, so each entry is listed once. It runs after the child and its process group are dead,
so nothing moves the tree under it.
"""

from __future__ import annotations

import os
import stat

DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
OWNER_ALL = stat.S_IRWXU


def remove_tree(path: str | os.PathLike) -> bool:
    """Remove ``path`` and everything under it; return whether it is gone. Never raises."""
    try:
        return _remove(os.fspath(path))
    except BaseException:  # noqa: BLE001 - cleanup must not cost a report, whatever the tree holds
        return not os.path.lexists(path)


def _remove(path: str) -> bool:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        os.unlink(path)
        return True
    _make_walkable(path, info)
    fd = os.open(path, DIRECTORY_FLAGS)
    levels: list[tuple[str, list[str]]] = [("", _clear_files(fd))]
    while levels:
        name, pending = levels[-1]
        if pending:
            child = pending.pop()
            fd = _descend(fd, child, levels)
            continue
        levels.pop()
        if not levels:
            break
        parent = os.open("..", DIRECTORY_FLAGS, dir_fd=fd)
        os.close(fd)
        fd = parent
        try:
            os.rmdir(name, dir_fd=fd)
        except OSError:
            pass
    os.close(fd)
    try:
        os.rmdir(path)
    except OSError:
        return False
    return True


def _descend(fd: int, name: str, levels: list) -> int:
    """Enter sub-folder ``name`` of ``fd`` (made walkable first); on failure stay where we are."""
    try:
        info = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(name, dir_fd=fd)
            return fd
        if info.st_mode & OWNER_ALL != OWNER_ALL:
            os.chmod(name, info.st_mode | OWNER_ALL, dir_fd=fd)  # a real folder: nothing to follow
        child = os.open(name, DIRECTORY_FLAGS, dir_fd=fd)
    except OSError:
        return fd
    try:
        pending = _clear_files(child)
    except OSError:
        os.close(child)
        return fd
    os.close(fd)
    levels.append((name, pending))
    return child


def _clear_files(fd: int) -> list[str]:
    """Unlink every entry of the folder ``fd`` that is not a folder; return the folders' names."""
    folders = []
    with os.scandir(fd) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    os.unlink(entry.name, dir_fd=fd)
            except OSError:
                pass
    return folders


def _make_walkable(path: str, info: os.stat_result) -> None:
    if info.st_mode & OWNER_ALL != OWNER_ALL:
        try:
            os.chmod(path, info.st_mode | OWNER_ALL)
        except OSError:
            pass
