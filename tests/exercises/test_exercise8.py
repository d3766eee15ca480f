"""exercise8 (train): the reference, the stub, every correct placement of zeroing, and a variant
for every hint the catalogue lists. Scores are integer points per verified step: a case of E
epochs is worth E points (one per verified step: the true gradient, at the lr given) plus E/4 for
a complete run (every step verified); the five cases add up to 100."""

from pathlib import Path

import pytest

from grader.report.model import HIDDEN_FAILURE

from ..conftest import REPO, SOLUTIONS

pytestmark = pytest.mark.sandbox
VARIANTS = Path(__file__).parent / "variants" / "exercise8"
CASES = {  # check name -> (epochs, points)
    "test_train_12_epochs": (12, 15),
    "test_train_20_epochs_32_samples": (20, 25),
    "test_train_float64": (16, 20),
    "test_train_one_sample": (16, 20),
    "test_train_large_learning_rate": (16, 20),
}


def failed(report):
    return [t for t in report.tests if t.status != "passed"]


def by_name(report):
    return {t.name: t for t in report.tests}


def test_cases_are_worth_a_point_per_step_and_a_quarter_more(course):
    assert course.resolve("exercise8").points == sum(points for _, points in CASES.values()) == 100
    assert all(points == epochs + epochs // 4 for epochs, points in CASES.values())


@pytest.mark.parametrize("seed", [None, 7, 123456])
def test_reference_scores_full_marks(grader8, seed):
    report = grader8.file(SOLUTIONS / "exercise8.py", seed=seed)
    assert (report.score, report.max_score) == (100, 100), [(t.name, t.message) for t in failed(report)]
    assert report.seed == (seed if seed is not None else 8008)
    assert set(by_name(report)) == set(CASES)
    assert all(t.hint is None for t in report.tests)


@pytest.mark.parametrize("name", ["zero_grad_first.py", "set_to_none_after_step.py", "model_zero_grad.py",
                                  "manual_grads_cleared.py"])
def test_every_correct_placement_of_zeroing_scores_full_marks(grader8, name):
    report = grader8.file(VARIANTS / name)
    assert report.score == 100, [(t.name, t.message) for t in failed(report)]


def test_stub_scores_low_not_zero_with_the_missing_zero_grad_hint(grader8):
    """The stub runs: its first step is right (.grad starts empty), every later one accumulates.
    So it earns 1 point per case (5 of 100), not 0, and every check names step 2."""
    report = grader8.file(REPO / "exercises" / "exercise8" / "train.py")
    assert report.score == 5
    for test in report.tests:
        assert test.status == "failed" and test.points == 1
        assert "sum of the gradients of steps 1-2" in test.hint and "optimizer.zero_grad()" in test.hint
        assert "At step 2" in test.hint
    public = by_name(report)["test_train_12_epochs"]
    assert public.message.startswith("step 2 of 12: the gradient of weight is off")
    assert "1 of 12 steps verified" in public.message
    assert public.details["verified_steps"] == 1 and public.details["epochs"] == 12


@pytest.mark.parametrize(
    "name, score, hint_words",
    [
        # recorded grad is zero/None at every step: nothing moves, nothing verifies
        ("zero_grad_between_backward_and_step.py", 0, "zero_grad() is called between loss.backward() and optimizer.step()"),
        # the gradient is N x the true one; at N = 1 sum and mean agree, so that case passes
        ("reduction_sum.py", 20, "the number of samples times the true one"),
        # every gradient is right but the lr is not the one given: a step at another lr is not verified
        ("smaller_lr.py", 0, "learning rate is not the lr train was given"),
    ],
)
def test_each_bug_gets_its_hint(grader8, name, score, hint_words):
    report = grader8.file(VARIANTS / name)
    assert report.score == score
    assert failed(report), "a buggy variant must fail something"
    for test in failed(report):
        assert test.hint and hint_words in test.hint, (test.name, test.hint)


def test_hints_name_the_step(grader8):
    zeroed = grader8.file(VARIANTS / "zero_grad_between_backward_and_step.py")
    assert all(t.hint.startswith("At step 1 the gradient was zero") for t in zeroed.tests)
    assert by_name(zeroed)["test_train_12_epochs"].message == (
        "step 1 of 12: weight.grad was None when the optimizer stepped. 0 of 12 steps verified.")
    summed = by_name(grader8.file(VARIANTS / "reduction_sum.py"))
    assert summed["test_train_one_sample"].status == "passed"
    assert summed["test_train_12_epochs"].hint.startswith("At step 1 the gradient is the number of samples")


def test_lr_shrunk_on_top_of_the_stub_gets_both_hints(grader8):
    """Step 1's gradient is right but taken at lr/10: no step verifies, both mistakes are named."""
    report = grader8.file(VARIANTS / "stub_with_smaller_lr.py")
    assert report.score == 0
    for test in report.tests:
        assert "sum of the gradients of steps 1-2" in test.hint and "not a smaller learning rate" in test.hint


@pytest.mark.parametrize(
    "name, score, message_words, hint_words",
    [
        ("new_model.py", 0, "did not hold exactly the model's parameters", "don't create a new model"),
        ("momentum.py", 5, "step 2 of 12: the parameters after this step are not p - lr * p.grad", "no momentum"),
        ("one_epoch_short.py", 75, "only 11 optimizer steps were recorded for epochs=12",
         "exactly one optimizer step per epoch"),
    ],
)
def test_other_mistakes_say_what_and_where(grader8, name, score, message_words, hint_words):
    report = grader8.file(VARIANTS / name)
    assert report.score == score
    public = by_name(report)["test_train_12_epochs"]
    assert message_words in public.message
    assert all(hint_words in t.hint for t in failed(report))


def test_returning_no_losses_scores_zero_and_says_so(grader8):
    report = grader8.file(VARIANTS / "returns_none.py")
    assert report.score == 0
    public = by_name(report)["test_train_12_epochs"]
    assert "returned None, expected the list of per-epoch losses" in public.message
    assert "returned None" in public.hint


def test_hidden_checks_reveal_no_inputs(grader8):
    report = grader8.file(REPO / "exercises" / "exercise8" / "train.py")
    hidden = [t for t in report.tests if t.visibility == "hidden"]
    assert len(hidden) == 4
    for test in hidden:
        assert test.message == HIDDEN_FAILURE
        assert test.details == {} and test.output is None and test.staff is None
