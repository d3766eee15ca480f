"""Hostile exercise4 (two_loss_grads) submissions: two forward passes behind a forged call count.

The honest answer they build on runs the encoder once per loss (8 of 10: both gradients right,
"one forward pass" not). Each one tries to make the count say one call: by rewinding the
encoder's record, by swapping the harness's encoder or its mask for a deterministic one, by
patching torch's random numbers so that both calls draw the same mask, or by forging the whole
result. The gradients show through which call's h they were taken, so none may score more.
"""

from __future__ import annotations

import pytest

from tests.helpers import Grader, graded_no_better_than

pytestmark = pytest.mark.sandbox

TWICE = """
        import torch

        def two_loss_grads(w, x, encoder, loss1, loss2):
            loss1(encoder(w, x)).backward()
            g1 = w.grad.clone()
            w.grad = None
            loss2(encoder(w, x)).backward()
            return g1, w.grad.clone()
        """


@pytest.fixture(scope="module")
def grader4(course, tmp_path_factory):
    grader = Grader(course, "exercise4", tmp_path_factory.mktemp("ex4"))
    yield grader
    grader.close()


ATTACKS = {
    "count-rewound-in-the-closure": """
        import torch

        def rewind(encoder):
            for cell in encoder.__closure__ or ():
                if isinstance(cell.cell_contents, list):
                    cell.cell_contents.clear()

        def two_loss_grads(w, x, encoder, loss1, loss2):
            loss1(encoder(w, x)).backward()
            g1 = w.grad.clone()
            w.grad = None
            rewind(encoder)
            loss2(encoder(w, x)).backward()
            return g1, w.grad.clone()
        """,
    "deterministic-encoder-swapped-in": """
        import sys
        harness = sys.modules["grader_harness_exercise4"]
        original = harness.encode

        def make_encoder(seed, calls, *rest):
            calls.append(1)
            return lambda w, x: original(w, x, seed, 1)

        harness.make_encoder = make_encoder
        harness.encode = lambda w, x, seed, call, *rest: original(w, x, seed, 1)
        """ + TWICE,
    "same-mask-from-patched-random-numbers": """
        import torch

        original_rand = torch.rand
        original_generator = torch.Generator

        class Rewound:
            def manual_seed(self, seed):
                return original_generator().manual_seed(seed - (seed - 1) % 1009)

        def rand(*args, generator=None, **kwargs):
            return original_rand(*args, generator=generator, **kwargs)

        def rewind(encoder):
            for cell in encoder.__closure__ or ():
                if isinstance(cell.cell_contents, list):
                    cell.cell_contents.clear()

        def two_loss_grads(w, x, encoder, loss1, loss2):
            torch.Generator, torch.rand = Rewound, rand
            try:
                loss1(encoder(w, x)).backward()
                g1 = w.grad.clone()
                w.grad = None
                rewind(encoder)
                loss2(encoder(w, x)).backward()
                return g1, w.grad.clone()
            finally:
                torch.Generator, torch.rand = original_generator, original_rand
        """,
    "forged-result-claiming-one-call": """
        import sys, torch
        harness = sys.modules["grader_harness_exercise4"]

        def forged(student, w, x, seed, losses, *rest):
            return {"g1": torch.zeros_like(w), "g2": torch.zeros_like(w), "same_tensor": False,
                    "encoder_calls": 1}

        forged.grader_entry = True
        harness.two_loss_grads = forged
        """ + TWICE,
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_forged_call_count_scores_no_more_than_two_forward_passes(grader4, attack):
    report = graded_no_better_than(grader4, ATTACKS[attack], TWICE)
    assert all(t.status != "passed" for t in report.tests if "one_forward" in t.name)
