import pytest
import torch

from tlwidgets.train.adaptation import MMDObjective, mmd_loss


def test_mmd_returns_a_finite_loss_and_the_documented_metrics(model, batch):
    loss, metrics = MMDObjective()(model, batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert set(metrics) == {"acc", "ce", "align"}
    loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


def test_mmd_is_about_zero_for_identical_features_and_grows_with_the_shift():
    generator = torch.Generator().manual_seed(0)
    features = torch.randn(32, 8, generator=generator)
    same = torch.randn(32, 8, generator=generator)
    assert mmd_loss(features, features) < 1e-6
    near, far = mmd_loss(features, same + 0.5), mmd_loss(features, same + 3.0)
    assert mmd_loss(features, same) < near < far


def test_mmd_is_scale_free_through_the_median_bandwidth():
    generator = torch.Generator().manual_seed(0)
    a, b = torch.randn(16, 4, generator=generator), torch.randn(16, 4, generator=generator) + 1
    assert torch.isclose(mmd_loss(a, b), mmd_loss(100 * a, 100 * b), atol=1e-5)


def test_identical_points_give_finite_gradients():
    features = torch.ones(4, 3, requires_grad=True)
    mmd_loss(features, features.detach().clone()).backward()
    assert torch.isfinite(features.grad).all()


def test_bad_bandwidths_are_explained():
    with pytest.raises(ValueError, match="bandwidths must be positive"):
        MMDObjective(bandwidths=(1.0, 0.0))
