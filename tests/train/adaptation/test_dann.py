import pytest
import torch

from tlwidgets.train import evaluate
from tlwidgets.train.adaptation import (
    DANNObjective,
    DomainAdversarialNetwork,
    DomainDiscriminator,
    GradientReversal,
    dann_lambda,
)


def test_gradient_reversal_flips_the_sign_and_scales_by_lambda():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = GradientReversal(0.5)(x)
    assert torch.equal(y, x)
    (y * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([-0.5, -1.0, -1.5]))


def test_lambda_schedule_goes_from_zero_to_almost_one():
    assert dann_lambda(0.0) == 0.0
    assert dann_lambda(1.0) == pytest.approx(1.0, abs=1e-4)
    assert dann_lambda(0.1) < dann_lambda(0.5) < dann_lambda(1.0)
    objective = DANNObjective(gamma=10.0)
    objective.on_step_start(1.0)
    assert objective.lambda_ == pytest.approx(1.0, abs=1e-4)


def test_discriminator_maps_features_to_one_logit_each():
    assert DomainDiscriminator(128, hidden=16)(torch.randn(5, 128)).shape == (5,)


def test_dann_returns_a_finite_loss_and_the_documented_metrics(model, batch):
    network = DomainAdversarialNetwork(model, hidden=16)
    objective = DANNObjective()
    objective.on_step_start(0.5)
    loss, metrics = objective(network, batch)
    assert loss.ndim == 0 and torch.isfinite(loss)
    assert set(metrics) == {"acc", "ce", "align", "domain_acc", "lambda"}
    assert 0 <= metrics["domain_acc"] <= 1
    assert network.gradient_reversal.lambda_ == objective.lambda_


def test_features_get_the_reversed_scaled_domain_gradient(model, batch):
    network = DomainAdversarialNetwork(model, hidden=16)
    objective = DANNObjective(weight=1.0)
    objective.on_step_start(0.3)
    features = torch.randn(4, 128, requires_grad=True)
    loss, _ = objective.alignment(network, *batch, features[:2], features[2:], None)
    (reversed_grad,) = torch.autograd.grad(loss, features)
    plain = torch.nn.functional.binary_cross_entropy_with_logits(
        network.discriminator(features), torch.tensor([1.0, 1.0, 0.0, 0.0])
    )
    (plain_grad,) = torch.autograd.grad(plain, features)
    assert torch.allclose(reversed_grad, -objective.lambda_ * plain_grad, atol=1e-6)


def test_the_wrapper_forwards_class_logits_so_evaluation_works(model, batch):
    network = DomainAdversarialNetwork(model, hidden=16)
    xs, ys, _ = batch
    assert torch.equal(network.eval()(xs), model.eval()(xs))
    data = torch.utils.data.TensorDataset(xs, ys)
    assert evaluate(network, data, DANNObjective()) == pytest.approx(evaluate(model, data))


def test_dann_without_the_wrapper_says_how_to_wrap(model, batch):
    with pytest.raises(TypeError, match=r"DomainAdversarialNetwork\(backbone\)"):
        DANNObjective()(model, batch)
