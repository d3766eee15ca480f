"""The scratch bound's pieces: the private mount, the watcher's measure, and tree removal."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from grader.sandbox import cleanup, scratch
from tests.helpers import in_a_child

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mount namespaces are Linux's")


@linux_only
def test_the_private_mount_bounds_size_and_files_and_hides_siblings(tmp_path):
    root = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
    try:
        (root / "sibling").write_text("another child's file")
        workdir = str(root / "child-a")
        os.mkdir(workdir)

        def attempt():
            why, private = scratch.mount_private(workdir, 1, 32, [sys.prefix])
            if why:
                return {"why": why}
            found = {"private": private, "sibling_visible": (root / "sibling").exists()}
            try:
                with open(os.path.join(workdir, "big"), "wb") as out:
                    out.write(b"x" * (2 << 20))
                found["size_bounded"] = False
            except OSError:
                found["size_bounded"] = True
            made = 0
            try:
                for i in range(100):
                    os.mkdir(os.path.join(workdir, f"d{i}"))
                    made += 1
            except OSError:
                pass
            found["folders_made"] = made
            return found

        found = in_a_child(attempt)
        if "why" in found:
            pytest.skip(found["why"])
        assert found["size_bounded"] and not found["sibling_visible"]
        assert found["folders_made"] <= 32
        assert "/tmp" in found["private"] or str(root) in found["private"]
        assert os.listdir(workdir) == [], "the child's files vanished with its namespace"
    finally:
        cleanup.remove_tree(root)


@linux_only
def test_an_interpreter_under_tmp_stays_visible(tmp_path):
    """A course cloned under /tmp: the mount covers only the scratch folder, never the venv."""
    venv = Path(tempfile.mkdtemp(prefix="venv-"))
    (venv / "marker").write_text("the interpreter's tree")
    root = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
    try:
        workdir = str(root / "child-a")
        os.mkdir(workdir)

        def attempt():
            why, private = scratch.mount_private(workdir, 1, 32, [str(venv)])
            if why:
                return {"why": why}
            return {"private": private, "venv_visible": (venv / "marker").exists()}

        found = in_a_child(attempt)
        if "why" in found:
            pytest.skip(found["why"])
        assert found["venv_visible"]
        assert "/tmp" not in found["private"] and str(root) in found["private"]
    finally:
        cleanup.remove_tree(root)
        cleanup.remove_tree(venv)


def test_measure_counts_bytes_and_entries_and_stops_past_the_bound(tmp_path):
    for i in range(10):
        (tmp_path / f"f{i}").write_bytes(b"x" * 8192)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "g").write_bytes(b"y" * 8192)
    os.symlink("/usr", tmp_path / "link")  # never followed
    used, count = scratch.measure(str(tmp_path), 100)
    assert count == 13 and used >= 11 * 8192
    _, stopped = scratch.measure(str(tmp_path), 5)
    assert stopped == 6


def test_remove_tree_takes_a_file_a_link_and_a_missing_path(tmp_path):
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "file", tmp_path / "link")
    assert cleanup.remove_tree(tmp_path / "link") and (tmp_path / "file").exists()
    assert cleanup.remove_tree(tmp_path / "file")
    assert cleanup.remove_tree(tmp_path / "missing")
