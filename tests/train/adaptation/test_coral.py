import torch

from tlwidgets.train.adaptation import CoralObjective, coral_loss


def test_coral_returns_a_finite_loss_and_the_documented_metrics(model, batch):
    loss, metrics = CoralObjective(weight=1.0)(model, batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert set(metrics) == {"acc", "ce", "align"}
    loss.backward()
    assert model.stages[0][0][0].weight.grad is not None


def test_coral_is_zero_for_identical_features_and_positive_for_shifted_ones():
    features = torch.randn(32, 5, generator=torch.Generator().manual_seed(0))
    assert coral_loss(features, features) == 0
    assert coral_loss(features, features + 3.0) < 1e-6  # a mean shift keeps the covariance
    assert coral_loss(features, features * 3.0) > 0.01


def test_coral_divides_by_four_d_squared():
    a, b = torch.tensor([[1.0, 0.0], [-1.0, 0.0]]), torch.zeros(2, 2)
    # covariance of a: [[2, 0], [0, 0]]; of b: zeros -> ||.||_F^2 = 4; / (4 * 2^2) = 0.25
    assert torch.isclose(coral_loss(a, b), torch.tensor(0.25))


def test_coral_of_a_single_example_is_finite():
    assert torch.isfinite(coral_loss(torch.randn(1, 4), torch.randn(3, 4)))
