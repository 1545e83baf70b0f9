import numpy as np
import pytest
import torch

from tlwidgets.analysis import SEPARABILITY_METHODS, domain_separability
from tlwidgets.data import load_domain


def blobs(n=200, d=16, shift=0.0, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=generator) + shift


@pytest.mark.parametrize("method", SEPARABILITY_METHODS)
def test_same_distribution_scores_near_zero_and_shifted_near_one(method):
    source, target = blobs(seed=0), blobs(seed=1)
    assert domain_separability(source, target, method=method) < 0.2
    assert domain_separability(source, blobs(shift=4.0, seed=1), method=method) > 0.9


@pytest.mark.parametrize("method", SEPARABILITY_METHODS)
def test_halves_of_one_domain_are_inseparable_two_domains_are_not(method):
    mnist = load_domain("mnist", "train").images.flatten(1)  # smoke: 300 images, raw pixels
    mnistm = load_domain("mnistm", "train").images.flatten(1)
    assert domain_separability(mnist[0::2], mnist[1::2], method=method) < 0.25
    assert domain_separability(mnist, mnistm, method=method) > 0.8  # knn 0.93, linear 0.84


def test_reproducible_bounded_and_accepts_numpy():
    source, target = blobs(seed=0), blobs(shift=0.3, seed=1)
    first = domain_separability(source, target, seed=3)
    assert first == domain_separability(source.numpy(), np.asarray(target), seed=3)
    assert 0.0 <= first <= 1.0
    # Unequal sizes are cut to the smaller domain, so chance stays at one half.
    assert domain_separability(blobs(n=1000, seed=4), blobs(n=50, seed=5)) < 0.3


def test_bad_inputs_raise_with_the_reason():
    with pytest.raises(ValueError, match="at least 2 points"):
        domain_separability(blobs(n=1), blobs())
    with pytest.raises(ValueError, match="differ in size"):
        domain_separability(blobs(d=4), blobs(d=5))
    with pytest.raises(ValueError, match="choose one of"):
        domain_separability(blobs(), blobs(), method="mmd")
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        domain_separability(torch.zeros(10), blobs())
