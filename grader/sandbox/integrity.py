"""After the call, before anything is read: nothing of the student's may be left to run.

Runs on the untrusted side, in the sandboxed child, in every exercise. Once the harness entry has
returned (or raised), the child reads the result, describes the exception and warnings, and
encodes them. Any student code that ran then would run outside the call: a mode left on torch's
stacks sees the encoder's ``detach``, a signal handler or a collector callback fires mid-encode,
a patched ``json.dumps`` or ``Tensor.detach`` is called by the encoder itself. So, in order:

``arm`` (before the student's module is imported) takes the baseline (signal handlers, torch's
thread-local dispatch keys, the namespaces the child uses after the call; the registrations of
the operators the encoder runs are read once, when the zygote imports this module) and adds an
audit hook that, for the rest of the process, refuses new audit
hooks, trace and profile functions (``sys.settrace``/``setprofile``, ``sys.monitoring``
callbacks) and reassigning or deleting a function's ``__code__``, ``__defaults__`` or
``__kwdefaults__`` (a function without defaults may be given some, or none again: that
displaces nothing).
Refusing tracing keeps the child's own frames' locals out of reach (a tracer can rewrite them).

``check`` (after the call) first stops what could run by itself and puts back what the child
uses, recording each as a problem: the collector is disabled and its callbacks dropped; signals
are blocked until the exit, interval timers disarmed and signal handlers put back; every namespace the child and the encoder use
after the call (builtins, os, json, struct, math, torch and ``torch.Tensor``, the sandbox's own
modules, their ``sys.modules`` entries) gets its baseline entries back. Then it checks: torch's
function-mode and dispatch-mode stacks are empty, its thread-local dispatch keys and functorch's
interpreter stack are as they were, no Python kernel was registered for the operators the encoder
runs, no thread is alive but those alive before the student's code ran (the tasks in
``/proc/self/task``: a thread started from C counts),
no trace, profile or monitoring function is set, the guard (where the exercise has one) reports
nothing undone, and every tensor in the result is a plain one without attributes of its own (an
instance attribute ``detach`` would shadow the method). Objects displaced on the way are kept
alive, so that no finaliser of the student's runs when the last reference drops.

Any problem fails the call (the trusted side scores it nothing) with a teaching message. What
``check`` relies on cannot have been changed by the student's code: the baseline is a tuple of
tuples, built before that code ran and held in the child's locals (a tracer could rewrite
locals, hence the refusal above); the functions ``check`` calls are this module's globals,
captured at import in the zygote, which it first puts back from the baseline with nothing but
dictionary operations, and again once the collector and signals can no longer interleave.

Honest limits: this is Python inside the student's process. ctypes (refused by the guard's audit
hook in by-hand exercises, allowed elsewhere) can rewrite anything here. A thread still running
when the check starts is reported, not stopped.
"""

from __future__ import annotations

import json
import json.encoder
import sys
import threading
from gc import callbacks as _gc_callbacks
from gc import disable as _gc_disable
from os import listdir as _listdir
from _signal import SIG_BLOCK, SIGKILL, SIGSTOP
from _signal import getitimer as _getitimer
from _signal import getsignal as _getsignal
from _signal import pthread_sigmask as _sigmask
from _signal import setitimer as _setitimer
from _signal import signal as _signal
from _signal import valid_signals as _valid_signals
from sys import getprofile as _getprofile
from sys import gettrace as _gettrace
from sys import setprofile as _setprofile
from sys import settrace as _settrace
from time import monotonic as _monotonic
from time import sleep as _sleep

import torch
from torch._C import _dispatch_dump, _dispatch_tls_local_exclude_set, _dispatch_tls_local_include_set
from torch._C import _len_torch_dispatch_stack, _len_torch_function_stack
from torch._C import _pop_torch_dispatch_stack, _pop_torch_function_stack
from torch._C._functorch import peek_interpreter_stack as _peek_interpreter_stack

# Operators the encoder (protocol._tensor_to_tree) runs, directly or inside their kernels: a
# Python kernel registered for one of them (torch.library) would run at encode time.
ENCODER_OPERATORS = (
    "aten::detach", "aten::alias", "aten::clone", "aten::contiguous", "aten::reshape", "aten::view",
    "aten::view.dtype", "aten::_reshape_alias", "aten::_unsafe_view", "aten::to.dtype", "aten::_to_copy",
    "aten::copy_", "aten::empty_strided", "aten::empty.memory_format", "aten::empty_like",
    "aten::resolve_conj", "aten::resolve_neg",
)
# What the child and the encoder look up after the call, and so what is put back: a module
# name mapped to None is watched whole, added entries included (they could shadow a builtin for
# the module's own code); a tuple names the only entries used (the functions are C: nothing else
# of the module runs). The sandbox's own modules are added, whole, by ``arm``.
WATCHED_MODULES = {
    "builtins": (),  # every existing entry, see ``arm``; new ones are harmless
    "json": None, "json.encoder": None, "grader.harness": None,
    "os": ("write", "_exit"), "struct": ("pack",), "math": ("isfinite",),
    "torch": ("Tensor", "strided", "uint8", "bool"),
}
# Classes whose attributes the encoder looks up: every entry, added ones included (an added
# ``detach`` on torch.Tensor would shadow TensorBase's).
CLASSES = (torch.Tensor, json.encoder.JSONEncoder)
TIMERS = (0, 1, 2)  # ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF
THREAD_GRACE_SECONDS = 0.05  # a thread joined just before returning may take a moment to exit
AUDIT_REFUSED = frozenset({"sys.addaudithook", "sys.settrace", "sys.setprofile",
                           "sys.monitoring.register_callback"})
FUNCTION_ATTRIBUTES = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
_instance_dict = torch.Tensor.__dict__["__dict__"].__get__
_threading_gettrace = getattr(threading, "gettrace", lambda: None)
_threading_getprofile = getattr(threading, "getprofile", lambda: None)

# The operators' registrations, read once in the zygote (importing the harnesses changes none).
KERNEL_TABLES = tuple((name, _dispatch_dump(name)) for name in ENCODER_OPERATORS)

# Objects displaced by ``check`` (the student's replacements, popped modes): kept alive until
# the child's os._exit, so that none of their finalisers run.
_displaced: list = []


def arm(sandbox_modules: tuple = (), watched: tuple = ()) -> tuple:
    """Take the baseline and refuse tracing and new audit hooks; return the baseline for ``check``.

    Call in the child before the student's module is imported. ``sandbox_modules`` are the
    modules the child runs after the call (its own, the protocol's): they are restored and
    checked strictly. ``watched`` are further objects (the guard and its class) whose attributes
    are put back the same way.
    """
    namespaces, modules = [], []
    for name, entries in (*WATCHED_MODULES.items(), *((n, None) for n in (*sandbox_modules, __name__))):
        module = sys.modules.get(name)
        if module is None:
            continue
        space = vars(module)
        items = tuple(space.items()) if not entries else tuple((e, space[e]) for e in entries if e in space)
        namespaces.append((space, items, entries is None, name))
        modules.append((name, module))
    namespaces.extend((vars(o), tuple(vars(o).items()), True, type(o).__name__)
                      for o in watched if not isinstance(o, type))
    namespaces.sort(key=lambda n: n[3] != "builtins")  # builtins first: the rest looks them up
    classes = tuple((cls, tuple(vars(cls).items())) for cls in (*CLASSES, *(o for o in watched if isinstance(o, type))))
    signals = tuple((number, _getsignal(number)) for number in sorted(_valid_signals())
                    if number not in (SIGKILL, SIGSTOP))
    dispatch = (_dispatch_tls_local_include_set(), _dispatch_tls_local_exclude_set())
    own = vars(sys.modules[__name__])
    baseline = (own, tuple(own.items()), tuple(namespaces), classes, tuple(modules), sys.modules, signals,
                dispatch, KERNEL_TABLES, thread_count())
    refuse_hooks_and_tracing()
    return baseline


def refuse_hooks_and_tracing() -> bool:
    """The audit hook ``arm`` adds; its state lives in default arguments (see the module doc)."""

    def hook(event, args, _refused=AUDIT_REFUSED, _attributes=FUNCTION_ATTRIBUTES,
             _changes=("object.__setattr__", "object.__delattr__"), _code="__code__",
             _function=type(refuse_hooks_and_tracing), _type=type, _getattr=getattr, _error=PermissionError):
        if event in _refused:
            raise _error(f"sandbox: {event} is not allowed while your code is graded")
        if event in _changes and _type(args[0]) is _function and args[1] in _attributes:
            # A function without defaults displaces nothing when it is given some
            # (collections.namedtuple, and every lazy torch import defining one) or told again
            # that it has none (pyparsing's wrappers: CPython audits assigning None as a delete).
            if args[1] != _code and _getattr(args[0], args[1]) is None:
                return
            raise _error(f"sandbox: a function's {args[1]} cannot be replaced while your code is graded")

    try:
        sys.addaudithook(hook)
    except (AttributeError, RuntimeError):
        return False
    return True


def check(baseline: tuple, guard=None, value=None) -> list[tuple[str, str]]:
    """Stop and put back what the student left, then check the rest; return the problems.

    Each problem is ``(kind, message)``: kind ``AutogradForbidden`` for the guard's own findings,
    ``LeftRunning`` for the rest. An empty list means nothing of the student's can run from here
    to the child's exit. ``value`` is the entry's result (None when it raised).
    """
    own, own_items, namespaces, classes, modules, module_table, signals, dispatch, kernels, threads = baseline
    # This module's globals first, with nothing but dict operations (see the module doc).
    for name, original in own_items:
        if own.get(name, own) is not original:
            own[name] = original
    _gc_disable()
    _sigmask(SIG_BLOCK, _valid_signals())  # until the exit: a pending signal is never delivered
    for name, original in own_items:
        if own.get(name, own) is not original:
            own[name] = original
    problems: list[tuple[str, str]] = []
    stop_the_collector(problems)
    stop_signals(signals, problems)
    restore_namespaces(namespaces, classes, modules, module_table, problems)
    check_tracing(problems)
    check_torch_state(dispatch, kernels, problems)
    check_threads(threads, problems)
    if guard is not None:
        problems.extend(("AutogradForbidden", f"{what} (the no-autograd guard checks itself after the call)")
                        for what in guard.problems())
    check_value(value, problems)
    return problems


def left(what: str) -> tuple[str, str]:
    return ("LeftRunning", f"your code left {what} after returning; nothing of yours may run once "
                           "your function has returned")


def stop_the_collector(problems: list) -> None:
    """No collection (and so no finaliser of a cycle, no callback) from here to the exit."""
    if _gc_callbacks:
        _displaced.append(list(_gc_callbacks))
        _gc_callbacks.clear()
        problems.append(left("a garbage collector callback (gc.callbacks) registered"))


def stop_signals(signals: tuple, problems: list) -> None:
    """Disarm interval timers and put back every signal handler the child had before the call.

    Signals stay blocked from the start of ``check`` to the exit (the wall-clock and CPU limits
    end a child with SIGKILL, which no mask holds back), so one that fell due meanwhile neither
    runs a handler of the student's nor ends the child with a misleading status."""
    for timer in TIMERS:
        if _getitimer(timer) != (0.0, 0.0):
            _setitimer(timer, 0)
            problems.append(left("an interval timer (signal.setitimer) armed"))
    for number, handler in signals:
        current = _getsignal(number)
        if current is not handler:
            _displaced.append(current)
            try:
                _signal(number, handler)
            except (OSError, ValueError, TypeError):
                pass
            problems.append(left(f"a handler for signal {number} installed"))


def restore_namespaces(namespaces: tuple, classes: tuple, modules: tuple, module_table: dict,
                       problems: list) -> None:
    """Put back every baseline entry of the watched namespaces and classes (and the sys.modules
    entries); a strict namespace also loses the entries added since. builtins come first."""
    changed = []
    for space, items, strict, name in namespaces:
        for key, original in items:
            if space.get(key, space) is not original:
                _displaced.append(space.get(key))
                space[key] = original
                changed.append(f"{name}.{key}")
        if strict and len(space) != len(items):
            known = {key for key, _ in items}
            for key in [k for k in space if k not in known]:
                _displaced.append(space.pop(key))
                changed.append(f"{name}.{key}")
    if sys.modules is not module_table:
        _displaced.append(sys.modules)
        sys.modules = module_table
        changed.append("sys.modules")
    for name, module in modules:
        if module_table.get(name) is not module:
            _displaced.append(module_table.get(name))
            module_table[name] = module
            changed.append(f"sys.modules[{name!r}]")
    for cls, items in classes:
        space = type.__dict__["__dict__"].__get__(cls)
        for key, original in items:
            if space.get(key, space) is not original:
                _displaced.append(space.get(key))
                type.__setattr__(cls, key, original)
                changed.append(f"{cls.__name__}.{key}")
        if len(space) != len(items):
            known = {key for key, _ in items}
            for key in [k for k in space if k not in known]:
                _displaced.append(space[key])
                type.__delattr__(cls, key)
                changed.append(f"{cls.__name__}.{key}")
    if changed:
        shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        problems.append(("LeftRunning", f"your code changed {shown}, which the grader uses once your "
                                        "function has returned; leave the libraries as they are"))


def check_tracing(problems: list) -> None:
    """No trace, profile or monitoring function (the audit hook refuses them; this is the proof)."""
    if _gettrace() is not None or _threading_gettrace() is not None:
        _settrace(None)
        problems.append(left("a trace function (sys.settrace) set"))
    if _getprofile() is not None or _threading_getprofile() is not None:
        _setprofile(None)
        problems.append(left("a profile function (sys.setprofile) set"))
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        for tool in range(6):
            if monitoring.get_tool(tool) is not None:
                problems.append(left("a sys.monitoring tool registered"))
                break


def check_torch_state(dispatch: tuple, kernels: tuple, problems: list) -> None:
    """Empty mode stacks, the baseline's dispatch keys, no new kernel for the encoder's operators."""
    while _len_torch_function_stack():
        _displaced.append(_pop_torch_function_stack())
        problems.append(left("a TorchFunctionMode active"))
    while _len_torch_dispatch_stack():
        problems.append(left("a TorchDispatchMode active"))
        try:
            _displaced.append(_pop_torch_dispatch_stack())
        except (RuntimeError, TypeError):  # an infrastructure mode (fake tensors): not poppable so
            break
    if not (_dispatch_tls_local_include_set() == dispatch[0] and _dispatch_tls_local_exclude_set() == dispatch[1]):
        problems.append(left("torch's dispatch keys changed (a Python dispatcher or a mode's guard entered)"))
    if _peek_interpreter_stack() is not None:
        problems.append(left("a torch.func or vmap transform entered"))
    for name, table in kernels:
        if _dispatch_dump(name) != table:
            problems.append(left(f"a kernel registered for {name} (torch.library)"))


def thread_count() -> int:
    """The tasks of this process (``/proc/self/task``: a thread started from C counts too)."""
    try:
        return len(_listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def check_threads(before: int, problems: list) -> None:
    """No thread alive but those alive before the student's code ran (one, in a forked child)."""
    deadline = _monotonic() + THREAD_GRACE_SECONDS
    while True:
        extra = thread_count() - before
        if extra <= 0:
            return
        if _monotonic() > deadline:
            problems.append(left(f"{extra} other thread{'s' if extra > 1 else ''} running"))
            return
        _sleep(0.001)


PLAIN_KINDS = (type(None), bool, int, float, str, bytes)


def check_value(value, problems: list, depth: int = 0) -> None:
    """Every tensor in the result is an exact torch.Tensor with no attributes of its own."""
    kind = type(value)
    if depth > 32:
        return
    if kind is list or kind is tuple:
        for item in value:
            check_value(item, problems, depth + 1)
    elif kind is dict:
        for item in value.values():
            check_value(item, problems, depth + 1)
    elif kind is torch.Tensor and _instance_dict(value):
        problems.append(left("attributes set on a returned tensor"))


def unsendable(value, depth: int = 0):
    """The class of the first object in ``value`` the protocol cannot send, or None.

    Checked before encoding, by exact type only: the encoder's own refusal would name the class
    through its ``__module__`` and ``__qualname__``, which a metaclass can turn into code.
    """
    kind = type(value)
    if depth > 32:
        return None
    if kind is list or kind is tuple:
        for item in value:
            found = unsendable(item, depth + 1)
            if found is not None:
                return found
        return None
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return type(key)
            found = unsendable(item, depth + 1)
            if found is not None:
                return found
        return None
    for plain in PLAIN_KINDS:
        if kind is plain:
            return None
    return None if kind is torch.Tensor else kind


def as_error(problems: list) -> dict:
    """The first problems as the child's error description (``phase`` after)."""
    kind = "AutogradForbidden" if any(k == "AutogradForbidden" for k, _ in problems) else "LeftRunning"
    messages = list(dict.fromkeys(m for k, m in problems if k == kind))
    return {"type": kind, "message": "; ".join(messages[:3]), "where": None, "traceback": "",
            "harness": False}
