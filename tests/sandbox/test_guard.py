"""The no-autograd guard, applied in-process: every route to autograd raises its teaching message,
honest by-hand code runs, and leaving the guard restores torch exactly."""

from __future__ import annotations

import threading

import pytest
import torch

from grader.sandbox import guard

X = torch.randn(4, 3, dtype=torch.float64)


def leaf():
    return X.clone().requires_grad_()


def via_enable_grad():
    with torch.enable_grad():
        y = leaf()
        return torch.autograd.grad(torch.sigmoid(y).sum(), y)


def via_set_grad_enabled():
    with torch.set_grad_enabled(True):
        return torch.sigmoid(leaf()) @ X.T


def via_inference_mode_off():
    with torch.inference_mode(False), torch.enable_grad():
        return torch.exp(leaf())


def via_engine():
    from torch.autograd.variable import Variable

    return Variable._execution_engine.run_backward


def via_new_engine():
    return torch._C._ImperativeEngine()


def via_func():
    return torch.func.grad(lambda v: torch.sigmoid(v).sum())(X)


def via_functional():
    return torch.autograd.functional.jacobian(torch.sigmoid, X)


def via_forward_mode():
    import torch.autograd.forward_ad as fwad

    with fwad.dual_level():
        return fwad.unpack_dual(torch.sigmoid(fwad.make_dual(X, torch.ones_like(X)))).tangent


def via_popping_the_hooks():
    torch._C._autograd._pop_saved_tensors_default_hooks()


def via_tensor_backward():
    X.sum().backward()


def via_a_thread():
    caught = []

    def run():
        try:
            with torch.enable_grad():
                torch.sigmoid(leaf())
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    raise caught[0]


def via_the_engine_class_under_its_other_name():
    import sys

    return getattr(sys.modules["torch.autograd." + "variable"], "Imperative" + "Engine")()


def via_tracing_flag():
    torch._C._autograd._saved_tensors_hooks_set_tracing(True)


def via_disabling_the_hooks():
    torch._C._autograd._saved_tensors_hooks_disable("off", False)


def via_hooks_pushed_on_top():
    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        pass


ROUTES = [via_enable_grad, via_set_grad_enabled, via_inference_mode_off, via_engine, via_new_engine,
          via_func, via_functional, via_forward_mode, via_popping_the_hooks, via_tensor_backward,
          via_a_thread, via_the_engine_class_under_its_other_name, via_tracing_flag,
          via_disabling_the_hooks, via_hooks_pushed_on_top]


@pytest.mark.parametrize("route", ROUTES, ids=lambda f: f.__name__)
def test_every_route_to_autograd_raises_the_teaching_message(route):
    with guard.no_autograd():
        with pytest.raises(guard.AutogradForbidden, match="by hand"):
            route()


def test_honest_code_runs_under_the_guard():
    with guard.no_autograd():
        a = torch.sigmoid(X)
        grad = (a * (1 - a)).T @ X
    assert grad.shape == (3, 3)


def test_leaving_the_guard_restores_torch():
    before = (torch.autograd.grad, torch.Tensor.backward, torch.func.grad, torch._C._ImperativeEngine)
    with guard.no_autograd():
        pass
    assert (torch.autograd.grad, torch.Tensor.backward, torch.func.grad, torch._C._ImperativeEngine) == before
    assert torch.is_grad_enabled()
    y = leaf()
    torch.sigmoid(y).sum().backward()
    assert y.grad.shape == X.shape


def test_a_reference_captured_inside_the_guard_is_the_refusal():
    with guard.no_autograd():
        from torch.autograd import grad as captured  # what a student's import does

        with pytest.raises(guard.AutogradForbidden):
            captured(X.sum(), X)


def test_only_autograd_is_guarded():
    with guard.applied([]):
        y = leaf()
        torch.sigmoid(y).sum().backward()
    assert y.grad is not None


# ----------------------------------------------------------------------------- the guard checks itself
# Each undoes one piece of the guard with autograd's original functions, as code that found them
# behind the guard's back would (the collector, a frame), and says how to put it back after.
HOOKS = torch._C._autograd
ORIGINAL_SET_TRACING = HOOKS._saved_tensors_hooks_set_tracing
ORIGINAL_DISABLE = HOOKS._saved_tensors_hooks_disable
ORIGINAL_ENABLE = HOOKS._saved_tensors_hooks_enable
ORIGINAL_PUSH = HOOKS._push_saved_tensors_default_hooks
ORIGINAL_POP = HOOKS._pop_saved_tensors_default_hooks
ORIGINAL_GRAD = torch.autograd.grad

UNDOINGS = {
    "bypassed for tracing": (lambda: ORIGINAL_SET_TRACING(True), lambda: ORIGINAL_SET_TRACING(False)),
    "hooks were disabled": (lambda: ORIGINAL_DISABLE("off", False), ORIGINAL_ENABLE),
    "pushed over the guard's": (lambda: ORIGINAL_PUSH(lambda t: t, lambda t: t), ORIGINAL_POP),
    "grad mode was switched back on": (lambda: torch._C._set_grad_enabled(True),
                                       lambda: torch._C._set_grad_enabled(False)),
    "torch.autograd.grad was put back": (lambda: setattr(torch.autograd, "grad", ORIGINAL_GRAD), lambda: None),
}


def test_an_intact_guard_reports_nothing():
    with guard.no_autograd() as active:
        torch.sigmoid(X) @ X.T
        assert active.problems() == []


@pytest.mark.parametrize("found", UNDOINGS, ids=lambda text: text.replace(" ", "-"))
def test_the_guard_reports_what_was_undone(found):
    undo, redo = UNDOINGS[found]
    with guard.no_autograd() as active:
        undo()
        try:
            problems = active.problems()
        finally:
            redo()
    assert any(found in problem for problem in problems), problems
    assert not ORIGINAL_SET_TRACING(False)


def test_a_graph_recorded_with_the_tracing_flag_is_what_the_check_catches():
    """The flag is the whole bypass: with it, sigmoid records a graph under the guard."""
    with guard.no_autograd() as active:
        ORIGINAL_SET_TRACING(True)
        try:
            with torch.enable_grad():
                assert torch.sigmoid(leaf()).grad_fn is not None
        finally:
            assert any("tracing" in p for p in active.problems())  # reading the flag clears it
        with torch.enable_grad(), pytest.raises(guard.AutogradForbidden):
            torch.sigmoid(leaf())


def test_no_loaded_module_holds_a_guarded_object_under_another_name():
    """Every module-level name bound to an entry point the guard replaces is in ENTRY_POINTS, so
    the engine and the hook switches are reachable only through the guard's replacements."""
    import importlib
    import sys

    guard.preload()
    originals = {}
    for module_name, attribute in guard.ENTRY_POINTS:
        obj = getattr(importlib.import_module(module_name), attribute, None)
        if obj is not None:
            originals[id(obj)] = (obj, f"{module_name}.{attribute}")
    listed = set(guard.ENTRY_POINTS)
    strays = []
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("torch") or module is None:
            continue
        try:
            items = list(vars(module).items())
        except TypeError:
            continue
        for name, value in items:
            hit = originals.get(id(value))
            if hit is not None and hit[0] is value and (module_name, name) not in listed:
                strays.append(f"{module_name}.{name} is {hit[1]}")
    assert strays == []
