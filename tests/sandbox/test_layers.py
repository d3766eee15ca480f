"""The isolation layers: the allow-list, the level rule, and what a confined child can do."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from grader.sandbox import landlock, policy
from grader.sandbox.isolation import KERNEL_LAYERS
from grader.sandbox.isolation import describe as isolation
from grader.sandbox.outcome import Limits
from grader.sandbox.pool import Zygote

from ..conftest import REPO

HARNESS = "from grader.harness import entry\n\n@entry\ndef run(student):\n    return student.run()\n"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernel layers are Linux's")


# ----------------------------------------------------------------------------- the allow-list


def test_the_allow_list_never_opens_the_course_or_the_grader_checkout():
    built = policy.build(policy.protected_paths(REPO))
    assert policy.check(built) == []
    for entry in built["read_only"] + built["read_write"]:
        resolved = Path(entry).resolve()
        for secret in (REPO / "solutions", REPO / "exercises", REPO):
            assert not (secret == resolved or resolved in secret.parents), entry


def test_an_allow_list_holding_an_ancestor_of_the_solutions_is_caught():
    built = policy.build(policy.protected_paths(REPO))
    built["read_only"].append(str(REPO.parent))
    assert policy.check(built) == [str(REPO.parent)]


def test_sys_path_entries_near_the_course_are_dropped(monkeypatch):
    monkeypatch.setattr(policy, "interpreter_trees", lambda: [str(REPO), "/"])
    built = policy.build(policy.protected_paths(REPO))
    assert str(REPO) not in built["read_only"] and "/" not in built["read_only"]


# ----------------------------------------------------------------------------- the level rule


@pytest.mark.parametrize("layers, level, hidden, network", [
    ({}, "none", True, True),
    ({"zygote_fork": True, "rlimits": True}, "weak", True, True),
    ({"zygote_fork": True, "rlimits": True, "seccomp": True, "netns": True}, "weak", True, False),
    ({"zygote_fork": True, "rlimits": True, "landlock": True}, "partial", False, True),
    ({"zygote_fork": True, "rlimits": True, "bwrap": True, "netns": True}, "partial", False, False),
    ({"zygote_fork": True, "rlimits": True, "landlock": True, "seccomp": True}, "strong", False, False),
    ({"zygote_fork": True, "rlimits": True, "bwrap": True, "netns": True, "seccomp": True}, "strong", False, False),
])
def test_the_level_follows_the_layers_in_force(layers, level, hidden, network):
    found = isolation(layers)
    assert (found["level"], found["hidden_files_readable"], found["network_reachable"]) == (level, hidden, network)


def test_no_landlock_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert landlock.abi_version() == 0
    assert landlock.restrict(["/"], ["/tmp"])["landlock"] is False


# ----------------------------------------------------------------------------- confined children


@pytest.fixture(scope="module")
def confined(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layers")
    harness = folder / "exercises" / "x" / "harness.py"
    harness.parent.mkdir(parents=True)
    harness.write_text(HARNESS)
    (folder / "solutions").mkdir()
    (folder / "solutions" / "x.py").write_text("ANSWER = 42\n")
    zygote = Zygote({"t": harness}, course_root=folder)
    zygote.wait_ready()
    yield zygote, folder
    zygote.close()


def call(zygote, source: str):
    request = {"module_name": "sub", "module_file": "sub.py", "harness": "t", "entry": "run", "args": {},
               "files": {"sub.py": textwrap.dedent(source).encode()}}
    return zygote.call(request, Limits(wall_seconds=20))


def probe_ok(zygote, name: str) -> bool:
    return bool(zygote.info.get("probe", {}).get(name, {}).get("ok"))


@linux_only
@pytest.mark.sandbox
def test_every_layer_the_probe_found_is_applied_and_reported(confined):
    zygote, _ = confined
    outcome = call(zygote, "def run():\n    return 1\n")
    assert outcome.ok
    for name in ("landlock", "seccomp", "netns", "bwrap"):
        assert outcome.layers.get(name) == probe_ok(zygote, name), name


@linux_only
@pytest.mark.sandbox
def test_lazy_imports_warnings_and_tracebacks_still_work(confined):
    zygote, _ = confined
    outcome = call(zygote, """
        import decimal, fractions, xml.dom.minidom, warnings, traceback, tempfile
        import torch

        def run():
            warnings.warn("careful")
            with tempfile.TemporaryFile() as scratch:
                scratch.write(b"x")
            text = "".join(traceback.format_stack())
            y = (torch.ones(3, requires_grad=True) * 2).sum()
            y.backward()
            return [str(decimal.Decimal(1) / 3)[:4], str(fractions.Fraction(1, 3)), len(text) > 0]
        """)
    assert outcome.ok, outcome
    assert outcome.value == ["0.33", "1/3", True]
    assert any("careful" in w for w in outcome.warnings)


@linux_only
@pytest.mark.sandbox
def test_the_course_is_out_of_reach(confined):
    zygote, folder = confined
    if not (probe_ok(zygote, "landlock") or probe_ok(zygote, "bwrap")):
        pytest.skip("neither Landlock nor bubblewrap here: the report says hidden files are readable")
    outcome = call(zygote, f"""
        def run():
            try:
                return open({str(folder / "solutions" / "x.py")!r}).read()
            except OSError as exc:
                return type(exc).__name__
        """)
    assert outcome.value in ("PermissionError", "FileNotFoundError")


@linux_only
@pytest.mark.sandbox
def test_blocked_calls_say_so_in_words(confined):
    zygote, _ = confined
    if not probe_ok(zygote, "seccomp"):
        pytest.skip("no seccomp here")
    outcome = call(zygote, """
        import os, socket

        def run():
            said = []
            for action in (os.fork, socket.socket, lambda: os.kill(os.getppid(), 0)):
                try:
                    action()
                except PermissionError as exc:
                    said.append(str(exc))
            return said
        """)
    assert outcome.value == ["sandbox: starting processes is blocked", "sandbox: network and sockets are blocked",
                             "sandbox: signals to other processes are blocked"]


@linux_only
@pytest.mark.sandbox
def test_a_missing_layer_is_reported_missing(tmp_path):
    harness = tmp_path / "harness.py"
    harness.write_text(HARNESS)
    with Zygote({"t": harness}, layers=()) as bare:
        bare.wait_ready()
        outcome = call(bare, "def run():\n    return 1\n")
    assert outcome.ok
    assert not any(outcome.layers.get(name) for name in KERNEL_LAYERS)
    assert isolation(outcome.layers)["level"] == "weak"
    assert isolation(outcome.layers)["hidden_files_readable"] is True


@linux_only
def test_the_trusted_process_is_not_dumpable(confined):
    import ctypes

    assert ctypes.CDLL(None).prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE


def test_bwrap_makes_the_folders_above_a_venv_under_tmp_after_its_private_tmp():
    """A course cloned under /tmp: the folders above its venv must stay crossable (0755) for a
    child that dropped root, so they are made after ``--tmpfs /tmp``, not hidden under it."""
    from grader.sandbox import bwrap

    args = bwrap.command(["python"], ["/tmp/clone/.venv"], Path("/tmp/clone/grader"), [])
    tmpfs = args.index("--tmpfs")
    made = [args[i + 1] for i, a in enumerate(args) if a == "--dir"]
    assert "/tmp/clone" in made
    assert all(args.index(folder) > tmpfs for folder in made)
    assert args.index("/tmp/clone") < args.index("--ro-bind-try")
