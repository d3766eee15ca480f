"""The attack suite: hostile submissions against the sandbox's layers, each with its outcome.

Each row of ``ATTACKS`` is one submission for one exercise and the outcome it must get. Every
case is also held to the same invariants, whatever it tried:

- a report, valid against the schema (the ``Grader`` helper validates every one);
- no score above an honest wrong answer for that exercise;
- the grader unaffected: the reference solution graded next, by the same warm session, gets full
  marks, and the zygote was not restarted;
- no file outside the child's own temp folder changed (the course, a canary folder);
- no process left behind (the zygote has no children once the report exists);
- no secret from the grader's environment (a fake ``GITHUB_TOKEN``) anywhere in the report.

Network cases only ever talk to listeners this module opens on loopback (TCP, UDP, a pathname
and an abstract unix socket), which count what reaches them. Cases that signal every process,
fork without end or exhaust memory are ``DANGEROUS``: as root, one missing layer would let them
take down every process on the machine, so they run only after the start-up probe of this very
session showed seccomp's fork and kill bans in force (and are skipped, saying so, otherwise).

To cover another exercise, add an ``EXERCISES`` entry (its honest wrong answer and reference)
and rows to ``ATTACKS`` naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import textwrap
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import REPO, SOLUTIONS, Grader

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]

FAKE_TOKEN = "ghp_FAKEtokenFORtheATTACKsuite0123456789"
WRONG = "0.0"


@dataclass(frozen=True)
class ExerciseUnderAttack:
    honest_wrong: str  # a wrong answer with nothing hostile: the score no attack may beat
    reference: Path
    # What a submission must define; ``{BODY}`` is replaced by each case's call-time code.
    template: str


EXERCISES = {
    "exercise1": ExerciseUnderAttack(
        honest_wrong="def dydx(f, x0):\n    return 0.0\n",
        reference=SOLUTIONS / "exercise1.py",
        template="def dydx(f, x0):\n{BODY}\n    return ANSWER(f, x0)\n",
    ),
    "exercise6": ExerciseUnderAttack(
        honest_wrong="def mlp_backward(x, t, params):\n    return {k: 0 * v for k, v in params.items()}\n",
        reference=SOLUTIONS / "exercise6.py",
        template="def mlp_backward(x, t, params):\n{BODY}\n    return ANSWER(x, t, params)\n",
    ),
}

# exercise6 is "by hand": each of these reaches autograd through torch's internals (the
# forward pass's graph, then a way to differentiate it) and must meet the no-autograd guard.
BY_HAND_FORWARD = '''
import torch
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
def LOSS(x, t, p):
    a1 = torch.sigmoid(x @ p["W1"].T + p["b1"])
    a2 = torch.sigmoid(a1 @ p["W2"].T + p["b2"])
    return (((a2 @ p["W3"].T + p["b3"]) - t) ** 2).mean()
def LEAVES(params):
    return {k: params[k].clone().requires_grad_() for k in NAMES}
'''
AUTOGRAD_ROUTES = {
    "autograd-walking-grad-fn-nodes": """
def ANSWER(x, t, params):
    with torch.enable_grad():
        leaves = LEAVES(params)
        loss = LOSS(x, t, leaves)
    grads, stack = {}, [(loss.grad_fn, torch.ones(()))]
    while stack:  # call each node's backward formula by hand
        node, grad = stack.pop()
        outs = node(grad)
        outs = outs if isinstance(outs, tuple) else (outs,)
        for (child, _), g in zip(node.next_functions, outs):
            if child is not None:
                stack.append((child, g))
    return grads""",
    "autograd-new-engine": """
def ANSWER(x, t, params):
    with torch.enable_grad():
        leaves = LEAVES(params)
        loss = LOSS(x, t, leaves)
    grads = torch._C._ImperativeEngine().run_backward(
        (loss,), (torch.ones(()),), False, False, tuple(leaves.values()), False, False)
    return dict(zip(NAMES, grads))""",
    "autograd-original-grad-found-with-gc": """
import gc
def ANSWER(x, t, params):
    originals = [o for o in gc.get_objects() if callable(o) and getattr(o, "__name__", "") == "grad"
                 and getattr(o, "__module__", "") == "torch.autograd"]
    with torch.enable_grad():
        leaves = LEAVES(params)
        loss = LOSS(x, t, leaves)
        return dict(zip(NAMES, originals[0](loss, list(leaves.values()))))""",
    "autograd-forward-mode-dual-numbers": """
def ANSWER(x, t, params):
    level = torch._C._enter_dual_level()
    dual = torch._make_dual(params["b3"], torch.ones_like(params["b3"]), level=level)
    return {"b3": dual}""",
    "autograd-in-a-thread": """
import threading
def ANSWER(x, t, params):
    box = {}
    def work():
        try:
            with torch.enable_grad():
                leaves = LEAVES(params)
                loss = LOSS(x, t, leaves)
                box.update(zip(NAMES, torch.autograd.grad(loss, list(leaves.values()))))
        except Exception as error:
            box["error"] = error
    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # what stopped the thread: the guard
    return box""",
    "autograd-functorch-internals": """
from torch._functorch import apis
def ANSWER(x, t, params):
    return apis.grad(lambda p: LOSS(x, t, p))(dict(params))""",
}

# Helpers every attack may use: ``steal`` returns the solutions' dydx if a path to them is
# readable (the attack then scores full marks, which the suite must never see), else None.
PRELUDE = '''
import os, sys, pathlib
def steal(*paths):
    for path in paths:
        try:
            text = pathlib.Path(path).read_text()
        except Exception:
            continue
        space = {}
        exec(compile(text, "stolen", "exec"), space)
        if "dydx" in space:
            return space["dydx"]
    return None
def ANSWER(f, x0):
    return STOLEN(f, x0) if STOLEN else {WRONG}
STOLEN = None
'''


@dataclass(frozen=True)
class Attack:
    id: str
    at_import: str  # module-level code (may set STOLEN)
    at_call: str = ""  # code at the start of each call
    # A fragment of what the checks must report: by default the honest wrong answer's message
    # (the attack gained nothing: whatever it tried to read, reach or forge was refused).
    expect: str = "the derivative is off"
    dangerous: bool = False
    # What must be isolated for the attack to fail: "files" (hidden files unreadable), "network"
    # (network cut) or "seccomp". Where the report says it is not, the case is skipped: the
    # report's level is then the honest answer, and a test cannot make it stronger.
    needs: str = ""
    slow: bool = False
    exercise: str = "exercise1"


SOLUTION_REL = "solutions/exercise1.py"
HIDDEN_REL = "exercises/exercise1/hidden/test_exercise1_hidden.py"

ATTACKS = [
    # ------------------------------------------------------------------ hidden files
    Attack("solutions-via-parent-cwd",
           f"STOLEN = steal(f'/proc/{{os.getppid()}}/cwd/{SOLUTION_REL}', "
           f"f'/proc/{{os.getppid()}}/root{REPO}/{SOLUTION_REL}')", needs="files"),
    Attack("solutions-via-grader-module-path",
           "import grader\nSTOLEN = steal(pathlib.Path(grader.__file__).parents[1] / "
           f"'{SOLUTION_REL}')", needs="files"),
    Attack("solutions-via-harness-module-path",
           "h = sys.modules.get('grader_harness_exercise1')\n"
           f"STOLEN = h and steal(pathlib.Path(h.__file__).parents[2] / '{SOLUTION_REL}')", needs="files"),
    Attack("solutions-via-absolute-path", f"STOLEN = steal('{REPO}/{SOLUTION_REL}')", needs="files"),
    Attack("solutions-via-working-directory",
           "here = pathlib.Path.cwd()\n"
           f"STOLEN = steal(*[p / '{SOLUTION_REL}' for p in here.parents])", needs="files"),
    Attack("solutions-via-symlink",
           f"os.symlink('{REPO}/solutions', 'link')\nSTOLEN = steal('link/exercise1.py')", needs="files"),
    Attack("solutions-via-hard-link",
           f"""
try:
    os.link('{REPO}/{SOLUTION_REL}', 'copy.py')
except OSError:
    pass
STOLEN = steal('copy.py')""", needs="files"),
    Attack("hidden-tests-read-and-printed",
           f"""
for p in ['{REPO}/{HIDDEN_REL}', f'/proc/{{os.getppid()}}/cwd/{HIDDEN_REL}']:
    try:
        print(open(p).read())
        raise RuntimeError(open(p).read())
    except OSError:
        pass""", needs="files"),
    Attack("hidden-tests-and-solutions-overwritten",
           f"""
for p in ['{REPO}/{HIDDEN_REL}', '{REPO}/{SOLUTION_REL}', '{{CANARY}}/canary.txt']:
    try:
        with open(p, 'w') as out:
            out.write('def test_nothing():\\n    pass\\n')
    except OSError:
        pass
for p in ['{{CANARY}}/new.txt', '{REPO}/exercises/exercise1/hidden/test_zz.py']:
    try:
        open(p, 'w').write('x')
    except OSError:
        pass""", needs="files"),
    Attack("sibling-children-folders-listed",
           "import glob\n"
           "found = glob.glob(str(pathlib.Path.cwd().parent / '*' / '*.py'))\n"
           "others = [p for p in found if not p.startswith(os.getcwd())]\n"
           "STOLEN = steal(*others)", needs="files"),
    # ------------------------------------------------------------------ processes and memory
    Attack("proc-parent-mem-read",
           """
ppid = os.getppid()
try:
    maps = open(f'/proc/{ppid}/maps').read()
    mem = open(f'/proc/{ppid}/mem', 'rb')
    print(maps[:200], mem.read(16))
except OSError as exc:
    print('blocked', exc)"""),
    Attack("proc-environ-of-zygote-and-grader",
           """
def parent_of(pid):
    return int(open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()[1])
for pid in ('self', os.getppid()):
    try:
        text = open(f'/proc/{pid}/environ').read()
        print(text)
        grand = parent_of(pid)
        print(open(f'/proc/{grand}/environ').read())
    except OSError:
        pass""",
           at_call="    raise RuntimeError(repr(dict(os.environ)))", expect="raised RuntimeError", needs="files"),
    Attack("environment-secrets-printed", "print(dict(os.environ))\nprint(os.environ.get('GITHUB_TOKEN'))",
           at_call="    print(dict(os.environ), file=sys.stderr)"),
    Attack("ptrace-the-zygote",
           """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
assert libc.ptrace(16, os.getppid(), 0, 0) != 0  # PTRACE_ATTACH refused""", needs="seccomp"),
    Attack("process-vm-readv-on-the-zygote",
           """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(64)
class iovec(ctypes.Structure):
    _fields_ = [('base', ctypes.c_void_p), ('len', ctypes.c_size_t)]
local, remote = iovec(ctypes.addressof(buf), 64), iovec(0x400000, 64)
assert libc.process_vm_readv(os.getppid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) < 0""", needs="seccomp"),
    Attack("signal-the-zygote", "import signal\ntry:\n    os.kill(os.getppid(), signal.SIGKILL)\nexcept OSError:\n    pass",
           at_call="    import signal\n    try:\n        os.kill(os.getppid(), signal.SIGSTOP)\n    except OSError:\n        pass", needs="seccomp"),
    Attack("signal-every-process",
           "import signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass",
           at_call="    import signal\n    try:\n        os.kill(-1, signal.SIGKILL)\n    except OSError:\n        pass",
           dangerous=True),
    Attack("fork-bomb",
           """
children = 0
try:
    while True:
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError:
    pass""", dangerous=True),
    Attack("exec-a-shell",
           f"""
import subprocess
for run in (lambda: subprocess.run(['/bin/sh', '-c', 'cat {REPO}/{SOLUTION_REL}'], capture_output=True).stdout,
            lambda: os.system('cat {REPO}/{SOLUTION_REL} > stolen.py'),
            lambda: os.execv('/bin/sh', ['sh', '-c', 'true'])):
    try:
        run()
    except OSError:
        pass
STOLEN = steal('stolen.py')""", needs="seccomp"),
    Attack("thread-bomb",
           """
import threading, time
threads = []
try:
    for _ in range(5000):
        t = threading.Thread(target=time.sleep, args=(60,), daemon=True)
        t.start()
        threads.append(t)
except (RuntimeError, MemoryError):
    pass""", expect="threads running after returning", dangerous=True),
    Attack("memory-bomb", "HOG = []\ntry:\n    while True:\n        HOG.append(bytearray(256 << 20))\nexcept MemoryError:\n    HOG = None",
           dangerous=True),
    Attack("shared-mmap-bomb",
           """
import mmap
maps = []
try:
    for _ in range(64):
        m = mmap.mmap(-1, 256 << 20, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS)
        m[::4096] = b'x' * len(range(0, 256 << 20, 4096))
        maps.append(m)
except (OSError, MemoryError, ValueError):
    pass""", dangerous=True),
    Attack("memfd-and-unshare",
           """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
try:
    os.memfd_create('x')
except OSError:
    pass
assert libc.unshare(0x10000000 | 0x40000000) != 0  # a user and network namespace: refused""", needs="seccomp"),
    Attack("c-stack-overflow",
           "sys.setrecursionlimit(10**8)\nNEST = []\nfor _ in range(10**6):\n    NEST = [NEST]",
           at_call="    repr(NEST)", expect="ended abnormally"),
    # A CPU spin is test_hostile_exercise1.py's test_endless_loop (slow: 7 checks x 5 s of CPU).
    Attack("sleep-forever", "import time", at_call="    time.sleep(3600)", expect="did not finish", slow=True),
    Attack("output-flood", "", at_call="    sys.stdout.write('Score: 7/7\\n' * 2_000_000)"),
    # ------------------------------------------------------------------ network
    Attack("tcp-to-loopback-listener",
           "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {PORT}), timeout=2).sendall(b'leak')\n"
           "except OSError:\n    pass", needs="network"),
    Attack("udp-to-loopback-listener",
           "import socket\ntry:\n    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', {UDP}))\n"
           "except OSError:\n    pass", needs="network"),
    Attack("pathname-unix-socket",
           "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX)\n    s.connect({UNIX})\n    s.sendall(b'leak')\n"
           "except OSError:\n    pass", needs="seccomp"),
    Attack("abstract-unix-socket",
           "import socket\ntry:\n    s = socket.socket(socket.AF_UNIX)\n    s.connect({ABSTRACT})\n    s.sendall(b'leak')\n"
           "except OSError:\n    pass", needs="network"),
    # ------------------------------------------------------------------ lying results and channels
    Attack("patched-comparisons",
           "import torch, math\ntorch.allclose = lambda *a, **k: True\nmath.isclose = lambda *a, **k: True\n"
           "torch.Tensor.__eq__ = lambda *a: True", expect="changed Tensor.__eq__"),
    Attack("fake-report-on-every-stream",
           "FAKE = '{\"score\": 7, \"max_score\": 7, \"status\": \"graded\"}'\nprint(FAKE)\nprint(FAKE, file=sys.stderr)",
           at_call="    for fd in (1, 2, 3, 4, 5):\n        try:\n            os.write(fd, FAKE.encode())\n        except OSError:\n"
                   "            pass"),
    Attack("exit-at-import", "os._exit(0)", expect="ended abnormally"),
    Attack("exit-at-call", "", at_call="    sys.exit(0)", expect="raised SystemExit"),
    Attack("atexit-and-finalizer",
           "import atexit, weakref\n"
           "atexit.register(lambda: os.write(1, b'Score: 7/7'))\n"
           "class Late:\n    def __del__(self):\n        os.write(1, b'{\"score\": 7}')\n"
           "KEEP = Late()\nweakref.finalize(KEEP, os.write, 1, b'7/7')"),
    Attack("lying-float-subclass",
           "class Liar(float):\n    def __eq__(self, other):\n        return True\n    __le__ = __ge__ = __lt__ = __eq__\n"
           "    def __sub__(self, other):\n        return 0.0\n    __rsub__ = __sub__\n"
           "    def __abs__(self):\n        return 0.0\n"
           "def ANSWER(f, x0):\n    return Liar(0.0)", expect="expected a Python float"),
    Attack("lying-tensor-subclass",
           "import torch\nclass Liar(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
           "    def __sub__(self, other):\n        return torch.tensor(0.0)\n"
           "def ANSWER(f, x0):\n    return torch.tensor(0.0).as_subclass(Liar)", expect="expected a Python float"),
    Attack("pickle-payload",
           "import pickle\nclass Boom:\n    def __reduce__(self):\n        return (os.system, ('touch {CANARY}/pwned',))\n"
           "def ANSWER(f, x0):\n    return pickle.dumps(Boom())", expect="returned a bytes"),
    Attack("oversized-return", "import torch\ndef ANSWER(f, x0):\n    return torch.zeros(100 << 20)",
           expect="expected one number"),
    # ------------------------------------------------------------------ autograd in a by-hand exercise
    *[Attack(name, BY_HAND_FORWARD + code, expect="used autograd", exercise="exercise6")
      for name, code in AUTOGRAD_ROUTES.items()],
]


ISOLATED = {
    "files": lambda isolation: not isolation["hidden_files_readable"],
    "network": lambda isolation: not isolation["network_reachable"],
    "seccomp": lambda isolation: isolation["layers"]["seccomp"],
}


class Listeners:
    """TCP, UDP, pathname and abstract unix listeners on loopback that count what reaches them."""

    def __init__(self, folder: Path):
        self.hits: list[str] = []
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen()
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_path = str(folder / "listener.sock")
        self.unix = socket.socket(socket.AF_UNIX)
        self.unix.bind(self.unix_path)
        self.unix.listen()
        self.abstract_name = f"\0grader-attack-{os.getpid()}"
        self.abstract = socket.socket(socket.AF_UNIX)
        self.abstract.bind(self.abstract_name)
        self.abstract.listen()
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        import selectors

        selector = selectors.DefaultSelector()
        for name, sock in (("tcp", self.tcp), ("udp", self.udp), ("unix", self.unix), ("abstract", self.abstract)):
            selector.register(sock, selectors.EVENT_READ, name)
        while not self.stop:
            for key, _ in selector.select(0.2):
                if key.data == "udp":
                    key.fileobj.recvfrom(4096)
                else:
                    connection, _ = key.fileobj.accept()
                    connection.close()
                self.hits.append(key.data)

    def names(self) -> dict:
        return {"PORT": self.tcp.getsockname()[1], "UDP": self.udp.getsockname()[1],
                "UNIX": self.unix_path, "ABSTRACT": self.abstract_name}

    def close(self):
        self.stop = True
        self.thread.join(timeout=2)
        for sock in (self.tcp, self.udp, self.unix, self.abstract):
            sock.close()


@pytest.fixture(scope="module")
def arena(course, tmp_path_factory):
    """One warm grader per exercise (with a secret in the environment), listeners, a canary."""
    saved = os.environ.get("GITHUB_TOKEN")
    os.environ["GITHUB_TOKEN"] = FAKE_TOKEN
    root = tmp_path_factory.mktemp("attacks")
    canary = root / "canary"
    canary.mkdir()
    (canary / "canary.txt").write_text("untouched\n")
    listeners = Listeners(root)
    graders = {}
    try:
        for exercise in EXERCISES:
            graders[exercise] = Grader(course, exercise, root / exercise)
            (root / exercise).mkdir()
        yield {"graders": graders, "listeners": listeners, "canary": canary, "honest": {}}
    finally:
        for grader in graders.values():
            grader.close()
        listeners.close()
        if saved is None:
            os.environ.pop("GITHUB_TOKEN", None)
        else:
            os.environ["GITHUB_TOKEN"] = saved


def snapshot(*folders: Path) -> dict:
    """Every file under ``folders`` and its digest: what no child may change."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


def hidden_lines() -> list[str]:
    """Distinctive lines of every hidden test file (a report may name hidden tests, not quote them)."""
    return [line.strip() for path in REPO.glob("exercises/*/hidden/*.py")
            for line in path.read_text().splitlines() if len(line.strip()) > 30]


def zygote_children(grader: Grader) -> list[int]:
    zygote = grader.session.sandbox.info["pid"]
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == zygote and fields[0] not in "ZX":
                found.append(int(entry))
    return found


def dangerous_layers_in_force(grader: Grader) -> str:
    """'' when this session's probe showed the fork and kill bans holding; else why not."""
    probe = grader.session.sandbox.wait_ready().get("probe", {})
    if not probe.get("seccomp", {}).get("ok"):
        return "seccomp is not in force here, and as root this case could end every process"
    if "seccomp" not in grader.session.sandbox.child_sandbox.get("layers", []):
        return "children are not asked to load seccomp"
    return ""


def build_source(attack: Attack, exercise: ExerciseUnderAttack, names: dict) -> str:
    body = attack.at_call or "    pass"
    text = PRELUDE + "\n" + attack.at_import + "\n" + exercise.template.replace("{BODY}", body)
    for name, value in {"WRONG": WRONG, **names}.items():
        text = text.replace("{" + name + "}", value if name in ("WRONG", "CANARY") else repr(value))
    return text


def params() -> list:
    return [pytest.param(a, id=a.id, marks=[pytest.mark.slow] if a.slow else []) for a in ATTACKS]


def test_the_suite_is_big_enough():
    assert len(ATTACKS) >= 30
    assert len({a.id for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", params())
def test_attack(arena, attack: Attack):
    grader = arena["graders"][attack.exercise]
    exercise = EXERCISES[attack.exercise]
    if attack.dangerous and (why := dangerous_layers_in_force(grader)):
        pytest.skip(f"not run: {why} (sandbox rule 13)")
    expected = grader.session.require_isolation(None)
    if attack.needs and not ISOLATED[attack.needs](expected):
        pytest.skip(f"{attack.needs} not isolated at level {expected['level']} here: reports say so")
    listeners = arena["listeners"]
    names = {**listeners.names(), "CANARY": str(arena["canary"])}
    watched = (REPO / "solutions", REPO / "exercises", arena["canary"])
    before = snapshot(*watched)
    hits_before = len(listeners.hits)
    restarts = grader.session.sandbox.restarts
    honest = arena["honest"].setdefault(attack.exercise, grader.source(exercise.honest_wrong).score)

    report = grader.source(build_source(attack, exercise, names))

    # The outcome the case is paired with.
    assert report.status == "graded", report.error
    assert report.score <= honest, [(t.name, t.status, t.message) for t in report.tests]
    assert all(t.status != "passed" for t in report.tests), [(t.name, t.message) for t in report.tests]
    said = "\n".join(f"{t.message} {t.staff or ''}" for t in report.tests)
    assert attack.expect in said, said
    # The invariants.
    document = json.dumps(report.to_dict())
    assert FAKE_TOKEN not in document
    assert not [line for line in hidden_lines() if line in document], "hidden test source leaked"
    for key in ("level", "hidden_files_readable", "network_reachable"):
        assert report.isolation[key] == expected[key], key  # what the probe promised, every child had
    assert snapshot(*watched) == before, "a file outside the child's folder changed"
    assert not (arena["canary"] / "pwned").exists()
    deadline = time.monotonic() + 5
    while zygote_children(grader) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert zygote_children(grader) == [], "a process outlived its report"
    assert grader.session.sandbox.restarts == restarts, "the attack took the zygote down"
    if report.isolation["network_reachable"] is False:
        assert len(listeners.hits) == hits_before, f"reached a listener: {listeners.hits[hits_before:]}"
    after = grader.file(exercise.reference)
    assert after.score == after.max_score, [(t.name, t.message) for t in after.tests]


def test_this_machine_isolates_strongly_where_the_layers_exist(arena):
    """On a Linux machine with Landlock and seccomp, children run at level strong: record it."""
    grader = arena["graders"]["exercise1"]
    expected = grader.session.require_isolation(None)
    probe = grader.session.sandbox.info.get("probe", {})
    print(f"isolation level for the attack suite: {expected['level']} "
          f"({', '.join(n for n, on in expected['layers'].items() if on)})")
    every_layer_asked = "GRADER_LAYERS" not in os.environ
    if every_layer_asked and probe.get("landlock", {}).get("ok") and probe.get("seccomp", {}).get("ok"):
        assert expected["level"] == "strong"
        assert expected["hidden_files_readable"] is False
