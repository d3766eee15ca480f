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


ROUTES = [via_enable_grad, via_set_grad_enabled, via_inference_mode_off, via_engine, via_new_engine,
          via_func, via_functional, via_forward_mode, via_popping_the_hooks, via_tensor_backward,
          via_a_thread]


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
