"""The sandbox's processes never outlive the grader, even when the grader is killed outright."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytestmark = pytest.mark.sandbox

GRADER = textwrap.dedent("""
    import sys, pathlib
    from grader.sandbox.outcome import Limits
    from grader.sandbox.pool import Zygote
    harness = pathlib.Path(sys.argv[1])
    harness.write_text("from grader.harness import entry\\n"
                       "@entry\\n"
                       "def run(student):\\n"
                       "    return student.run()\\n")
    zygote = Zygote({"t": harness})
    zygote.wait_ready()
    print(zygote.info["pid"], zygote._scratch, flush=True)
    source = b"import os, time\\ndef run():\\n    print(os.getpid(), flush=True)\\n    time.sleep(600)\\n"
    zygote.call({"module_name": "sub", "module_file": "sub.py", "files": {"sub.py": source},
                 "harness": "t", "entry": "run", "args": {}}, Limits(wall_seconds=600))
""")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/status") as status:
                if "State:\tZ" in status.read():
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_killing_the_grader_takes_the_zygote_its_children_and_their_files_with_it(tmp_path):
    grader = subprocess.Popen([sys.executable, "-c", GRADER, str(tmp_path / "harness.py")],
                              stdout=subprocess.PIPE, text=True)
    try:
        pid_text, scratch = grader.stdout.readline().split()
        zygote_pid = int(pid_text)
        deadline = time.monotonic() + 30
        child_pid = None
        while child_pid is None and time.monotonic() < deadline:
            children = children_of(zygote_pid)
            child_pid = children[0] if children else None
            time.sleep(0.05)
        assert child_pid is not None, "the zygote never started the child"
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
        assert gone(zygote_pid, within=10), "the zygote outlived the grader"
        assert gone(child_pid, within=10), "the child outlived the grader"
        deadline = time.monotonic() + 10
        while os.path.exists(scratch) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(scratch), "the children's folders outlived the grader"
    finally:
        if grader.poll() is None:
            grader.kill()
