"""Nothing of the student's runs after the call: attacks that leave code behind to run when the
child reads probes, describes an exception or warning, or encodes the result.

Most cases are exercise6 submissions (by hand, under the no-autograd guard) that return zeros
and leave something behind which, once the call is over, computes the gradients with autograd
and swaps them into the answer or writes its own result frame to the result pipe and leaves. A
few undo the guard from inside the call (the saved-tensor hook flags, hooks pushed on top, the
engine under another name). Each must score no more than the honest wrong answer (zeros), and
the reference solution graded next by the same warm session must still get full marks. Benign
code that looks like some of it (a thread joined before returning, an ordinary warning, a
ValueError with a message, numpy) still gets full marks or its normal message.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass

import pytest

from ..conftest import SOLUTIONS, Grader

pytestmark = [pytest.mark.sandbox, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]

HONEST_WRONG = {
    "exercise6": "import torch\ndef mlp_backward(x, t, params):\n"
                 "    return {k: torch.zeros_like(v) for k, v in params.items()}\n",
    "exercise1": "def dydx(f, x0):\n    return 0.0\n",
}
REFERENCE = {name: SOLUTIONS / f"{name}.py" for name in HONEST_WRONG}

# What every exercise6 case may use: the forward pass, autograd's gradients (which raise while
# the guard is in force), a walk over the recorded graph that needs no engine, and a forger that
# writes a result frame to every pipe it finds among its descriptors and leaves at once.
PRELUDE6 = '''
import os, stat, sys, threading, warnings
import torch
NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
SEEN = {}

def LOSS(x, t, p):
    a1 = torch.sigmoid(x @ p["W1"].T + p["b1"])
    a2 = torch.sigmoid(a1 @ p["W2"].T + p["b2"])
    return (((a2 @ p["W3"].T + p["b3"]) - t) ** 2).mean()

def LEAVES():
    return {k: SEEN["params"][k].detach().clone().requires_grad_() for k in NAMES}

def autograd_grads():
    """Raises while the guard is in force."""
    with torch.enable_grad():
        leaves = LEAVES()
        loss = LOSS(SEEN["x"], SEEN["t"], leaves)
        grads = torch.autograd.grad(loss, [leaves[k] for k in NAMES])
    return {k: g.detach() for k, g in zip(NAMES, grads)}

def in_fresh_thread(work):
    """Run work() in a new thread (fresh per-thread autograd state); its result or None."""
    box = []
    def run():
        try:
            box.append(work())
        except BaseException:
            pass
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return box[0] if box else None

def walk_graph(loss, leaves):
    """Backpropagate by calling each node of the recorded graph: no engine needed."""
    from collections import defaultdict
    users, seen, stack = defaultdict(int), set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None:
                users[child] += 1
                stack.append(child)
    incoming = defaultdict(list)
    incoming[loss.grad_fn].append(torch.ones((), dtype=loss.dtype))
    ready, found = [loss.grad_fn], {}
    while ready:
        node = ready.pop()
        grad = sum(incoming.pop(node))
        if hasattr(node, "variable"):
            found[id(node.variable)] = grad.sum_to_size(node.variable.shape)
            continue
        outs = node(grad)
        outs = outs if isinstance(outs, tuple) else (outs,)
        for (child, _), out in zip(node.next_functions, outs):
            if child is None:
                continue
            if out is not None:
                incoming[child].append(out)
            users[child] -= 1
            if users[child] == 0:
                ready.append(child)
    return {k: found[id(v)] for k, v in leaves.items()}

def graph_grads():
    with torch.enable_grad():
        leaves = LEAVES()
        loss = LOSS(SEEN["x"], SEEN["t"], leaves)
    return walk_graph(loss, leaves)

def write_forged(grads):
    from grader.sandbox import protocol
    frame = protocol.pack_frame(protocol.encode(
        {"stage": "result", "ok": True, "value": {k: g.detach().clone() for k, g in grads.items()},
         "warnings": []}))
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        try:
            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, frame)
        except OSError:
            pass

def forge_and_leave(grads):
    write_forged(grads)
    os._exit(0)

BUSY = []

def forge_if_lifted():
    """Once the guard is gone, forge a result with autograd's gradients; else do nothing."""
    if BUSY:
        return
    BUSY.append(1)
    try:
        grads = autograd_grads()
    except BaseException:
        BUSY.clear()
        return
    forge_and_leave(grads)
'''

TEMPLATE6 = '''
def mlp_backward(x, t, params):
    SEEN.update(x=x.clone(), t=t.clone(), params={k: v.clone() for k, v in params.items()})
{BODY}
    return {k: torch.zeros_like(v) for k, v in params.items()}
'''


@dataclass(frozen=True)
class Case:
    id: str
    code: str  # module-level code
    body: str = "    pass"  # call-time code, before the zeros are returned
    exercise: str = "exercise6"
    expect: str = ""  # a fragment the report's messages must hold ("" = anything)
    fast: bool = False  # in the fast tier; the rest are marked slow (each costs a full grading)
    known_limit: str = ""  # why this one still gets through (an expected failure, strict)


CASES = [
    # ------------------------------------------------------------------ modes left on the stack
    Case("torch-function-mode-swaps-gradients-at-encode", '''
from torch.overrides import TorchFunctionMode
class Swap(TorchFunctionMode):
    n, grads = 0, None
    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if getattr(func, "__name__", "") == "detach" and self.n < 6:
            try:
                self.grads = self.grads or autograd_grads()
            except BaseException:
                return out  # the harness's detach, while the guard is on
            out = self.grads[NAMES[self.n]].to(out.dtype)
            self.n += 1
        return out
''', "    Swap().__enter__()", expect="TorchFunctionMode", fast=True),
    Case("torch-dispatch-mode-swaps-at-aten-detach", '''
from torch.utils._python_dispatch import TorchDispatchMode
class Swap(TorchDispatchMode):
    n, grads = 0, None
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func is torch.ops.aten.detach.default and self.n < 6 and out.dtype.is_floating_point:
            self.grads = self.grads or in_fresh_thread(autograd_grads)
            if self.grads is None or tuple(out.shape) != tuple(self.grads[NAMES[self.n]].shape):
                return out
            out = self.grads[NAMES[self.n]].to(out.dtype)
            self.n += 1
        return out
''', "    Swap().__enter__()", expect="TorchDispatchMode"),
    # ------------------------------------------------------------------ text of exceptions and warnings
    Case("exception-str-computes-and-forges-a-result-frame", '''
class Sneaky(Exception):
    def __str__(self):
        forge_if_lifted()
        return "sneaky"
''', "    raise Sneaky()", fast=True),
    Case("exception-arg-str-computes-and-forges", '''
class Arg:
    def __str__(self):
        forge_if_lifted()
        return "arg"
    __repr__ = __str__
''', "    raise ValueError(Arg())"),
    Case("exception-class-name-from-a-metaclass-forges", '''
class Meta(type):
    @property
    def __name__(cls):
        forge_if_lifted()
        return "Liar"
class Lying(Exception, metaclass=Meta):
    pass
''', "    raise Lying('x')"),
    Case("syntax-error-subclass-filename-property-forges", '''
class Syntax(SyntaxError):
    @property
    def filename(self):
        forge_if_lifted()
        return "mlp_backward.py"
''', "    raise Syntax('bad')"),
    Case("warning-str-forges-on-its-second-call", '''
class Sneaky(UserWarning):
    calls = 0
    def __str__(self):
        Sneaky.calls += 1
        if Sneaky.calls >= 2:
            forge_if_lifted()
        return "only a warning"
''', "    warnings.warn(Sneaky())", fast=True),
    Case("warning-category-name-from-a-metaclass-forges", '''
class Meta(type):
    @property
    def __name__(cls):
        forge_if_lifted()
        return "Liar"
class Sneaky(UserWarning, metaclass=Meta):
    pass
''', "    warnings.warn('text', Sneaky)"),
    # ------------------------------------------------------------------ code left to run later
    Case("signal-handler-and-interval-timer", '''
import signal
def handler(*_):
    forge_if_lifted()
''', "    signal.signal(signal.SIGALRM, handler)\n    signal.setitimer(signal.ITIMER_REAL, 0.0002, 0.0002)",
         expect="signal"),
    Case("cpu-time-timer", '''
import signal
def handler(*_):
    forge_if_lifted()
''', "    signal.signal(signal.SIGPROF, handler)\n    signal.setitimer(signal.ITIMER_PROF, 0.0001, 0.0001)",
         expect="signal"),
    Case("trace-function", '''
def tracer(frame, event, arg):
    if torch.is_grad_enabled():
        sys.settrace(None)
        forge_if_lifted()
    return None
''', "    sys.settrace(tracer)", expect="trace"),
    Case("profile-function", '''
def profiler(frame, event, arg):
    if torch.is_grad_enabled():
        sys.setprofile(None)
        forge_if_lifted()
''', "    sys.setprofile(profiler)", expect="profile"),
    Case("thread-still-running", '''
import time
def wait_for_the_guard_to_go():
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if getattr(torch.autograd.grad, "__module__", "") != "grader.sandbox.guard":
            try:
                torch._C._autograd._pop_saved_tensors_default_hooks()
            except BaseException:
                pass
            torch.set_grad_enabled(True)
            forge_if_lifted()
        time.sleep(0.0002)
''', "    threading.Thread(target=wait_for_the_guard_to_go, daemon=True).start()", expect="thread"),
    Case("thread-started-from-c", '''
import ctypes, time
def poll():
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        forge_if_lifted()  # a thread started from C has no saved-tensor hooks of its own
        time.sleep(0.0005)
    return 0
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(lambda _: poll())
def start_from_c():
    libc = ctypes.CDLL(None)
    handle = ctypes.c_ulong()
    libc.pthread_create(ctypes.byref(handle), None, CALLBACK, None)
''', "    start_from_c()"),
    Case("c-thread-computes-during-the-call", '''
import ctypes
BOX = []
def work(_):
    try:
        BOX.append(graph_grads())
    except BaseException as error:
        BOX.append(error)
    return 0
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(work)
def answer_from_c():
    libc = ctypes.CDLL(None)
    handle = ctypes.c_ulong()
    libc.pthread_create(ctypes.byref(handle), None, CALLBACK, None)
    libc.pthread_join(handle, None)
    if isinstance(BOX[0], BaseException):
        raise BOX[0]
    return BOX[0]
''', "    return answer_from_c()"),
    Case("gc-callback", '''
import gc
def callback(phase, info):
    forge_if_lifted()
''', "    gc.callbacks.append(callback)\n    gc.set_threshold(1, 1, 1)", expect="garbage collector"),
    Case("finalizer-that-waits-for-the-guard-to-go", '''
import gc
class Phoenix:
    def __init__(self):
        self.me = self  # a cycle: only the collector frees it
    def __del__(self):
        forge_if_lifted()
        Phoenix()  # still guarded: leave another one for the next collection
''', "    Phoenix()\n    gc.set_threshold(1, 1, 1)"),
    Case("audit-hook", '''
def hook(event, args):
    if event in ("os.write", "open", "os.listdir", "import", "object.__getattr__"):
        forge_if_lifted()
''', "    sys.addaudithook(hook)"),
    # ------------------------------------------------------------------ what the encoder uses
    Case("tensor-detach-monkeypatched", '''
ORIGINAL = torch.Tensor.detach
COUNT = [0]
def detach(self):
    out = ORIGINAL(self)
    if BUSY:
        return out
    BUSY.append(1)
    try:
        grads = autograd_grads()
    except BaseException:
        return out
    finally:
        BUSY.clear()
    COUNT[0] += 1
    return grads[NAMES[(COUNT[0] - 1) % 6]].to(out.dtype)
''', "    torch.Tensor.detach = detach", expect="changed"),
    Case("tensor-numpy-monkeypatched", '''
ORIGINAL = torch.Tensor.numpy
COUNT = [0]
def numpy(self, *a, **k):
    out = ORIGINAL(self, *a, **k)
    forge_if_lifted()
    return out
''', "    torch.Tensor.numpy = numpy", expect="changed"),
    Case("json-dumps-monkeypatched", '''
import json
ORIGINAL = json.dumps
def dumps(*a, **k):
    forge_if_lifted()
    return ORIGINAL(*a, **k)
''', "    json.dumps = dumps", expect="changed"),
    Case("builtin-len-monkeypatched", '''
import builtins
ORIGINAL = builtins.len
def length(x):
    if type(x) is bytes:
        forge_if_lifted()
    return ORIGINAL(x)
''', "    builtins.len = length", expect="changed"),
    Case("os-write-monkeypatched", '''
ORIGINAL = os.write
def write(fd, data):
    forge_if_lifted()
    return ORIGINAL(fd, data)
''', "    os.write = write", expect="changed"),
    Case("python-kernel-for-aten-detach", '''
LIB = torch.library.Library("aten", "IMPL")
COUNT = [0]
def detach(x):
    out = torch.ops.aten.alias.default(x)
    if BUSY:
        return out
    BUSY.append(1)
    grads = in_fresh_thread(autograd_grads)
    BUSY.clear()
    if grads is None or COUNT[0] >= 6 or not x.dtype.is_floating_point:
        return out
    target = grads[NAMES[COUNT[0]]]
    if tuple(x.shape) != tuple(target.shape):
        return out
    COUNT[0] += 1
    return target.to(x.dtype).clone()
''', '    LIB.impl("detach", detach, "CPU")', expect="kernel"),
    Case("hook-on-a-returned-tensor", '''
def answer(params):
    out = {}
    for k, v in params.items():
        g = torch.zeros_like(v).requires_grad_()
        g.register_hook(lambda grad: forge_if_lifted())
        out[k] = g
    return out
''', "    return answer(params)"),
    # ------------------------------------------------------------------ the guard undone from inside
    Case("saved-tensor-hooks-tracing-flag", "",
         "    torch._C._autograd._saved_tensors_hooks_set_tracing(True)\n"
         "    grads = graph_grads()\n"
         "    torch._C._autograd._saved_tensors_hooks_set_tracing(False)\n"
         "    return grads", expect="used autograd", fast=True),
    Case("saved-tensor-hooks-disabled", "",
         "    torch._C._autograd._saved_tensors_hooks_disable('off', False)\n"
         "    grads = graph_grads()\n"
         "    torch._C._autograd._saved_tensors_hooks_enable()\n"
         "    return grads", expect="used autograd"),
    Case("saved-tensor-hooks-pushed-on-top", "",
         "    torch._C._autograd._push_saved_tensors_default_hooks(lambda t: t, lambda t: t)\n"
         "    return graph_grads()", expect="used autograd"),
    Case("saved-tensor-hooks-context-manager", "",
         "    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):\n"
         "        return graph_grads()", expect="used autograd"),
    Case("engine-under-another-name-with-names-built-at-run-time", '''
def by_name(owner, *parts):
    return getattr(owner, "".join(parts))
def answer():
    hooks = sys.modules["torch._C." + "_autograd"]
    by_name(hooks, "_saved_tensors_hooks_", "set_", "tracing")(True)
    with torch.enable_grad():
        leaves = LEAVES()
        loss = LOSS(SEEN["x"], SEEN["t"], leaves)
    engine = by_name(sys.modules["torch.autograd." + "variable"], "Imperative", "Engine")()
    grads = engine.run_backward((loss,), (torch.ones(()),), False, False, tuple(leaves.values()), False, False)
    by_name(hooks, "_saved_tensors_hooks_", "set_", "tracing")(False)
    return dict(zip(NAMES, grads))
''', "    return answer()", expect="used autograd", fast=True),
    Case("guard-originals-through-a-closure-undone-and-redone", '''
def answer():
    cells = [c.cell_contents for c in threading._start_new_thread.__closure__]
    active = next(c for c in cells if getattr(c, "__name__", "") == "refused_graph").__self__
    active._set_tracing(True)  # the original, captured by the guard
    grads = graph_grads()
    active._set_tracing(False)  # put back before returning: the self-check sees nothing
    return grads
''', "    return answer()",
         known_limit="the guard is Python: its originals are reachable through closures and frames, and "
                     "the self-check sees only what is still undone when the call ends (a guard in C "
                     "would stop this; the scan flags __closure__ and f_locals for review)"),
    # ------------------------------------------------------------------ frames on the result pipe
    Case("forged-result-frame-then-return", "",
         "    write_forged({k: torch.ones_like(v) for k, v in params.items()})", expect="invalid result"),
    Case("partial-frame-desynchronises-the-reader", "",
         "    from grader.sandbox import protocol\n"
         "    for name in os.listdir('/proc/self/fd'):\n"
         "        fd = int(name)\n"
         "        try:\n"
         "            if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
         "                os.write(fd, protocol.HEADER.pack(protocol.MAGIC, protocol.VERSION, 40))\n"
         "        except OSError:\n"
         "            pass", expect="invalid result"),
    # ------------------------------------------------------------------ an exercise without a guard
    Case("exercise1-torch-function-mode-left-on", '''
from torch.overrides import TorchFunctionMode
class Quiet(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))
''', "    Quiet().__enter__()", exercise="exercise1", expect="TorchFunctionMode", fast=True),
    Case("exercise1-thread-left-running", "import threading, time",
         "    threading.Thread(target=time.sleep, args=(3,), daemon=True).start()",
         exercise="exercise1", expect="thread"),
]


def build(case: Case) -> str:
    if case.exercise == "exercise6":
        return PRELUDE6 + textwrap.dedent(case.code) + TEMPLATE6.replace("{BODY}", case.body)
    return ("import sys, torch\n" + textwrap.dedent(case.code) + "\n"
            + "def dydx(f, x0):\n" + case.body + "\n    return 0.0\n")


@pytest.fixture(scope="module")
def graders(course, tmp_path_factory):
    root = tmp_path_factory.mktemp("after-call")
    made = {}
    try:
        for exercise in HONEST_WRONG:
            (root / exercise).mkdir()
            made[exercise] = Grader(course, exercise, root / exercise)
        yield made
    finally:
        for grader in made.values():
            grader.close()


@pytest.fixture(scope="module")
def honest(graders):
    return {exercise: graders[exercise].source(text).score for exercise, text in HONEST_WRONG.items()}


def messages(report) -> str:
    return "\n".join(f"{t.message} {t.hint or ''} {t.staff or ''}" for t in report.tests)


def marks(case: Case) -> list:
    found = [] if case.fast else [pytest.mark.slow]
    if case.known_limit:
        found.append(pytest.mark.xfail(strict=True, reason=case.known_limit))
    return found


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=marks(c)) for c in CASES])
def test_attack_after_the_call(graders, honest, case: Case):
    grader = graders[case.exercise]
    report = grader.source(build(case))
    assert report.status == "graded", report.error
    assert report.score <= honest[case.exercise], [(t.name, t.status, t.message) for t in report.tests]
    assert all(t.status != "passed" for t in report.tests), [(t.name, t.message) for t in report.tests]
    assert case.expect in messages(report), messages(report)
    after = grader.file(REFERENCE[case.exercise])
    assert after.score == after.max_score, [(t.name, t.message) for t in after.tests]


def test_the_attack_list_is_big_enough():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


# ----------------------------------------------------------------------------- benign code

BENIGN6 = '''
import threading, warnings
import numpy
import torch

def mlp_backward(x, t, params):
    warnings.warn("an ordinary warning")
    box = {}
    def forward():
        box["a1"] = torch.sigmoid(x @ params["W1"].T + params["b1"])
    worker = threading.Thread(target=forward)
    worker.start()
    worker.join()  # a thread that ends before the function returns
    W1, b1, W2, b2, W3, b3 = (params[name] for name in ("W1", "b1", "W2", "b2", "W3", "b3"))
    a1 = box["a1"]
    a2 = torch.sigmoid(a1 @ W2.T + b2)
    y = a2 @ W3.T + b3
    n, d_out = y.shape
    dy = 2 * (y - t) / (n * d_out)
    dz2 = dy @ W3 * a2 * (1 - a2)
    dz1 = dz2 @ W2 * a1 * (1 - a1)
    scale = float(numpy.float64(1.0))
    return {
        "W3": scale * dy.T @ a2, "b3": dy.sum(0),
        "W2": dz2.T @ a1, "b2": dz2.sum(0),
        "W1": dz1.T @ x, "b1": dz1.sum(0),
    }
'''


def test_benign_threads_warnings_and_numpy_still_score_full_marks(graders):
    report = graders["exercise6"].source(BENIGN6)
    assert report.score == report.max_score, [(t.name, t.message) for t in report.tests]


def test_an_ordinary_exception_keeps_its_message_and_line(graders):
    report = graders["exercise6"].source(
        "def mlp_backward(x, t, params):\n    raise ValueError('shapes (4, 3) and (5, 2) do not match', 7)\n")
    said = messages(report)
    assert report.score == 0
    assert "raised ValueError at line 2 of mlp_backward.py: " in said, said
    assert "('shapes (4, 3) and (5, 2) do not match', 7)" in said, said
    report = graders["exercise6"].source(
        "def mlp_backward(x, t, params):\n    raise KeyError('W1')\n")
    assert "raised KeyError at line 2 of mlp_backward.py: 'W1'" in messages(report), messages(report)
