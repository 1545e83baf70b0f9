"""Self-training on embeddings: label the confident target texts yourself, refit, repeat.

The target domain has no labels, but a source-trained head is right on most of the texts
it is sure about. Adding those as pseudo-labelled examples and refitting pulls the
decision boundary towards the target's own clusters (lesson 02 did this with a network;
here the features are frozen, so each round is a sub-second refit).
"""

from __future__ import annotations

import numpy as np

from .heads import TextHead, fit_text_head

__all__ = ["self_train_head"]


def self_train_head(
    source_features: np.ndarray,
    source_labels: np.ndarray,
    target_features: np.ndarray,
    *,
    rounds: int = 5,
    confidence: float = 0.8,
    strength: float = 1.0,
) -> tuple[TextHead, list[int]]:
    """Fit on the source, then repeatedly add the confidently predicted target texts.

    Parameters
    ----------
    source_features, source_labels
        Labelled source embeddings (N, D) and classes (N,).
    target_features
        Unlabelled target embeddings (M, D).
    rounds
        Refits after the first fit.
    confidence
        A target text joins (with its predicted class) once the head's top probability
        reaches this; the rest wait for a later round.
    strength
        Inverse regularisation of every fit (see :func:`fit_text_head`).

    Returns
    -------
    head, pseudo_labelled
        The final head, and how many target texts carried pseudo-labels in each round.
    """
    if not 0.5 <= confidence < 1:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    head = fit_text_head(source_features, source_labels, strength=strength)
    counts = []
    for _ in range(rounds):
        probabilities = head.predict_proba(target_features)
        sure = probabilities.max(axis=1) >= confidence
        counts.append(int(sure.sum()))
        if not sure.any():
            break
        pseudo = head.model.classes_[probabilities[sure].argmax(axis=1)]
        head = fit_text_head(
            np.concatenate([source_features, target_features[sure]]),
            np.concatenate([source_labels, pseudo]),
            strength=strength,
        )
    return head, counts
