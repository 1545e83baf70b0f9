"""Aligning feature distributions without labels: the closed-form CORAL of Sun et al. (2016).

CORAL ("Return of frustratingly easy domain adaptation", AAAI 2016) whitens the source
features and re-colours them with the target's covariance, so a classifier trained on the
aligned source sees target-like second-order statistics. It needs no target labels and no
training: two matrix square roots. Lesson 02's deep CORAL learns the same alignment as a loss.
"""

from __future__ import annotations

import numpy as np

__all__ = ["coral_align"]


def _matrix_power(covariance: np.ndarray, power: float) -> np.ndarray:
    """``covariance ** power`` of a symmetric positive definite matrix (D, D)."""
    values, vectors = np.linalg.eigh(covariance)
    return (vectors * values.clip(1e-12) ** power) @ vectors.T


def _regularised_covariance(features: np.ndarray, regularisation: float) -> np.ndarray:
    """Covariance (D, D) plus ``regularisation`` times its average variance on the diagonal."""
    covariance = np.cov(features, rowvar=False)
    ridge = regularisation * np.trace(covariance) / len(covariance)
    return covariance + ridge * np.eye(len(covariance))


def coral_align(
    source: np.ndarray, target: np.ndarray, *, regularisation: float = 1.0, recentre: bool = True
) -> np.ndarray:
    """Transform source features so their mean and covariance match the target's.

    Parameters
    ----------
    source
        Source features, shape (N, D).
    target
        Unlabelled target features, shape (M, D).
    regularisation
        Added to both covariances' diagonals, as a multiple of their average variance
        (the paper adds 1 to raw features): it keeps the whitening stable when there are
        fewer points than dimensions, and larger values make the alignment gentler.
    recentre
        Also move the source mean onto the target mean (the paper aligns covariances only;
        for embeddings the mean shift between domains is often the larger part).

    Returns
    -------
    np.ndarray
        Shape (N, D): ``(source - mean_s) C_s^-1/2 C_t^1/2 (+ mean_t)``, float32.
    """
    if source.ndim != 2 or target.ndim != 2 or source.shape[1] != target.shape[1]:
        raise ValueError(
            f"source and target must be (N, D) and (M, D), got {source.shape} and {target.shape}"
        )
    if len(source) < 2 or len(target) < 2:
        raise ValueError("CORAL needs at least two source and two target points")
    source = source.astype(np.float64)
    target = target.astype(np.float64)
    mean_s, mean_t = source.mean(0), target.mean(0)
    cov_s, cov_t = (_regularised_covariance(x, regularisation) for x in (source, target))
    aligned = (source - mean_s) @ _matrix_power(cov_s, -0.5) @ _matrix_power(cov_t, 0.5)
    aligned += mean_t if recentre else mean_s
    return aligned.astype(np.float32)
