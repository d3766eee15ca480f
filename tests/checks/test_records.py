"""grader.checks.records: parsing untrusted training records and verifying them against autograd.

Pure, in-process tests (no sandbox): genuine SGD runs verify step by step; accumulated, frozen,
foreign, truncated or forged runs verify only what they really did; malformed structures raise
RecordsInvalid and nothing else.
"""

from __future__ import annotations

import copy
import random

import pytest
import torch

from grader.checks.records import (
    RecordsInvalid,
    describe,
    follows,
    parse_training,
    verify_sgd,
)

SHAPES = {"weight": (1, 1), "bias": (1,)}
EPOCHS = 6
LR = 0.2


def data(dtype=torch.float32):
    g = torch.Generator().manual_seed(3)
    x = torch.randn(10, 1, generator=g, dtype=torch.float64).to(dtype)
    y = (2 * x.double() - 0.5 + 0.1 * torch.randn(10, 1, generator=g, dtype=torch.float64)).to(dtype)
    sent = {"weight": torch.tensor([[0.3]], dtype=dtype), "bias": torch.tensor([-0.2], dtype=dtype)}
    return x, y, sent


def reference(x, y):
    def at(values, dtype):
        w = values["weight"].detach().to(dtype).requires_grad_()
        b = values["bias"].detach().to(dtype).requires_grad_()
        loss = torch.nn.functional.mse_loss(x.to(dtype) @ w.T + b, y.to(dtype))
        gw, gb = torch.autograd.grad(loss, (w, b))
        return loss.detach(), {"weight": gw, "bias": gb}
    return at


def run(dtype=torch.float32, zero=True, lr=LR, epochs=EPOCHS, momentum=0.0):
    """A real torch training run recorded the way a harness records it: the raw plain data."""
    x, y, sent = data(dtype)
    model = torch.nn.Linear(1, 1, dtype=dtype)
    with torch.no_grad():
        model.weight.copy_(sent["weight"])
        model.bias.copy_(sent["bias"])
    names = {id(p): n for n, p in model.named_parameters()}
    records = []
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: records.append([
        {"name": names.get(id(p)), "value": p.detach().clone(),
         "grad": None if p.grad is None else p.grad.detach().clone(), "lr": float(group["lr"])}
        for group in opt.param_groups for p in group["params"]]))
    losses = []
    for _ in range(epochs):
        if zero:
            optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    final = {n: p.detach().clone() for n, p in model.named_parameters()}
    return {"records": records, "steps": len(records), "losses": losses, "final": final}, (x, y, sent)


def verify(raw, case, lr=LR, epochs=EPOCHS):
    x, y, sent = case
    training = parse_training(raw, SHAPES, epochs + 4, epochs + 4)
    return verify_sgd(training, sent, lr, epochs, reference(x, y), x.dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_genuine_run_verifies_every_step(dtype):
    raw, case = run(dtype)
    result = verify(raw, case)
    assert result.verified_steps == EPOCHS and result.complete
    assert describe(result, list(SHAPES)) is None


def test_missing_zero_grad_verifies_the_first_step_only():
    raw, case = run(zero=False)
    result = verify(raw, case)
    assert result.verified_steps == 1 and not result.complete
    second = result.steps[1]
    assert second.reached and second.applied and second.loss_ok and not second.gradient_ok
    assert describe(result, list(SHAPES)).startswith("step 2 of 6: the gradient of weight is off")


def test_momentum_breaks_the_chain_after_the_first_step():
    raw, case = run(momentum=0.9)
    result = verify(raw, case)
    assert result.verified_steps == 1
    assert not result.steps[1].applied and not result.steps[2].reached


def test_a_step_at_another_lr_is_not_verified():
    raw, case = run(lr=LR / 2)
    result = verify(raw, case)
    assert all(s.gradient_ok and s.applied for s in result.steps)
    assert result.verified_steps == 0 and not result.lr_unchanged and not result.complete
    assert describe(result, list(SHAPES)).startswith("step 1 of 6: the optimizer's learning rate is not the lr=0.2")


def test_the_steps_before_an_lr_change_verify_and_none_after():
    raw, case = run()
    for record in raw["records"][3:]:
        record[1]["lr"] = LR * 1.01  # the bias's param group only
    result = verify(raw, case)
    assert [s.verified for s in result.steps] == [True] * 3 + [False] * 3
    assert not result.steps[4].reached  # reached through a step at another lr


def test_a_state_where_the_float32_reference_overflows_cannot_be_verified():
    """Zero gradients at ~3e38, where the float32 loss and gradients are inf: nothing verifies,
    whatever the gradients and losses recorded there."""
    x, y, _ = data()
    far = {"weight": torch.tensor([[3e38]]), "bias": torch.tensor([-3e38])}
    zero = {name: torch.zeros_like(value) for name, value in far.items()}
    record = [{"name": name, "value": far[name], "grad": zero[name], "lr": LR} for name in SHAPES]
    raw = {"records": [record] * EPOCHS, "steps": EPOCHS, "losses": [0.0] * EPOCHS, "final": far}
    result = verify(raw, (x, y, far))
    assert result.steps[0].reached and result.steps[0].applied and result.steps[0].lr_ok
    assert result.verified_steps == 0 and not any(s.finite for s in result.steps)
    assert "so large that the loss overflows" in describe(result, list(SHAPES))


def test_no_records_verify_nothing():
    raw, case = run()
    raw.update(records=[], steps=0)
    result = verify(raw, case)
    assert result.verified_steps == 0
    assert describe(result, list(SHAPES)).startswith("no optimizer step was recorded")


def test_a_made_up_loss_fails_its_step():
    raw, case = run()
    raw["losses"][3] *= 0.5
    result = verify(raw, case)
    assert result.verified_steps == EPOCHS - 1 and not result.steps[3].loss_ok
    assert describe(result, list(SHAPES)).startswith("step 4 of 6: the loss returned for this epoch is off")


def test_parameters_changed_behind_the_optimizer_break_the_chain():
    raw, case = run()
    raw["records"][3][0]["value"] = raw["records"][3][0]["value"] + 1e-3
    result = verify(raw, case)
    assert [s.verified for s in result.steps] == [True, True, False, False, False, False]
    assert not result.steps[2].applied and not result.steps[3].reached


def test_final_parameters_must_follow_the_last_step():
    raw, case = run()
    raw["final"]["bias"] = raw["final"]["bias"] + 1e-4
    assert verify(raw, case).verified_steps == EPOCHS - 1


def test_records_cut_short_leave_the_last_kept_step_unverified():
    raw, case = run(epochs=EPOCHS + 2)
    raw["records"] = raw["records"][:EPOCHS]
    result = verify(raw, case)
    assert result.verified_steps == EPOCHS - 1 and result.step_count == EPOCHS + 2
    assert not result.steps[-1].applied


def test_more_steps_than_epochs_are_not_complete():
    raw, case = run(epochs=EPOCHS + 1)
    result = verify(raw, case)
    assert result.verified_steps == EPOCHS and not result.complete
    assert "took 7 optimizer steps for epochs=6" in describe(result, list(SHAPES))


def test_a_foreign_tensor_in_the_optimizer_verifies_nothing():
    raw, case = run()
    for record in raw["records"]:
        record[0] = dict(record[0], name=None)
    result = verify(raw, case)
    assert result.verified_steps == 0
    assert "did not hold exactly the model's parameters" in describe(result, list(SHAPES))


def test_a_diverged_state_is_not_verified_and_says_so():
    raw, case = run()
    raw["records"][0][0]["value"] = torch.tensor([[float("inf")]])
    result = verify(raw, case)
    assert result.verified_steps == 0 and not result.steps[0].finite


def test_a_grad_of_none_means_no_update():
    previous = torch.tensor([1.5])
    assert follows(previous, None, LR, previous.clone())
    assert not follows(previous, None, LR, previous + 1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_follows_accepts_sgds_own_update_and_little_else(dtype):
    g = torch.Generator().manual_seed(0)
    p = torch.randn(50, generator=g).to(dtype)
    grad = torch.randn(50, generator=g).to(dtype)
    lr = 0.0371
    p1 = p.clone().add_(grad, alpha=-lr)
    assert follows(p, grad, lr, p1)
    assert not follows(p, grad, lr, p1 + 20 * torch.finfo(dtype).eps * p1.abs().max())
    assert not follows(p, grad, 2 * lr, p1)
    assert not follows(p, grad, float("nan"), p1)


@pytest.mark.parametrize("mutate", [
    lambda r: "records",
    lambda r: {**r, "extra": 1},
    lambda r: {**r, "records": {"0": r["records"][0]}},
    lambda r: {**r, "steps": 2.0},
    lambda r: {**r, "steps": 1},
    lambda r: {**r, "losses": [1] * EPOCHS},
    lambda r: {**r, "losses": "1,2,3"},
    lambda r: {**r, "final": {"weight": r["final"]["weight"]}},
    lambda r: {**r, "final": {**r["final"], "bias": torch.zeros(2)}},
    lambda r: {**r, "final": {**r["final"], "bias": [0.0]}},
    lambda r: {**r, "records": [[{**r["records"][0][0], "name": "gamma"}]]},
    lambda r: {**r, "records": [[r["records"][0][0], r["records"][0][0]]]},
    lambda r: {**r, "records": [[{**r["records"][0][0], "lr": "0.1"}]]},
    lambda r: {**r, "records": [[{**r["records"][0][0], "grad": torch.zeros(3)}]]},
    lambda r: {**r, "records": [[{**r["records"][0][0], "value": torch.zeros(1, 1, dtype=torch.int64)}]]},
    lambda r: {**r, "records": [[{"value": r["records"][0][0]["value"]}]]},
    lambda r: {**r, "records": [[]] * 100},
    lambda r: {**r, "records": [[r["records"][0][0]] * 100]},
])
def test_forged_structures_raise_records_invalid(mutate):
    raw, _ = run()
    with pytest.raises(RecordsInvalid):
        parse_training(mutate(raw), SHAPES, EPOCHS + 4, EPOCHS + 4)


JUNK = [None, True, 0, -1, 2**70, 1.5, float("nan"), "x", b"x", [], {}, [1.0], {"a": 1},
        torch.zeros(0), torch.zeros(1, 1, dtype=torch.float16), torch.full((1,), float("nan")),
        torch.ones(1, dtype=torch.int32)]


def leaves(value, path=()):
    """Every path to a value inside nested lists and dicts."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))


def test_random_forgeries_never_raise_anything_but_records_invalid():
    rng = random.Random(8)
    raw, case = run()
    paths = list(leaves(raw))[1:]
    for _ in range(400):
        forged = copy.deepcopy(raw)
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            target = forged
            try:
                for key in path[:-1]:
                    target = target[key]
                if isinstance(target, (dict, list)):
                    target[path[-1]] = rng.choice(JUNK)
            except (KeyError, IndexError, TypeError):
                continue
        try:
            result = verify(forged, case)
        except RecordsInvalid:
            continue
        assert result.verified_steps <= EPOCHS
        describe(result, list(SHAPES))
