"""The no-autograd guard for exercises that ask for gradients by hand.

Applied in the sandboxed child around the import of the student's module and the harness call,
when the exercise's metadata forbids ``autograd``, and never lifted there: the child leaves with
``os._exit`` while the guard is still in force, so nothing that runs after the call (reading the
result, encoding it) runs without it. No single measure holds on its own, so these are combined:

1. grad mode is off (``torch.no_grad()``) and the harness hands over inputs without
   ``requires_grad``;
2. saved-tensor hooks refuse to record a graph: under ``torch.enable_grad()`` any operation that
   saves a tensor for backward (sigmoid, matmul, exp, ...) raises, so there is nothing for a
   reference captured elsewhere to differentiate, nor a graph whose nodes could be called by hand;
3. the entry points (``torch.autograd.grad``/``backward``, ``Tensor.backward``,
   ``torch.autograd.functional``, ``torch.func``, forward-mode dual levels, the engine's class
   under both of its names and its instance) and the switches that would let a graph be recorded
   despite the hooks (pushing other hooks on top, popping the guard's, ``_saved_tensors_hooks_
   set_tracing``, ``_saved_tensors_hooks_disable``) are replaced, for the whole call, by functions
   that raise a teaching message. The student's module is imported inside the guard, so a
   reference it captures at import is already the replacement;
4. threads the student starts with ``threading`` or ``_thread`` run inside the same guard (grad
   mode and the saved-tensor hooks are per thread);
5. in the child (``enforce``), an audit hook refuses ``ctypes`` (a thread started from C has no
   saved-tensor hooks of its own, and ctypes can rewrite memory) and the garbage collector's
   object lists (``gc.get_objects`` and friends find the originals the guard holds);
6. the guard checks itself (``Guard.problems``) when the call is over: grad mode still off, the
   saved-tensor hooks still on top, enabled and not bypassed for tracing, every replacement still
   in place. The child fails the call if anything was undone.

What gets through is still graded on values, and the trusted side's static scan of the
submission flags the names that lead there for a reviewer. The honest limit: everything here is
Python in the student's own process. Code that reaches the guard's own objects without the
collector (through frames or closures) can find the originals it holds and undo the guard, then
put it back before the call ends, and the self-check sees nothing; the engine's class stays
reachable through ``object.__subclasses__()`` (with no recorded graph it has nothing to
differentiate, unless the hooks were undone that way); a compiled extension is beyond it. Only a
guard in C (or autograd left out of the child's torch) would stop those.
This module runs on the untrusted side and imports nothing of the grader.
"""

from __future__ import annotations

import contextlib
import importlib
import sys

MESSAGE = (
    "autograd is switched off in this exercise: it asks for the gradients by hand, with the chain "
    "rule ({what} was called). Compute each gradient from the forward pass's intermediate "
    "values with tensor operations (@, *, .T, .sum)."
)

# (module, attribute) pairs replaced while the guard is on. A missing module or attribute (an
# older or newer torch) is skipped: the saved-tensor hooks still refuse to record a graph.
# tests/sandbox/test_guard.py checks that no loaded module holds one of these objects under a
# name missing here.
ENTRY_POINTS = [
    ("torch.autograd", "grad"),
    ("torch.autograd", "backward"),
    ("torch.autograd.functional", "jacobian"),
    ("torch.autograd.functional", "hessian"),
    ("torch.autograd.functional", "vjp"),
    ("torch.autograd.functional", "jvp"),
    ("torch.autograd.functional", "hvp"),
    ("torch.autograd.functional", "vhp"),
    *[("torch.func", name) for name in
      ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize")],
    *[("torch._functorch.eager_transforms", name) for name in
      ("grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "linearize")],
    ("torch._functorch.apis", "grad"),
    ("torch._functorch.apis", "grad_and_value"),
    ("torch.autograd.forward_ad", "enter_dual_level"),
    ("torch.autograd.forward_ad", "make_dual"),
    ("torch._C", "_enter_dual_level"),
    ("torch._C", "_ImperativeEngine"),
    ("torch.autograd.variable", "ImperativeEngine"),
    ("torch._functorch.predispatch", "_enter_dual_level_impl"),
    ("torch._C._autograd", "_push_saved_tensors_default_hooks"),
    ("torch._C._autograd", "_pop_saved_tensors_default_hooks"),
    ("torch.autograd", "_push_saved_tensors_default_hooks"),
    ("torch.autograd", "_pop_saved_tensors_default_hooks"),
    ("torch._C._autograd", "_saved_tensors_hooks_set_tracing"),
    ("torch._C._autograd", "_saved_tensors_hooks_disable"),
    ("torch._C._autograd", "_saved_tensors_hooks_enable"),
]

# Audit events refused in a guarded child (``enforce``): ctypes (foreign threads, raw memory)
# and the collector's views of every object (the originals the guard keeps).
REFUSED_EVENT_PREFIXES = ("ctypes.",)
REFUSED_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})

MISSING = object()


class AutogradForbidden(RuntimeError):
    """Raised when the student's code reaches for autograd in a by-hand exercise."""


def refuse(what: str):
    def refused(*args, **kwargs):
        raise AutogradForbidden(MESSAGE.format(what=what))

    refused.__name__ = what.rsplit(".", 1)[-1]
    return refused


class RefusingEngine:
    """Stands in for autograd's engine object: any use of it raises."""

    def __getattr__(self, name):
        raise AutogradForbidden(MESSAGE.format(what=f"the autograd engine's {name}"))


def _refuse_saving(tensor):
    raise AutogradForbidden(MESSAGE.format(what="an operation recording a graph under enable_grad"))


class Guard:
    """The guard's state in this process: what it replaced, and autograd's own switches.

    Everything the guard needs later (autograd's functions for the hook stack and its flags,
    the replacements) is captured when it is built, before any student code runs.
    """

    def __init__(self):
        import torch

        hooks = torch._C._autograd
        self._push = hooks._push_saved_tensors_default_hooks
        self._pop = hooks._pop_saved_tensors_default_hooks
        self._top = hooks._top_saved_tensors_default_hooks
        self._hooks_enabled = hooks._saved_tensors_hooks_is_enabled
        self._set_tracing = hooks._saved_tensors_hooks_set_tracing
        self._grad_enabled = torch._C.is_grad_enabled
        self._set_grad_enabled = torch._C._set_grad_enabled
        self.patches = tuple(replacements(self.refused_graph))
        self._saved = tuple((owner, attribute, vars(owner).get(attribute, MISSING))
                            for owner, attribute, _ in self.patches)
        self._grad_before = None

    @contextlib.contextmanager
    def refused_graph(self):
        """This thread: grad mode off, and any attempt to record a graph raises.

        Uses autograd's own functions for the saved-tensor hook stack, taken before the guard
        replaced them (a student must not be able to pop the guard's hooks).
        """
        before = self._grad_enabled()
        self._set_grad_enabled(False)
        self._push(_refuse_saving, _refuse_saving)
        try:
            yield
        finally:
            self._pop()
            self._set_grad_enabled(before)

    def install(self) -> None:
        """This thread under the guard, and every replacement in place."""
        self._grad_before = self._grad_enabled()
        self._set_grad_enabled(False)
        self._push(_refuse_saving, _refuse_saving)
        for owner, attribute, replacement in self.patches:
            setattr(owner, attribute, replacement)

    def restore(self) -> None:
        """Undo ``install`` (tests; a child never restores: it exits under the guard)."""
        for owner, attribute, original in reversed(self._saved):
            if original is MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, original)
        self._pop()
        self._set_grad_enabled(bool(self._grad_before))

    def problems(self) -> list[str]:
        """What of the guard was undone in this thread; empty when all of it holds.

        Checks grad mode, the top of the saved-tensor hook stack (the guard's own hooks), that
        the hooks are enabled and not bypassed for tracing (reading that flag sets it back off),
        and that every replaced entry point still holds its replacement.
        """
        found = []
        if self._grad_enabled():
            found.append("grad mode was switched back on")
        top = self._top(True)
        if not (type(top) is tuple and len(top) == 2 and top[0] is _refuse_saving and top[1] is _refuse_saving):
            found.append("other saved-tensor hooks were pushed over the guard's")
        if not self._hooks_enabled():
            found.append("the saved-tensor hooks were disabled")
        if self._set_tracing(False):
            found.append("the saved-tensor hooks were bypassed for tracing")
        for owner, attribute, replacement in self.patches:
            if vars(owner).get(attribute, MISSING) is not replacement:
                found.append(f"{getattr(owner, '__name__', 'torch')}.{attribute} was put back")
        return found


def replacements(refused_graph) -> list[tuple[object, str, object]]:
    """(owner, attribute, replacement) for every entry point this torch has."""
    import torch

    found = []
    for module_name, attribute in ENTRY_POINTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, attribute):
            found.append((module, attribute, refuse(f"{module_name}.{attribute}")))
    found.append((torch.Tensor, "backward", refuse("Tensor.backward")))
    variable = importlib.import_module("torch.autograd.variable").Variable
    found.append((variable, "_execution_engine", RefusingEngine()))
    found.extend(thread_starters(refused_graph))
    return found


def thread_starters(refused_graph) -> list[tuple[object, str, object]]:
    """Thread-start functions wrapped so that every new thread runs inside ``refused_graph``."""
    import _thread
    import threading

    def guarded(start):
        def start_guarded(function, *args, **kwargs):
            def run(*inner_args, **inner_kwargs):
                with refused_graph():
                    return function(*inner_args, **inner_kwargs)

            return start(run, *args, **kwargs)

        return start_guarded

    found = []
    for owner, attribute in ((_thread, "start_new_thread"), (_thread, "start_joinable_thread"),
                             (threading, "_start_new_thread"), (threading, "_start_joinable_thread")):
        original = getattr(owner, attribute, None)
        if original is not None:
            found.append((owner, attribute, guarded(original)))
    return found


@contextlib.contextmanager
def no_autograd():
    """Everything the guard does but the audit hook, undone on exit (for tests in-process)."""
    guard = Guard()
    guard.install()
    try:
        yield guard
    finally:
        guard.restore()


def enforce(forbidden) -> Guard | None:
    """In the child: the guards ``forbidden`` asks for (only ``autograd`` exists), never lifted.

    Returns the guard (whose ``problems`` the child checks after the call), or None.
    """
    if "autograd" not in forbidden:
        return None
    guard = Guard()
    guard.install()
    refuse_reaching_around()
    return guard


def refuse_reaching_around() -> bool:
    """An audit hook refusing ctypes and the collector's object lists (permanent: audit hooks
    cannot be removed). Its state lives in default arguments, which cannot be reassigned
    without an audit event of its own."""

    def hook(event, args, _prefixes=REFUSED_EVENT_PREFIXES, _events=REFUSED_EVENTS,
             _error=AutogradForbidden, _message=MESSAGE):
        if event in _events or event.startswith(_prefixes):
            raise _error(_message.format(what=event))

    try:
        sys.addaudithook(hook)
    except (AttributeError, RuntimeError):
        return False
    return True


def preload() -> None:
    """Import the modules the guard patches, so a forked child finds them loaded (the zygote)."""
    for module_name in dict.fromkeys(module for module, _ in ENTRY_POINTS):
        try:
            importlib.import_module(module_name)
        except ImportError:
            pass


def applied(forbidden) -> contextlib.AbstractContextManager:
    """The guards an exercise's ``forbidden`` list asks for, lifted on exit (tests in-process)."""
    return no_autograd() if "autograd" in forbidden else contextlib.nullcontext()
