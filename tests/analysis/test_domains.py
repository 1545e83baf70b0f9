import numpy as np
import pytest
import torch

from tlwidgets.analysis import domain_separability, proxy_a_distance


def blobs(n=200, d=16, shift=0.0, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=generator) + shift


def test_two_samples_of_one_distribution_are_near_zero():
    assert proxy_a_distance(blobs(seed=0), blobs(seed=1)) < 0.4


def test_well_separated_domains_are_near_two():
    assert proxy_a_distance(blobs(seed=0), blobs(shift=4.0, seed=1)) > 1.9


def test_it_is_twice_the_linear_separability_and_reproducible():
    source, target = blobs(seed=0), blobs(shift=0.3, seed=1)
    distance = proxy_a_distance(source, target, seed=3)
    assert distance == pytest.approx(
        2 * domain_separability(source, target, method="linear", seed=3)
    )
    assert distance == proxy_a_distance(source.numpy(), np.asarray(target), seed=3)
    assert 0.0 <= distance <= 2.0


def test_bad_features_raise_with_the_reason():
    with pytest.raises(ValueError, match="differ in size"):
        proxy_a_distance(blobs(d=4), blobs(d=5))
    with pytest.raises(ValueError, match="at least 2 points"):
        proxy_a_distance(blobs(n=1), blobs())
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        proxy_a_distance(torch.zeros(10), blobs())
