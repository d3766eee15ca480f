"""The after-call checks, each scenario in a forked child set up as a grading child is.

``integrity.check`` changes the process for good (it stops the collector, restores handlers,
adds audit hooks that can never be removed), so every scenario runs in a child of its own that
sends back what the check found and what it could observe afterwards.
"""

from __future__ import annotations

import json
import os
import threading
import time

import pytest
import torch

from grader.sandbox import child, describe, guard, integrity
from tests.helpers import in_a_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def in_child(scenario, guarded: bool = False) -> dict:
    """Run ``scenario()`` between ``arm`` and ``check`` in a forked child; its findings."""
    def body():
        torch.set_num_threads(1)
        active = guard.enforce(["autograd"] if guarded else [])
        baseline = integrity.arm(child.AFTER_CALL_MODULES, () if active is None else (active, type(active)))
        value, raised = None, None
        try:
            value = scenario()
        except BaseException as exc:  # noqa: BLE001
            raised = f"{type(exc).__name__}: {exc}"
        problems = integrity.check(baseline, active, value)
        after = {"json.dumps": json.dumps.__module__, "mode stack": torch._C._len_torch_function_stack()}
        return {"problems": problems, "raised": raised, "after": after}

    return in_a_child(body)


def said(found: dict) -> str:
    return " | ".join(message for _, message in found["problems"])


def clean():
    return {"W1": torch.zeros(2, 3)}


def joined_thread():
    worker = threading.Thread(target=lambda: torch.ones(3).sum())
    worker.start()
    worker.join()
    return clean()


def ordinary_warning_and_numpy():
    import warnings

    import numpy

    warnings.warn("ordinary")
    return {"W1": torch.from_numpy(numpy.ones(3, dtype=numpy.float32)).clone()}


@pytest.mark.parametrize("scenario", [clean, joined_thread, ordinary_warning_and_numpy], ids=lambda f: f.__name__)
@pytest.mark.parametrize("guarded", [False, True], ids=["no-guard", "guard"])
def test_benign_calls_leave_nothing(scenario, guarded):
    found = in_child(scenario, guarded)
    assert found["problems"] == [] and found["raised"] is None, found


def function_mode():
    from torch.overrides import TorchFunctionMode

    TorchFunctionMode().__enter__()


def dispatch_mode():
    from torch.utils._python_dispatch import TorchDispatchMode

    TorchDispatchMode().__enter__()


def interval_timer():
    import signal

    signal.signal(signal.SIGALRM, lambda *_: None)
    signal.setitimer(signal.ITIMER_REAL, 30)


def collector_callback():
    import gc

    gc.callbacks.append(lambda phase, info: None)


def running_thread():
    threading.Thread(target=time.sleep, args=(2,), daemon=True).start()


def patched_json():
    json.dumps = lambda *a, **k: "forged"


def patched_builtin():
    import builtins

    builtins.len = lambda x: 0


def added_tensor_method():
    torch.Tensor.detach = lambda self: self


def tensor_with_an_attribute():
    value = torch.zeros(3)
    value.detach = lambda: torch.ones(3)
    return {"W1": value}


def python_kernel():
    library = torch.library.Library("aten", "IMPL")
    library.impl("detach", lambda x: torch.ops.aten.alias.default(x), "CPU")
    python_kernel.keep = library


@pytest.mark.parametrize("scenario, fragment", [
    (function_mode, "TorchFunctionMode"),
    (dispatch_mode, "TorchDispatchMode"),
    (interval_timer, "interval timer"),
    (collector_callback, "garbage collector callback"),
    (running_thread, "1 other thread running"),
    (patched_json, "changed json.dumps"),
    (patched_builtin, "changed builtins.len"),
    (added_tensor_method, "changed Tensor.detach"),
    (tensor_with_an_attribute, "attributes set on a returned tensor"),
    (python_kernel, "kernel registered for aten::detach"),
], ids=lambda v: v.__name__ if callable(v) else "")
def test_what_is_left_fails_the_call_and_is_undone(scenario, fragment):
    found = in_child(scenario)
    assert fragment in said(found), found
    assert found["after"] == {"json.dumps": "json", "mode stack": 0}


@pytest.mark.parametrize("attempt, refused", [
    (lambda: __import__("sys").settrace(lambda *a: None), "sys.settrace"),
    (lambda: __import__("sys").setprofile(lambda *a: None), "sys.setprofile"),
    (lambda: setattr(integrity.check, "__code__", (lambda *a, **k: []).__code__), "__code__"),
    (lambda: setattr(integrity.check, "__defaults__", (None, None)), "__defaults__"),
])
def test_tracing_and_rewriting_functions_are_refused_during_the_call(attempt, refused):
    found = in_child(attempt)
    assert found["raised"] is not None and refused in found["raised"], found


def rebinding_kwdefaults():
    def bound(*, _len=len):
        return _len

    bound.__kwdefaults__ = {"_len": lambda _: 0}


@pytest.mark.parametrize("attempt", [
    lambda: setattr(integrity.check, "__defaults__", None),  # clearing is replacing too
    rebinding_kwdefaults,
], ids=["defaults cleared", "kwdefaults rebound"])
def test_defaults_a_function_has_cannot_be_replaced(attempt):
    found = in_child(attempt)
    assert found["raised"] is not None and "cannot be replaced" in found["raised"], found


def test_a_function_without_defaults_may_be_given_some():
    """What ``collections.namedtuple`` does, and so every lazy torch import that defines one
    (the first ``backward(tensor)`` in a process imports such a module): a function created
    without defaults gets them once. Nothing already bound is displaced."""
    def define_a_namedtuple():
        import collections

        point = collections.namedtuple("Point", "x y", defaults=(0,))
        assert point(1) == (1, 0)

    assert in_child(define_a_namedtuple)["raised"] is None


def copying_absent_defaults():
    """What pyparsing's deprecation wrappers do at import (so ``import matplotlib.pyplot``):
    copy a function's defaults onto its wrapper, None included. CPython audits assigning None as
    a deletion."""
    def original(a, b=1):
        return a + b

    def wrapper(*args, **kwargs):
        return original(*args, **kwargs)

    wrapper.__kwdefaults__ = original.__kwdefaults__  # None
    wrapper.__defaults__ = None
    del wrapper.__kwdefaults__
    assert wrapper(1) == 2


def test_a_function_without_defaults_may_be_told_it_has_none():
    assert in_child(copying_absent_defaults)["raised"] is None


def clearing_kwdefaults():
    def bound(*, _len=len):
        return _len

    bound.__kwdefaults__ = None


def deleting_defaults():
    del integrity.check.__defaults__


@pytest.mark.parametrize("attempt", [clearing_kwdefaults, deleting_defaults],
                         ids=["kwdefaults set to None", "defaults deleted"])
def test_defaults_a_function_has_cannot_be_cleared_by_any_spelling(attempt):
    found = in_child(attempt)
    assert found["raised"] is not None and "cannot be replaced" in found["raised"], found


def test_a_new_audit_hook_is_silently_not_added():
    def add_hook():
        import sys

        sys.addaudithook(lambda event, args: (_ for _ in ()).throw(SystemExit(3)))
        open(os.devnull).close()  # an audited event: the hook would end the process
        return clean()

    assert in_child(add_hook) == {"problems": [], "raised": None, "after": {"json.dumps": "json", "mode stack": 0}}


def test_the_guarded_child_refuses_ctypes_and_the_collectors_object_lists():
    def reach_around():
        import ctypes
        import gc

        found = []
        for attempt in (lambda: ctypes.CDLL(None), lambda: gc.get_objects(), lambda: ctypes.string_at(id(1), 8)):
            try:
                attempt()
            except guard.AutogradForbidden:
                found.append("refused")
        assert found == ["refused"] * 3, found

    assert in_child(reach_around, guarded=True)["raised"] is None


def test_the_guard_checks_itself_in_the_child():
    def undo():
        torch._C._set_grad_enabled(True)  # not one of the entry points the guard replaces

    found = in_child(undo, guarded=True)
    assert [kind for kind, _ in found["problems"]] == ["AutogradForbidden"], found
    assert "grad mode was switched back on" in said(found)


def test_an_unsendable_object_is_named_without_its_metaclass():
    class Meta(type):
        @property
        def __module__(cls):
            raise AssertionError("student code ran")

    class Odd(metaclass=Meta):
        pass

    assert integrity.unsendable({"records": [{"value": torch.zeros(2), "lr": 0.1}], "steps": 3}) is None
    assert integrity.unsendable({"records": [{"odd": Odd()}]}) is Odd
    assert integrity.unsendable({1: "non-string key"}) is int
    assert describe.describe_unsendable(Odd)["message"] == "cannot send a value of type Odd"


def python_dispatcher_left_on():
    python_dispatcher_left_on.keep = torch._C._EnablePythonDispatcher()  # ops then consult Python kernels


def test_a_dispatch_state_left_changed_fails_the_call():
    assert "dispatch keys changed" in said(in_child(python_dispatcher_left_on))
