"""The proxy A-distance: how far apart two domains are, as a domain classifier sees them.

Ben-David et al. (2007, 2010) bound a classifier's error on the target domain by its error
on the source plus a divergence between the domains. That divergence cannot be computed,
but a proxy can: train a classifier to tell source from target features; the better it
does, the further apart the domains. Domain adaptation tries to bring this number down
while keeping the source task solvable.
"""

from __future__ import annotations

import numpy as np
from torch import Tensor

from .separability import domain_separability

__all__ = ["proxy_a_distance"]


def proxy_a_distance(
    source_features: Tensor | np.ndarray,
    target_features: Tensor | np.ndarray,
    seed: int = 0,
) -> float:
    """The proxy A-distance ``2 * (1 - 2 * err)`` of a linear domain classifier, in [0, 2].

    Both domains are cut to the same size n (a seeded random choice), so the union is
    balanced and guessing has error 1/2. A domain classifier is fitted on half of each
    domain and its error ``err`` is measured on the other halves. The classifier is linear:
    the closed-form ridge classifier on standardised features of
    :func:`~tlwidgets.analysis.domain_separability` (``method="linear"``), so the result is
    exactly twice that separability score. Ben-David et al. used a linear SVM; the two
    agree closely but not to the digit.

    0 means the classifier does no better than chance (the domains look alike to a linear
    classifier; a worse-than-chance error is clipped to 0), 2 means it never errs.

    Parameters
    ----------
    source_features, target_features
        Features of the two domains, shapes (N, D) and (M, D), e.g. from
        :func:`~tlwidgets.analysis.extract_features`; each needs at least 2 rows.
    seed
        Seeds the subsampling and the split, so the distance is reproducible.

    Returns
    -------
    float
        The proxy A-distance in [0, 2].

    Raises
    ------
    ValueError
        If the features are not 2-D, their sizes D differ, or a domain has fewer than
        2 rows.
    """
    separability = domain_separability(
        source_features, target_features, method="linear", seed=seed
    )  # max(0, 2 * acc - 1) = max(0, 1 - 2 * err)
    return min(2.0, 2.0 * separability)
