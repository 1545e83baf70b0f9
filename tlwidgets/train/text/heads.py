"""Classifiers for text that train in well under a second: a logistic head and TF-IDF.

The head on frozen sentence embeddings is the text twin of lesson 01's linear probe; TF-IDF
with the same logistic regression is the baseline that knows only the words it was shown.
Both are L2-regularised logistic regressions (scikit-learn, lbfgs), which behave well with
8 labels per class as with thousands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

__all__ = ["TextHead", "TfidfClassifier", "fit_text_head", "fit_tfidf"]

MAX_ITER = 2000


def _check(features_or_texts: Sequence | np.ndarray, labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    if len(features_or_texts) != len(labels):
        raise ValueError(f"{len(features_or_texts)} examples but {len(labels)} labels")
    if len(np.unique(labels)) < 2:
        raise ValueError(
            "a classifier needs examples of at least two classes; got only "
            f"{np.unique(labels).tolist()} (take a few of each class, e.g. data.per_class(8, seed))"
        )
    return labels


@dataclass
class TextHead:
    """A logistic regression on sentence embeddings (N, D) -> class probabilities (N, K)."""

    model: LogisticRegression

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Class probabilities, shape (N, K), from embeddings (N, D)."""
        return self.model.predict_proba(features)

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predicted classes, shape (N,)."""
        return self.model.predict(features)

    def accuracy(self, features: np.ndarray, labels: np.ndarray) -> float:
        """Fraction of ``labels`` (N,) predicted correctly."""
        return float((self.predict(features) == np.asarray(labels)).mean())

    def balanced_accuracy(self, features: np.ndarray, labels: np.ndarray) -> float:
        """Mean of the per-class recalls: 0.5 for a constant guess on two classes."""
        return float(balanced_accuracy_score(labels, self.predict(features)))

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """``(weight (K, D), bias (K,))`` as a K-way linear layer (binary heads get two rows)."""
        coef, bias = self.model.coef_, self.model.intercept_
        if coef.shape[0] == 1:  # scikit-learn keeps one row for two classes
            coef, bias = np.vstack([-coef / 2, coef / 2]), np.array([-bias[0] / 2, bias[0] / 2])
        return coef.astype(np.float32), bias.astype(np.float32)


def fit_text_head(
    features: np.ndarray,
    labels: np.ndarray,
    *,
    strength: float = 1.0,
    balanced: bool = False,
    sample_weight: np.ndarray | None = None,
) -> TextHead:
    """Fit a logistic-regression head on frozen sentence embeddings.

    Parameters
    ----------
    features
        Shape (N, D), e.g. from :func:`tlwidgets.analysis.embed_texts`.
    labels
        Shape (N,), integer classes.
    strength
        Inverse regularisation (scikit-learn's ``C``): smaller trusts the few labels less.
    balanced
        Weight classes inversely to their frequency (for rare classes such as spam).
    sample_weight
        Optional (N,) weights per example.
    """
    labels = _check(features, labels)
    model = LogisticRegression(
        C=strength, max_iter=MAX_ITER, class_weight="balanced" if balanced else None
    )
    model.fit(np.asarray(features, dtype=np.float32), labels, sample_weight=sample_weight)
    return TextHead(model)


@dataclass
class TfidfClassifier:
    """TF-IDF word and word-pair features with a logistic regression: texts (N,) -> classes."""

    vectorizer: TfidfVectorizer
    model: LogisticRegression

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, shape (N, K)."""
        return self.model.predict_proba(self.vectorizer.transform(list(texts)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Predicted classes, shape (N,)."""
        return self.model.predict(self.vectorizer.transform(list(texts)))

    def accuracy(self, texts: Sequence[str], labels: np.ndarray) -> float:
        """Fraction of ``labels`` predicted correctly."""
        return float((self.predict(texts) == np.asarray(labels)).mean())

    def balanced_accuracy(self, texts: Sequence[str], labels: np.ndarray) -> float:
        """Mean of the per-class recalls."""
        return float(balanced_accuracy_score(labels, self.predict(texts)))

    def vocabulary_size(self) -> int:
        """How many words and word pairs it knows (all it can ever use)."""
        return len(self.vectorizer.vocabulary_)


def fit_tfidf(
    texts: Sequence[str], labels: np.ndarray, *, strength: float = 10.0, balanced: bool = False
) -> TfidfClassifier:
    """Fit the TF-IDF baseline: a vocabulary of the training texts' words and word pairs.

    Parameters
    ----------
    texts, labels
        N training texts and their (N,) integer classes.
    strength
        Inverse regularisation of the logistic regression (TF-IDF rows are sparse, so it
        needs less regularisation than the dense head).
    balanced
        Weight classes inversely to their frequency.
    """
    labels = _check(texts, labels)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)
    features = vectorizer.fit_transform(list(texts))
    model = LogisticRegression(
        C=strength, max_iter=MAX_ITER, class_weight="balanced" if balanced else None
    )
    model.fit(features, labels)
    return TfidfClassifier(vectorizer, model)
