"""The no-autograd guard for exercises that ask for gradients by hand.

Applied in the sandboxed child around the import of the student's module and the harness call,
when the exercise's metadata forbids ``autograd``. No single measure holds on its own, so four
are combined:

1. grad mode is off (``torch.no_grad()``) and the harness hands over inputs without
   ``requires_grad``;
2. saved-tensor hooks refuse to record a graph: under ``torch.enable_grad()`` any operation that
   saves a tensor for backward (sigmoid, matmul, exp, ...) raises, so there is nothing for a
   reference captured elsewhere to differentiate;
3. the entry points (``torch.autograd.grad``/``backward``, ``Tensor.backward``,
   ``torch.autograd.functional``, ``torch.func``, forward-mode dual levels, the engine's
   ``run_backward``) are replaced, for the whole call, by functions that raise a teaching
   message. The student's module is imported inside the guard, so a reference it captures at
   import is already the replacement;
4. threads the student starts run inside the same guard (grad mode and the saved-tensor hooks
   are per thread).

What gets through is still graded on values, and the trusted side's static scan of the
submission flags the names that lead there for a reviewer. One known way through: everything
here is Python, so code that digs through the garbage collector (``gc.get_objects``) can find the
originals the guard holds, pop its hooks and use autograd. The scan flags ``gc``, ``ctypes`` and
frame or closure introspection for that reason; a wall against it would need the guard in C.
This module runs on the untrusted side and imports nothing of the grader.
"""

from __future__ import annotations

import contextlib
import functools
import importlib

MESSAGE = (
    "autograd is switched off in this exercise: it asks for the gradients by hand, with the chain "
    "rule ({what} was called). Compute each gradient from the forward pass's intermediate "
    "values with tensor operations (@, *, .T, .sum)."
)

# (module, attribute) pairs replaced while the guard is on. A missing module or attribute (an
# older or newer torch) is skipped: the saved-tensor hooks still refuse to record a graph.
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
    ("torch._C._autograd", "_pop_saved_tensors_default_hooks"),
]


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


@contextlib.contextmanager
def graph_refused(push, pop):
    """This thread: grad mode off, and any attempt to record a graph raises.

    ``push`` and ``pop`` are autograd's own functions for the saved-tensor hook stack, taken
    before the guard replaced ``pop`` (a student must not be able to pop the guard's hooks).
    """
    import torch

    with torch.no_grad():
        push(_refuse_saving, _refuse_saving)
        try:
            yield
        finally:
            pop()


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
    """Thread-start functions wrapped so that every new thread runs inside ``graph_refused``."""
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
    """Everything the guard does, undone on exit."""
    import torch

    hooks = torch._C._autograd

    refused_graph = functools.partial(graph_refused, hooks._push_saved_tensors_default_hooks,
                                      hooks._pop_saved_tensors_default_hooks)
    patches = replacements(refused_graph)
    saved = [(owner, attribute, vars(owner).get(attribute, MISSING)) for owner, attribute, _ in patches]
    with refused_graph():
        try:
            for owner, attribute, replacement in patches:
                setattr(owner, attribute, replacement)
            yield
        finally:
            for owner, attribute, original in reversed(saved):
                if original is MISSING:
                    delattr(owner, attribute)
                else:
                    setattr(owner, attribute, original)


def preload() -> None:
    """Import the modules the guard patches, so a forked child finds them loaded (the zygote)."""
    for module_name in dict.fromkeys(module for module, _ in ENTRY_POINTS):
        try:
            importlib.import_module(module_name)
        except ImportError:
            pass


def applied(forbidden) -> contextlib.AbstractContextManager:
    """The guards an exercise's ``forbidden`` list asks for (only ``autograd`` exists)."""
    return no_autograd() if "autograd" in forbidden else contextlib.nullcontext()
