"""2-D pictures of high-dimensional features: PCA (instant) or t-SNE (slower, local structure)."""

from __future__ import annotations

import numpy as np
from torch import Tensor

__all__ = ["PROJECTIONS", "project"]

PROJECTIONS = ("pca", "tsne")


def project(
    features: Tensor | np.ndarray, method: str = "pca", *, dims: int = 2, seed: int = 0
) -> np.ndarray:
    """Project features (N, D) to (N, dims) for plotting.

    Parameters
    ----------
    features
        One row per example.
    method
        "pca" (linear, deterministic, milliseconds) or "tsne" (van der Maaten & Hinton, 2008;
        keeps neighbourhoods, seconds for a few thousand points; initialised with PCA).
    dims
        Output dimensions (2 for a scatter plot).
    seed
        Seeds t-SNE's optimisation.

    Returns
    -------
    numpy.ndarray
        float32 coordinates of shape (N, dims).
    """
    x = features.detach().cpu().numpy() if isinstance(features, Tensor) else np.asarray(features)
    x = x.reshape(len(x), -1).astype(np.float64)
    if method not in PROJECTIONS:
        raise ValueError(f"unknown projection {method!r}; choose one of {PROJECTIONS}")
    if len(x) <= dims:
        raise ValueError(
            f"need more than {dims} points to project to {dims} dimensions, got {len(x)}"
        )
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=dims, random_state=seed).fit_transform(x).astype(np.float32)
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, (len(x) - 1) / 3))
    tsne = TSNE(n_components=dims, perplexity=perplexity, init="pca", random_state=seed)
    return tsne.fit_transform(x).astype(np.float32)
