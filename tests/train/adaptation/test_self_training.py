import pytest
import torch

from tlwidgets.train.adaptation import SelfTrainingObjective


def test_self_training_returns_a_finite_loss_and_the_documented_metrics(model, batch):
    loss, metrics = SelfTrainingObjective()(model, batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert set(metrics) == {"acc", "ce", "align", "pseudo_fraction"}


def test_threshold_zero_pseudo_labels_every_target_image(model, batch):
    _, metrics = SelfTrainingObjective(threshold=0.0)(model, batch)
    assert metrics["pseudo_fraction"] == 1.0
    assert metrics["align"] > 0


def test_threshold_one_keeps_no_pseudo_label_and_adds_nothing(model, batch):
    loss, metrics = SelfTrainingObjective(weight=5.0, threshold=1.0)(model, batch)
    assert metrics["pseudo_fraction"] == 0.0 and metrics["align"] == 0.0
    assert torch.equal(loss, metrics["ce"])
    loss.backward()  # still differentiable with no pseudo-label


def test_threshold_outside_zero_one_is_explained():
    with pytest.raises(ValueError, match=r"threshold must be in \[0, 1\]"):
        SelfTrainingObjective(threshold=1.5)
