"""The lesson's small sweeps on cached embeddings: each run is a sub-second head fit.

Both the notebook (live) and ``bench/bench_lesson05.py`` (more seeds) call these, so the
numbers side by side in the lesson come from one piece of code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...data.splits import sample_per_class
from ...data.text import LabelledTexts
from .heads import fit_text_head, fit_tfidf

__all__ = ["few_label_curve", "shared_and_private_features", "two_user_spam_curve"]


def few_label_curve(
    train: LabelledTexts,
    train_embeddings: np.ndarray,
    test: LabelledTexts,
    test_embeddings: np.ndarray,
    *,
    sizes: Sequence[int] = (8, 32, 128),
    seeds: Sequence[int] = (0, 1, 2),
) -> list[dict[str, Any]]:
    """Accuracy of TF-IDF and of a head on frozen embeddings, from few labels to more.

    Parameters
    ----------
    train, train_embeddings
        The pool labels are drawn from, and its embeddings (N, D) in the same order.
    test, test_embeddings
        Held-out texts and their embeddings (M, D).
    sizes
        Labels per class.
    seeds
        One random draw of the labelled texts per seed (the same draw for both methods).

    Returns
    -------
    list of dict
        One row per (size, seed, method): ``labels_per_class``, ``seed``, ``method``
        ("TF-IDF" or "frozen encoder") and ``acc``.
    """
    rows = []
    for size in sizes:
        for seed in seeds:
            chosen = sample_per_class(train.labels, size, seed)
            labelled = train.subset(chosen)
            tfidf = fit_tfidf(labelled.texts, labelled.labels)
            head = fit_text_head(train_embeddings[chosen], labelled.labels)
            for method, acc in (
                ("TF-IDF", tfidf.accuracy(test.texts, test.labels)),
                ("frozen encoder", head.accuracy(test_embeddings, test.labels)),
            ):
                rows.append({"labels_per_class": size, "seed": seed, "method": method, "acc": acc})
    return rows


def shared_and_private_features(features: np.ndarray, user: int, n_users: int = 2) -> np.ndarray:
    """``[x, x if user 0 else 0, x if user 1 else 0, ...]``: shared plus per-user copies.

    A linear head on these features has one weight vector every user shares and one per
    user: multitask learning with hard parameter sharing, written as feature augmentation
    ("Frustratingly easy domain adaptation", Daumé III, ACL 2007).

    Parameters
    ----------
    features
        Shape (N, D), all from one user.
    user
        Which user (task) they belong to, 0..n_users - 1.

    Returns
    -------
    np.ndarray
        Shape (N, D * (n_users + 1)).
    """
    if not 0 <= user < n_users:
        raise ValueError(f"user must be in 0..{n_users - 1}, got {user}")
    blocks = [features] + [
        features if index == user else np.zeros_like(features) for index in range(n_users)
    ]
    return np.concatenate(blocks, axis=1)


def two_user_spam_curve(
    user_a: np.ndarray,
    labels_a: np.ndarray,
    user_b_pool: LabelledTexts,
    pool_embeddings: np.ndarray,
    user_b_test: LabelledTexts,
    test_embeddings: np.ndarray,
    *,
    sizes: Sequence[int] = (4, 16, 64),
    seeds: Sequence[int] = (0, 1, 2),
) -> list[dict[str, Any]]:
    """User B's spam filter with few of B's labels: alone, pooled with A's, or multitask.

    Parameters
    ----------
    user_a, labels_a
        User A's labelled embeddings (N, D) and classes (N,) (e-mail in the lesson).
    user_b_pool, pool_embeddings
        User B's texts that labels are drawn from, and their embeddings.
    user_b_test, test_embeddings
        User B's held-out texts and embeddings.
    sizes
        User B's labels per class.

    Returns
    -------
    list of dict
        One row per (size, seed, method) with ``balanced_acc`` on user B's test set.
        Methods: "A only" (no B labels; the same for every size), "B only", "pooled"
        (one head on A's and B's examples) and "shared + per-user" (multitask).
    """
    only_a = fit_text_head(user_a, labels_a, balanced=True)
    rows = []
    for size in sizes:
        for seed in seeds:
            chosen = sample_per_class(user_b_pool.labels, size, seed)
            x_b, y_b = pool_embeddings[chosen], user_b_pool.labels[chosen]
            heads = {
                "A only": (only_a, test_embeddings),
                "B only": (fit_text_head(x_b, y_b, balanced=True), test_embeddings),
                "pooled": (
                    fit_text_head(
                        np.concatenate([user_a, x_b]),
                        np.concatenate([labels_a, y_b]),
                        balanced=True,
                    ),
                    test_embeddings,
                ),
                "shared + per-user": (
                    fit_text_head(
                        np.concatenate(
                            [
                                shared_and_private_features(user_a, 0),
                                shared_and_private_features(x_b, 1),
                            ]
                        ),
                        np.concatenate([labels_a, y_b]),
                        balanced=True,
                    ),
                    shared_and_private_features(test_embeddings, 1),
                ),
            }
            for method, (head, features) in heads.items():
                rows.append(
                    {
                        "labels_per_class": size,
                        "seed": seed,
                        "method": method,
                        "balanced_acc": head.balanced_accuracy(features, user_b_test.labels),
                    }
                )
    return rows
