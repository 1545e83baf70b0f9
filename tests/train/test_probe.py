import pytest
import torch

from tlwidgets.train import fit_linear_probe


def separable(n=200, d=16, seed=0):
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    features = torch.randn(n, d, generator=generator) * 0.3 + 5.0
    features[:, 0] += labels.float() * 2
    return features, labels


def test_probe_separates_linearly_separable_features():
    features, labels = separable()
    probe = fit_linear_probe(features, labels)
    assert probe.accuracy(*separable(seed=1)) > 0.95


def test_probe_folds_into_an_equivalent_linear_layer():
    features, labels = separable()
    probe = fit_linear_probe(features, labels, epochs=5)
    linear = probe.as_linear()
    assert torch.allclose(probe(features), linear(features), atol=1e-4)


def test_probe_is_deterministic_for_a_seed():
    features, labels = separable()
    a = fit_linear_probe(features, labels, epochs=3, seed=1)
    b = fit_linear_probe(features, labels, epochs=3, seed=1)
    assert torch.equal(a.linear.weight, b.linear.weight)


def test_probe_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"features must be \(N, D\)"):
        fit_linear_probe(torch.zeros(4, 2), torch.zeros(3).long())
