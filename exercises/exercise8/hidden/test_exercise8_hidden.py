"""exercise8, hidden checks: they ship only to the grader."""

import pytest
import torch


@pytest.mark.points(25)
def test_train_20_epochs_32_samples(student, support, rng, points):
    """20 epochs on 32 float32 samples"""
    case = support.draw(rng, n=32, epochs=20, dtype=torch.float32, lr_fraction=0.5)
    support.check(student, case, points)


@pytest.mark.points(20)
def test_train_float64(student, support, rng, points):
    """16 epochs on 12 float64 samples"""
    case = support.draw(rng, n=12, epochs=16, dtype=torch.float64, lr_fraction=0.35)
    support.check(student, case, points)


@pytest.mark.points(20)
def test_train_one_sample(student, support, rng, points):
    """16 epochs on a single float64 sample"""
    case = support.draw(rng, n=1, epochs=16, dtype=torch.float64, lr_fraction=0.15)
    support.check(student, case, points)


@pytest.mark.points(20)
def test_train_large_learning_rate(student, support, rng, points):
    """16 epochs, off-centre data and a learning rate near the stability limit"""
    case = support.draw(rng, n=24, epochs=16, dtype=torch.float32, lr_fraction=0.9, x_scale=3.0, x_offset=2.0)
    support.check(student, case, points)
