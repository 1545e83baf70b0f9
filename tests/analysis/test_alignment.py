"""Closed-form CORAL: the source takes the target's mean and covariance, without labels."""

import numpy as np
import pytest

from tlwidgets.analysis import coral_align


def correlated(n: int, d: int, scale: float, shift: float, seed: int) -> np.ndarray:
    """(N, D) Gaussian points with a random full covariance, scaled and shifted."""
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((d, d)) * scale  # covariance = mixing.T @ mixing
    return rng.standard_normal((n, d)) @ mixing + shift


@pytest.fixture
def domains() -> tuple[np.ndarray, np.ndarray]:
    """A source and a target of 2,000 points in 6-d, differing in mean and covariance."""
    return correlated(2000, 6, 1.0, 0.0, seed=0), correlated(2000, 6, 3.0, 5.0, seed=1)


def relative_gap(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def test_aligned_source_has_the_target_mean_and_covariance(domains):
    source, target = domains
    aligned = coral_align(source, target, regularisation=1e-4)
    assert aligned.shape == source.shape and aligned.dtype == np.float32
    assert np.allclose(aligned.mean(0), target.mean(0), atol=1e-3)
    cov_a, cov_t = np.cov(aligned, rowvar=False), np.cov(target, rowvar=False)
    assert relative_gap(cov_a, cov_t) < 0.01
    assert relative_gap(np.cov(source, rowvar=False), cov_t) > 0.5  # it was far before


def test_more_regularisation_aligns_more_gently(domains):
    source, target = domains
    cov_t = np.cov(target, rowvar=False)
    gaps = [
        relative_gap(np.cov(coral_align(source, target, regularisation=r), rowvar=False), cov_t)
        for r in (1e-3, 1.0, 100.0)
    ]
    assert gaps[0] < gaps[1] < gaps[2]


def test_recentre_false_keeps_the_source_mean(domains):
    source, target = domains
    aligned = coral_align(source, target, regularisation=1e-4, recentre=False)
    assert np.allclose(aligned.mean(0), source.mean(0), atol=1e-4)
    centred = coral_align(source, target, regularisation=1e-4)
    assert np.allclose(aligned - aligned.mean(0), centred - centred.mean(0), atol=1e-3)


def test_the_target_aligned_to_itself_barely_moves():
    target = correlated(500, 4, 2.0, 1.0, seed=2)
    assert np.allclose(coral_align(target, target, regularisation=1e-6), target, atol=1e-3)


def test_fewer_points_than_dimensions_still_give_finite_features():
    source, target = correlated(5, 32, 1.0, 0.0, seed=3), correlated(8, 32, 2.0, 1.0, seed=4)
    aligned = coral_align(source, target)  # the default regularisation keeps it stable
    assert aligned.shape == (5, 32) and np.all(np.isfinite(aligned))


def test_float32_and_float64_inputs_give_the_same_alignment(domains):
    source, target = domains
    single = coral_align(source.astype(np.float32), target.astype(np.float32))
    assert np.allclose(single, coral_align(source, target), atol=1e-3)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (np.zeros((10, 3)), np.zeros((10, 4))),
        (np.zeros(10), np.zeros((10, 1))),
        (np.zeros((10, 3)), np.zeros((2, 5, 3))),
    ],
)
def test_mismatched_shapes_raise_and_show_them(source, target):
    with pytest.raises(ValueError, match=r"must be \(N, D\) and \(M, D\), got"):
        coral_align(source, target)


@pytest.mark.parametrize(("n_source", "n_target"), [(1, 10), (10, 1)])
def test_fewer_than_two_points_raise(n_source, n_target):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="at least two source and two target points"):
        coral_align(rng.standard_normal((n_source, 3)), rng.standard_normal((n_target, 3)))
