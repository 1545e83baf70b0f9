"""Index arithmetic on label arrays: stratified splits, k-per-class samples, per-class caps."""

from __future__ import annotations

import numpy as np

__all__ = ["cap_per_class", "sample_per_class", "stratified_split"]


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices so that every class keeps the same share in train and test.

    Parameters
    ----------
    labels
        Shape (N,), integer class labels.
    test_fraction
        Share of each class that goes to the test split (rounded per class).
    seed
        Seed of the shuffle.

    Returns
    -------
    train, test
        Index arrays of shape (N_train,) and (N_test,), each in a shuffled order.
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(members) * test_fraction)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def sample_per_class(labels: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Pick ``k`` indices of every class at random, reproducibly from ``seed``.

    Parameters
    ----------
    labels
        Shape (N,), integer class labels.
    k
        How many per class.
    seed
        Seed of the draw; the same seed always gives the same indices.

    Returns
    -------
    numpy.ndarray
        Shape (k * n_classes,), sorted ascending.

    Raises
    ------
    ValueError
        If ``k`` is not positive or exceeds what the smallest class has (the message says
        the maximum).
    """
    classes, counts = np.unique(labels, return_counts=True)
    if k < 1 or k > counts.min():
        raise ValueError(
            f"labels_per_class={k} is not possible here: each class has between "
            f"{counts.min()} and {counts.max()} images, so choose 1 to {counts.min()}"
        )
    rng = np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(labels == c), size=k, replace=False) for c in classes]
    return np.sort(np.concatenate(chosen))


def cap_per_class(labels: np.ndarray, cap: int) -> np.ndarray:
    """Keep the first ``cap`` indices of every class, in the stored order.

    Parameters
    ----------
    labels
        Shape (N,), integer class labels.
    cap
        Maximum number kept per class.

    Returns
    -------
    numpy.ndarray
        Shape (<= cap * n_classes,), sorted ascending.
    """
    kept = [np.flatnonzero(labels == c)[:cap] for c in np.unique(labels)]
    return np.sort(np.concatenate(kept))
